"""Footage through intake and frames taken from it, with the real video workers: videos beside
stills, hostile ones rejected with the probe's reason, frames equal to an independent decode,
duplicates reported, and a killed import leaving the case as it was."""

from __future__ import annotations

import hashlib
import io
import json
import signal
import struct
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import pytest
from PIL import Image

from desk.core import near_duplicates
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.intake import import_files
from desk.core.model import Provenance
from desk.core.parse import parse_image
from desk.core.perceptual_hash import from_text
from desk.core.video_frames import FrameRequest
from desk.core.video_intake import TAKE_FRAMES, take_frames
from tests.core import imaging, videos

LOCATION = "+49.7101+037.6152+085.000/"
CREATED = "2025-12-29T14:05:00.000000Z"


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("footage")
    return {
        "mp4": videos.make_clip(folder / "aired.mp4", gop=12, bframes=2,
                                metadata={"creation_time": CREATED, "location": LOCATION}),
        "webm": videos.make_clip(folder / "web.webm", codec="libvpx-vp9", gop=12),
        "phone": videos.make_clip(folder / "phone.mp4", rotation=-90, seconds=1),
    }


def _imported(case: CaseFile, path: Path) -> int:
    (item,) = import_files(case, [path]).imported
    assert item.evidence_id is not None
    return item.evidence_id


def test_videos_import_beside_stills_in_file_order(
        case_path: Path, tmp_path: Path, clips: dict[str, Path]) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(imaging.make_jpeg(64, 48))
    (folder / "b.mp4").write_bytes(clips["mp4"].read_bytes())
    (folder / "c.jpg").write_bytes(imaging.make_jpeg(80, 48))
    (folder / "d.webm").write_bytes(clips["webm"].read_bytes())
    with CaseFile.create(case_path, "footage") as case:
        report = import_files(case, [folder],
                              provenance=Provenance(source_url="https://t.me/x/1"))
        assert [(Path(i.path).name, i.status) for i in report.items] == [
            ("a.jpg", "imported"), ("b.mp4", "imported"), ("c.jpg", "imported"),
            ("d.webm", "imported")]
        items = case.list_evidence()
        assert [(e.kind, e.format) for e in items] == [
            ("still", "jpeg"), ("video", "mp4"), ("still", "jpeg"), ("video", "webm")]
        video = items[1]
        assert video.sha256 == hashlib.sha256(clips["mp4"].read_bytes()).hexdigest()
        assert (video.width, video.height, video.size) == (
            160, 120, clips["mp4"].stat().st_size)
        assert video.provenance.source_url == "https://t.me/x/1"
        assert video.metadata.gps is not None
        assert (video.metadata.gps.lat, video.metadata.gps.lon) == (49.7101, 37.6152)
        assert video.metadata.captured_at == "2025-12-29T14:05:00+00:00"
        assert "re_encoded" in [f.code for f in video.metadata.flags]  # FFmpeg's Lavf
        stored = case.video(video.id)
        assert stored is not None
        assert stored.info["codec"] == "h264" and stored.info["frames"] == 50
        assert stored.info["fps"] == 25 and stored.info["duration_s"] == pytest.approx(2.0)
        table = stored.frame_table()
        assert table is not None and table.frames == 50
        thumb = Image.open(io.BytesIO(case.thumbnail(video.id) or b""))
        assert thumb.format == "JPEG" and thumb.size == (160, 120)
        with case.open_original(video.id) as stream:
            assert stream.read() == clips["mp4"].read_bytes()
        entries = [e for e in case.audit_entries() if e.action == "import"]
        assert any('"kind":"video"' in e.detail.replace(" ", "") for e in entries)
        assert case.verify().ok
        again = import_files(case, [folder / "b.mp4"])
        assert again.duplicates[0].evidence_id == video.id
        assert case.evidence_count() == 4


def test_a_rotated_phone_clip_shows_and_gives_frames_upright(
        case_path: Path, clips: dict[str, Path]) -> None:
    with CaseFile.create(case_path, "phone") as case:
        eid = _imported(case, clips["phone"])
        video = case.get_evidence(eid)
        assert (video.width, video.height) == (120, 160)  # shown turned a quarter
        assert "rotation_metadata" in [f.code for f in video.metadata.flags]
        thumb = Image.open(io.BytesIO(case.thumbnail(eid) or b""))
        assert thumb.size == (120, 160)
        (frame,) = take_frames(case, eid, FrameRequest("at", times=(0.4,)))
        still = case.get_evidence(frame.id)
        assert (still.format, still.width, still.height) == ("png", 120, 160)
        rotation = case.video(eid).info["rotation"]  # type: ignore[union-attr]
        assert rotation in (90, 270)
        reference = videos.decode_all(clips["phone"])[frame.frame_index]
        upright = Image.frombytes("RGB", (160, 120), reference[2]).rotate(-rotation, expand=True)
        assert Image.open(io.BytesIO(case.original(frame.id))).tobytes() == upright.tobytes()


def _hostile(folder: Path) -> dict[str, tuple[Path, str]]:
    moov_last = videos.make_clip(folder / "src.mp4", gop=25).read_bytes()
    moov_first = videos.make_clip(folder / "src-first.mp4", gop=25,
                                  container_options={"movflags": "faststart"}).read_bytes()
    billion = bytearray(moov_first)
    stbl = (b"moov", b"trak", b"mdia", b"minf", b"stbl")
    offset, _ = videos.find_box(moov_first, (*stbl, b"stsz"))
    struct.pack_into(">II", billion, offset + 12, 1, 10**9)
    offset, _ = videos.find_box(moov_first, (*stbl, b"stts"))
    struct.pack_into(">I", billion, offset + 16, 10**9)
    made = {
        "cut.mp4": (moov_last[: len(moov_last) // 2], "truncated MP4: no moov atom"),
        "billion.mp4": (bytes(billion), "implausible frame count"),
        "nested.mkv": (videos.matroska(frames=videos.vp9_packets(), doctype=b"matroska",
                                       tags=videos.nested_simple_tags(10_000)),
                       "MKV nested too deeply"),
        "huge.webm": (videos.matroska(width=100_000, height=100_000,
                                      frames=videos.vp9_packets()),
                      "frame too large: 100000x100000"),
    }
    found = {}
    for name, (data, reason) in made.items():
        (folder / name).write_bytes(data)
        found[name] = (folder / name, reason)
    return found


def test_hostile_videos_end_rejected_with_the_probes_reason(
        case_path: Path, tmp_path: Path) -> None:
    hostile = _hostile(tmp_path)
    with CaseFile.create(case_path, "hostile") as case:
        started = time.monotonic()
        report = import_files(case, [path for path, _ in hostile.values()])
        assert time.monotonic() - started < 60
        assert [i.status for i in report.items] == ["rejected"] * len(hostile)
        for item, (_, reason) in zip(report.items, hostile.values(), strict=True):
            assert item.reason.startswith(reason), item.reason
            assert item.sha256  # hashed before any parser saw it
        assert case.evidence_count() == 0
        logged = json.loads(case.audit_entries()[-1].detail)
        assert [f["name"] for f in logged["files"]] == list(hostile)
        assert case.verify().ok


def test_frames_taken_equal_an_independent_decode(
        case_path: Path, clips: dict[str, Path]) -> None:
    reference = videos.decode_all(clips["mp4"])
    sha = hashlib.sha256(clips["mp4"].read_bytes()).hexdigest()
    with CaseFile.create(case_path, "frames") as case:
        eid = _imported(case, clips["mp4"])
        time_base = case.video(eid).frame_table().time_base  # type: ignore[union-attr]
        taken = take_frames(case, eid, FrameRequest("every", every=0.5))
        assert [t.frame_index for t in taken] == [0, 12, 25, 37]
        assert not any(t.duplicate for t in taken)
        for result in taken:
            pts, pixels, rgb = reference[result.frame_index]
            assert result.pixels_sha256 == pixels
            assert result.pts_s == float((pts - reference[0][0]) * Fraction(time_base))
            still = case.get_evidence(result.id)
            original = case.original(result.id)
            assert hashlib.sha256(original).hexdigest() == result.sha256 == still.sha256
            assert Image.open(io.BytesIO(original)).tobytes() == rgb
            assert still.kind == "still" and still.frame_of is not None
            assert (still.frame_of.video_id, still.frame_of.video_sha256) == (eid, sha)
            assert (still.frame_of.frame_index, still.frame_of.pixels_sha256) == (
                result.frame_index, pixels)
            assert still.frame_of.timecode == result.timecode
            assert case.thumbnail(result.id)
            assert [f.code for f in still.metadata.flags] == ["frame_of_video"]
            assert still.name == f"aired.mp4 frame {result.frame_index} {result.timecode}"
            # thumbnail and perceptual hash as intake makes them for the same PNG
            parsed = parse_image(original)
            assert case.thumbnail(result.id) == parsed.thumbnail
            assert near_duplicates.hash_of(case, result.id) == from_text(parsed.perceptual_hash)
        assert [f.id for f in case.frames_of(eid)] == [t.id for t in taken]
        entry = case.audit_entries()[-1]
        assert entry.action == TAKE_FRAMES
        assert json.loads(entry.detail)["video_sha256"] == sha
        assert case.verify().ok


def test_a_frame_taken_again_is_a_duplicate_not_stored_twice(
        case_path: Path, clips: dict[str, Path]) -> None:
    with CaseFile.create(case_path, "twice") as case:
        eid = _imported(case, clips["webm"])
        (first,) = take_frames(case, eid, FrameRequest("at", times=(1.0,)))
        assert (first.frame_index, first.duplicate) == (25, False)
        keys = take_frames(case, eid, FrameRequest("keyframes"))
        assert not any(k.duplicate for k in keys) and 25 not in [k.frame_index for k in keys]
        count = case.evidence_count()
        (repeat,) = take_frames(case, eid, FrameRequest("at", times=(1.01,)))  # same frame
        assert repeat.duplicate
        assert (repeat.id, repeat.sha256, repeat.pixels_sha256) == (
            first.id, first.sha256, first.pixels_sha256)
        again = take_frames(case, eid, FrameRequest("keyframes"))
        assert [(a.id, a.duplicate) for a in again] == [(k.id, True) for k in keys]
        assert case.evidence_count() == count
        assert len(case.frames_of(eid)) == 1 + len(keys)
        assert case.verify().ok


def test_a_frame_asked_for_twice_in_one_request_is_taken_once(
        case_path: Path, clips: dict[str, Path]) -> None:
    with CaseFile.create(case_path, "twice at once") as case:
        eid = _imported(case, clips["mp4"])
        taken = take_frames(case, eid, FrameRequest("at", times=(1.0, 1.01, 1.5)))
        assert [t.frame_index for t in taken] == [25, 37]
        assert all(t.id and t.sha256 and not t.duplicate for t in taken)
        assert [f.id for f in case.frames_of(eid)] == [t.id for t in taken]
        assert case.verify().ok


def test_a_still_is_not_a_video_to_take_frames_from(case_path: Path, tmp_path: Path) -> None:
    still = tmp_path / "x.jpg"
    still.write_bytes(imaging.make_jpeg(64, 48))
    with CaseFile.create(case_path, "still") as case:
        eid = _imported(case, still)
        with pytest.raises(CaseFileError, match="not a video"):
            take_frames(case, eid, FrameRequest("keyframes"))


def test_cancel_keeps_the_frames_stored_so_far(case_path: Path, clips: dict[str, Path]
                                               ) -> None:
    with CaseFile.create(case_path, "cancel") as case:
        eid = _imported(case, clips["mp4"])
        seen: list[int] = []
        taken = take_frames(case, eid, FrameRequest("every", every=0.1),
                            progress=lambda done, _total: seen.append(done),
                            cancel=lambda: len(seen) >= 3)
        assert len(taken) == 3
        assert [f.id for f in case.frames_of(eid)] == [t.id for t in taken]
        assert case.verify().ok


@pytest.mark.parametrize("calls", [3, 120])  # while hashing; while copying into the case
def test_cancel_during_a_large_video_stores_nothing_of_it(
        case_path: Path, tmp_path: Path, calls: int) -> None:
    big = videos.padded_clip(tmp_path / "long.mp4", 600 * 1024**2, seconds=1)
    asked = [0]

    def cancel() -> bool:
        asked[0] += 1
        return asked[0] > calls

    with CaseFile.create(case_path, "cancel") as case:
        report = import_files(case, [big], cancel=cancel)
        assert report.cancelled and report.items == []
        assert case.evidence_count() == 0
        assert case.conn.execute("SELECT count(*) FROM original_chunk").fetchone()[0] == 0
        assert case.verify().ok
    assert case_path.stat().st_size < 16 * 1024**2  # the parts written were rolled back


def _committed_bytes(case: Path) -> int:
    journal = Path(f"{case}-journal")
    return case.stat().st_size if journal.exists() else 0


@pytest.mark.slow
def test_a_killed_import_of_a_large_video_leaves_the_case_intact(tmp_path: Path) -> None:
    case = tmp_path / "crash.deskcase"
    CaseFile.create(case, "crash").close()
    big = videos.padded_clip(tmp_path / "long.mp4", 3 * 1024**3, seconds=1)
    before = case.read_bytes()
    proc = subprocess.Popen([sys.executable, "-m", "desk", "import", str(case), str(big)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    while _committed_bytes(case) < 200 * 1024**2:  # the copy into the case is under way
        assert proc.poll() is None, "the import ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait(30)
    assert Path(f"{case}-journal").exists()  # killed mid-transaction
    with CaseFile.open(case) as opened:  # rolls the hot journal back
        assert opened.evidence_count() == 0
        assert opened.verify().ok
    assert case.stat().st_size <= len(before) + 64 * 1024
    done = subprocess.run([sys.executable, "-m", "desk", "import", str(case), str(big)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    with CaseFile.open(case, read_only=True) as opened:
        (video,) = opened.list_evidence()
        assert video.kind == "video" and video.size == 3 * 1024**3
        assert opened.verify().ok
