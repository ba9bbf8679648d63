"""Content credentials of footage: a C2PA manifest in an MP4 (or a sidecar beside any video)
is read at intake in the video worker, and a frame taken from the video says it has none of
its own, in the case, `desk info --json` and the dossier.

The manifests are signed in the test by c2pa-python's Builder with a self-made chain, as for
stills (tests/core/c2pa_signing.py).
"""

from __future__ import annotations

import io
import os
import struct
from pathlib import Path

import pytest

from desk.core.c2pa_reading import read_video_credential
from desk.core.casefile import CaseFile
from desk.core.credentials import (
    ABSENT,
    INVALID,
    NOT_READ,
    NOT_READ_VIDEO,
    OF_FRAME,
    VALID,
    credential_of,
    not_read_text,
)
from desk.core.intake import import_files
from desk.core.report import case_summary
from desk.core.video_frames import FrameRequest
from desk.core.video_intake import take_frames
from tests.core import c2pa_signing as signing
from tests.core import videos

signing.MIME.setdefault("mp4", "video/mp4")


@pytest.fixture(scope="module")
def chain() -> signing.Chain:
    return signing.make_chain()


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    path = videos.make_clip(tmp_path_factory.mktemp("clip") / "clip.mp4", seconds=1.0)
    return path.read_bytes()


@pytest.fixture
def trusted(chain: signing.Chain) -> signing.Chain:
    signing.trust(chain, Path(os.environ["DESK_CONFIG_DIR"]))
    return chain


def _import(case_path: Path, folder: Path, files: dict[str, bytes]) -> CaseFile:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    case = CaseFile.create(case_path, "footage credentials")
    report = import_files(case, sorted(folder.iterdir()))
    assert len(report.imported) == len([n for n in files if not n.endswith(".c2pa")]), \
        report.to_json()
    return case


def _video_entry(case: CaseFile, name: str) -> dict[str, object]:
    entry: dict[str, object] = next(e for e in case_summary(case)["evidence"]
                                    if e["name"] == name)
    return entry


def test_a_signed_mp4_is_valid_with_its_signer_and_a_changed_one_invalid(
        case_path: Path, tmp_path: Path, trusted: signing.Chain, clip: bytes) -> None:
    signed, _ = signing.sign(clip, trusted, fmt="mp4")
    tampered = bytearray(signed)
    tampered[-200] ^= 0xFF  # inside the last frame's data: the video still plays
    with _import(case_path, tmp_path / "in", {"signed.mp4": signed, "plain.mp4": clip,
                                               "tampered.mp4": bytes(tampered)}) as case:
        good = _video_entry(case, "signed.mp4")
        assert good["kind"] == "video"
        assert good["c2pa"] == {
            "state": VALID, "signer": "Field Camera Signer (Example News Agency)",
            "generator": "Field Camera 2.1", "problems": [], "found_in": "embedded",
            "signed_at": None, "ai_generated": False,
            "actions": [{"action": "c2pa.created", "label": "created",
                         "source_type": "digitalCapture", "software": "",
                         "ai_generated": False}]}
        assert _video_entry(case, "plain.mp4")["c2pa"]["state"] == ABSENT  # type: ignore[index]
        bad = credential_of(case, int(_video_entry(case, "tampered.mp4")["id"]))  # type: ignore[call-overload]
        assert bad is not None and bad.state == INVALID
        assert any("The video was changed after it was signed" in p for p in bad.problems)
        assert case.original(int(_video_entry(case, "tampered.mp4")["id"])) == bytes(tampered)  # type: ignore[call-overload]


def test_a_sidecar_beside_a_video_is_read_and_not_imported_itself(
        case_path: Path, tmp_path: Path, trusted: signing.Chain, clip: bytes) -> None:
    _, manifest = signing.sign(clip, trusted, fmt="mp4", sidecar=True)
    with _import(case_path, tmp_path / "in", {"aired.mp4": clip,
                                               "aired.c2pa": manifest}) as case:
        entry = _video_entry(case, "aired.mp4")
        assert entry["c2pa"]["state"] == VALID  # type: ignore[index]
        assert entry["c2pa"]["found_in"] == "sidecar"  # type: ignore[index]
        assert [e["name"] for e in case_summary(case)["evidence"]] == ["aired.mp4"]


def test_a_hostile_store_in_a_video_is_an_invalid_credential_and_the_video_is_kept(
        case_path: Path, tmp_path: Path, clip: bytes) -> None:
    uuid = bytes.fromhex("d8fec3d61b0e483c92975828877ec481")
    garbage = uuid + b"\x00\x00\x00\x00c2pa\x00" + bytes(range(256)) * 40
    hostile = clip + struct.pack(">I4s", 8 + len(garbage), b"uuid") + garbage
    with _import(case_path, tmp_path / "in", {"hostile.mp4": hostile}) as case:
        eid = int(_video_entry(case, "hostile.mp4")["id"])  # type: ignore[call-overload]
        credential = credential_of(case, eid)
        assert credential is not None and credential.state in (INVALID, ABSENT)
        if credential.state == INVALID:
            assert credential.problems[0].startswith("The content credentials could not be")
        assert case.original(eid) == hostile


def test_the_walk_over_a_video_file_finds_a_store_only_where_c2pa_puts_one(
        trusted: signing.Chain, clip: bytes) -> None:
    signed, _ = signing.sign(clip, trusted, fmt="mp4")
    assert read_video_credential(io.BytesIO(clip), "mp4", len(clip)).state == ABSENT
    assert read_video_credential(io.BytesIO(signed), "mp4", len(signed)).state == VALID
    # Matroska has no C2PA binding: its bytes are never handed to the reader without a sidecar.
    assert read_video_credential(io.BytesIO(signed), "mkv", len(signed)).state == ABSENT
    cut = signed[:40]  # a box header pointing past the end of the file
    assert read_video_credential(io.BytesIO(cut), "mp4", len(cut)).state == ABSENT


def test_a_frame_says_it_has_no_credentials_of_its_own(
        case_path: Path, tmp_path: Path, trusted: signing.Chain, clip: bytes) -> None:
    signed, _ = signing.sign(clip, trusted, fmt="mp4")
    with _import(case_path, tmp_path / "in", {"signed.mp4": signed}) as case:
        video_id = int(_video_entry(case, "signed.mp4")["id"])  # type: ignore[call-overload]
        (taken,) = take_frames(case, video_id, FrameRequest("at", times=(0.4,)))
        frame = case.get_evidence(taken.id)
        assert frame.frame_of is not None
        assert credential_of(case, frame.id) is None
        assert not_read_text(frame.kind, frame.frame_of is not None) == OF_FRAME
    assert not_read_text("video", False) == NOT_READ_VIDEO
    assert not_read_text("still", False) == NOT_READ
