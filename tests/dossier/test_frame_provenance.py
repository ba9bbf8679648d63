"""A frame taken from a video, in the dossier: its provenance on the page and in dossier.json,
the reader's way to re-derive it from the video's original, and `desk verify-dossier` on it."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import av
import pytest

from desk.cli import main
from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.credentials import OF_FRAME
from desk.core.intake import import_files
from desk.core.model import Claim, Confidence, Rating, Verdict
from desk.core.video_frames import FrameRequest
from desk.core.video_intake import take_frames
from desk.dossier import export_dossier
from tests.core import videos

#: A name a stranger chose for the clip (a file name cannot hold "/", so the script's end tag
#: is written with a backslash); it must reach the page as text.
HOSTILE = "<script>alert(1)<\\script><img src=x onerror=alert(2)>.mp4"


@dataclass
class Footage:
    path: Path
    video_id: int
    frame_id: int
    frame_index: int
    pixels_sha256: str
    clip: Path


def _case(tmp_path: Path, *, link_video: bool, name: str = "kupiansk clip.mp4") -> Footage:
    clip = videos.make_clip(tmp_path / name, seconds=1.0, gop=5)
    path = tmp_path / "footage.deskcase"
    with CaseFile.create(path, "Footage case") as case:
        (item,) = import_files(case, [clip]).imported
        assert item.evidence_id is not None
        (taken,) = take_frames(case, item.evidence_id, FrameRequest("at", times=(0.4,)))
        commands.add_claim(case, Claim(0, "The column entered the town",
                                       claimant="State TV")).apply(case)
        commands.link_evidence(1, taken.id, "contradicts", note="the frame").apply(case)
        if link_video:
            commands.link_evidence(1, item.evidence_id, "context").apply(case)
        commands.set_verdict(Verdict(1, Rating.MISLEADING, Confidence.MODERATE,
                                     summary="Old footage")).apply(case)
    return Footage(path, item.evidence_id, taken.id, taken.frame_index, taken.pixels_sha256,
                   clip)


def _export(footage: Footage, out: Path, formats: set[str], **kwargs: Any) -> dict[str, Any]:
    with CaseFile.open(footage.path) as case:
        export_dossier(case, 1, out, formats, **kwargs)
    return cast(dict[str, Any], json.loads((out / "dossier.json").read_text(encoding="utf-8")))


def _entry(record: dict[str, Any], evidence_id: int) -> dict[str, Any]:
    (entry,) = [e for e in record["evidence"] if e["id"] == evidence_id]
    return cast(dict[str, Any], entry)


def _independent_pixels_sha256(original: Path, index: int) -> str:
    """Frame `index` of the file decoded here with PyAV alone, hashed as FFmpeg's framehash
    packs a yuv420p picture (Y, then U, then V, rows without padding)."""
    with av.open(str(original)) as container:
        for n, frame in enumerate(container.decode(video=0)):
            if n == index:
                assert frame.format.name == "yuv420p"
                return hashlib.sha256(frame.to_ndarray().tobytes()).hexdigest()
    raise AssertionError(f"no frame {index}")


def test_frame_shows_its_provenance_and_the_dossier_verifies(tmp_path: Path) -> None:
    footage = _case(tmp_path, link_video=True)
    out = tmp_path / "dossier"
    record = _export(footage, out, {"html", "json"})

    frame = _entry(record, footage.frame_id)
    clip_sha = hashlib.sha256(footage.clip.read_bytes()).hexdigest()
    assert frame["kind"] == "still"
    assert {k: frame["frame_of"][k] for k in ("video_id", "video_sha256", "frame_index",
                                              "timecode", "pixels_sha256")} == {
        "video_id": footage.video_id, "video_sha256": clip_sha, "frame_index": 10,
        "timecode": "00:00:00.400", "pixels_sha256": footage.pixels_sha256}
    assert frame["frame_of"]["pts_s"] == pytest.approx(0.4)
    assert frame["frame_of"]["video_name"] == "kupiansk clip.mp4"
    for key in ("id", "name", "sha256", "size", "format", "metadata", "provenance", "map"):
        assert key in frame  # the keys dossier.json had before stay
    video = _entry(record, footage.video_id)
    assert video["kind"] == "video" and video["frame_of"] is None
    assert video["video"]["codec"] == "h264" and video["video"]["frames"] == 25
    assert video["original_path"] == f"originals/{clip_sha}.mp4"
    assert frame["frame_of"]["video_original_path"] == video["original_path"]
    # The video's credentials were read (it has none); the frame has none of its own.
    assert video["content_credentials"]["state"] == "absent"
    assert frame["content_credentials"] == {"state": "not_read", "summary": OF_FRAME}

    html = (out / "dossier.html").read_text(encoding="utf-8")
    assert (f"frame 10, 00:00:00.400, of video <span class=\"mono\">{clip_sha[:12]}…</span>"
            " “kupiansk clip.mp4”") in html
    assert clip_sha in html and footage.pixels_sha256 in html
    assert "Frame of a video" in html and "<th>Kind</th><td>Video</td>" in html
    assert "-f framehash -hash sha256 -" in html  # how to re-derive the frame
    assert "Thumbnail of the 160 × 120 px video" in html

    # The reader's check: the video original in the dossier, decoded elsewhere, gives the
    # frame's pixel hash at its index.
    copied = out / video["original_path"]
    assert hashlib.sha256(copied.read_bytes()).hexdigest() == clip_sha
    assert _independent_pixels_sha256(copied, 10) == footage.pixels_sha256

    assert main(["verify-dossier", str(out)]) == 0
    (out / video["original_path"]).write_bytes(copied.read_bytes()[:-1] + b"\0")
    assert main(["verify-dossier", str(out)]) == 1  # and it can fail


def test_a_frame_whose_video_is_not_linked_still_names_it(tmp_path: Path) -> None:
    footage = _case(tmp_path, link_video=False)
    out = tmp_path / "dossier"
    record = _export(footage, out, {"html", "json"}, include_originals=False)
    frame = _entry(record, footage.frame_id)
    assert frame["frame_of"]["video_linked"] is False
    assert frame["frame_of"]["video_original_path"] is None
    assert [e["id"] for e in record["evidence"]] == [footage.frame_id]
    html = (out / "dossier.html").read_text(encoding="utf-8")
    assert "not linked to this claim" in html and "framehash" in html
    assert main(["verify-dossier", str(out)]) == 0


def test_a_dossier_without_frames_says_nothing_of_framehash(tmp_path: Path) -> None:
    from tests.dossier.conftest import build_case

    built = build_case(tmp_path / "stills.deskcase")
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, tmp_path / "d", {"html", "json"})
    html = (tmp_path / "d" / "dossier.html").read_text(encoding="utf-8")
    assert "framehash" not in html and "of video" not in html
    record = json.loads((tmp_path / "d" / "dossier.json").read_text(encoding="utf-8"))
    assert {e["kind"] for e in record["evidence"]} == {"still"}
    assert all(e["frame_of"] is None for e in record["evidence"])


def test_a_hostile_video_name_stays_text(tmp_path: Path) -> None:
    footage = _case(tmp_path, link_video=True, name=HOSTILE)
    out = tmp_path / "dossier"
    record = _export(footage, out, {"html", "json"})
    assert _entry(record, footage.frame_id)["frame_of"]["video_name"] == HOSTILE
    html = (out / "dossier.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;\\script&gt;&lt;img src=x onerror=alert(2)&gt;.mp4" in html
    assert main(["verify-dossier", str(out)]) == 0


@pytest.mark.slow
def test_the_printed_frame_page_shows_its_provenance(tmp_path: Path) -> None:
    pytest.importorskip("PySide6.QtWebEngineCore")
    from desk.ui.export.pdf_printer import print_pdf

    footage = _case(tmp_path, link_video=True)
    out = tmp_path / "dossier"
    _export(footage, out, {"pdf", "json"}, pdf_printer=print_pdf)
    assert main(["verify-dossier", str(out)]) == 0
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(out / "dossier.pdf"), "-"],
                          check=True, capture_output=True, text=True).stdout
    assert "frame 10, 00:00:00.400, of video" in text
    assert "framehash" in text  # the reader's way back to the frame, printed
    assert footage.pixels_sha256[:16] in text.replace("\n", "")
