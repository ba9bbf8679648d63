"""Originals of any size in a case: stored in parts, read back as a stream, verified streaming,
rebuilt by replay; older cases upgrade to the format that holds footage."""

from __future__ import annotations

import hashlib
import json
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desk.core import original_store, replay, schema
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.intake import import_files
from desk.core.model import Metadata, Provenance
from desk.core.video_frames import FrameRequest
from desk.core.video_intake import take_frames
from tests.core import videos
from tests.old_formats import downgrade

PART = original_store.CHUNK_BYTES


def _bytes(size: int, seed: int = 13) -> bytes:
    return random.Random(seed).randbytes(size)


def _store(case: CaseFile, data: bytes, *, name: str = "big.bin", parts: bool = True) -> int:
    sha = hashlib.sha256(data).hexdigest()
    with case.edit("import", [], {"files": [{"name": name, "sha256": sha}]}) as conn:
        if parts:
            step = 3 * 1024 * 1024 + 7  # chunks of any size become parts of PART bytes
            return case.insert_streamed_evidence(
                conn, sha256=sha, size=len(data),
                chunks=(data[i:i + step] for i in range(0, len(data), step)), fmt="bin",
                width=1, height=1, metadata=Metadata(), provenance=Provenance(name),
                thumbnail=b"", thumb_size=(1, 1))
        return case.insert_evidence(conn, sha256=sha, data=data, fmt="bin", width=1, height=1,
                                    metadata=Metadata(), provenance=Provenance(name),
                                    thumbnail=b"", thumb_size=(1, 1))


def test_a_chunked_original_streams_back_equal_and_seeks(case_path: Path) -> None:
    data = _bytes(2 * PART + 12345)
    with CaseFile.create(case_path, "parts") as case:
        eid = _store(case, data)
        lengths = [r[0] for r in case.conn.execute(
            "SELECT length(data) FROM original_chunk WHERE evidence_id = ? ORDER BY seq",
            (eid,))]
        assert lengths == [PART, PART, 12345]
        assert case.conn.execute("SELECT count(*) FROM original").fetchone()[0] == 0
        assert case.original_size(eid) == len(data) == case.get_evidence(eid).size
        with case.open_original(eid) as stream:
            assert stream.seekable() and not stream.writable()
            assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(data).digest()
            rng = random.Random(5)
            for _ in range(50):  # reads across part boundaries, backwards and forwards
                start = rng.randrange(len(data))
                count = rng.randrange(1, 3 * 1024 * 1024)
                stream.seek(start)
                assert stream.read(count) == data[start:start + count]
            assert stream.seek(-10, 2) == len(data) - 10
            assert stream.read() == data[-10:]
        assert case.original(eid) == data  # a still this size is still handed over whole
        report = case.verify()
        assert report.ok, report.problems
        assert report.checked == 1


def test_verify_catches_a_flipped_byte_in_a_part(case_path: Path) -> None:
    data = _bytes(PART + 999)
    with CaseFile.create(case_path, "parts") as case:
        eid = _store(case, data)
    conn = sqlite3.connect(case_path)
    rowid = conn.execute("SELECT rowid FROM original_chunk WHERE evidence_id = ? AND seq = 1",
                         (eid,)).fetchone()[0]
    with conn.blobopen("original_chunk", "data", rowid) as blob:
        blob.seek(500)
        byte = blob.read(1)
        blob.seek(500)
        blob.write(bytes([byte[0] ^ 0x01]))
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        report = case.verify()
    assert not report.ok
    assert any("big.bin" in p and "no longer matches its SHA-256" in p for p in report.problems)


def test_a_missing_part_is_named_not_read_as_shorter(case_path: Path) -> None:
    with CaseFile.create(case_path, "parts") as case:
        eid = _store(case, _bytes(2 * PART + 1))
    conn = sqlite3.connect(case_path)
    conn.execute("DELETE FROM original_chunk WHERE evidence_id = ? AND seq = 1", (eid,))
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        problems = case.verify().problems
        with pytest.raises(KeyError, match="part 1 of the original"):
            case.open_original(eid)
    assert any("part 1 of the original of evidence 1 is missing" in p for p in problems)


def test_a_large_still_is_stored_in_parts_and_a_huge_one_is_not_loaded_whole(
        case_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _bytes(original_store.CHUNK_ABOVE + 1)
    with CaseFile.create(case_path, "parts") as case:
        eid = _store(case, data, parts=False)
        parts = case.conn.execute("SELECT count(*) FROM original_chunk").fetchone()[0]
        assert parts == original_store.CHUNK_ABOVE // PART + 1
        assert case.original(eid) == data
        monkeypatch.setattr(original_store, "WHOLE_LIMIT", 1024 * 1024)
        with pytest.raises(CaseFileError, match="too large to load whole; it is read as a"
                                                " stream"):
            case.original(eid)
        with case.open_original(eid) as stream:  # the stream reads it all the same
            assert stream.read(100) == data[:100]


def test_a_format_1_5_case_upgrades_to_hold_footage(case_path: Path) -> None:
    with CaseFile.create(case_path, "before footage") as case:
        _store(case, b"a small original", parts=False)
    downgrade(case_path, 1005)
    with CaseFile.open(case_path) as case:
        entry = case.audit_entries()[-1]
        assert entry.action == "upgrade case format"
        assert json.loads(entry.detail) == {"from": 1005, "to": 1006}
        assert case.list_evidence()[0].kind == "still"
        assert case.video(1) is None and case.frames_of(1) == []
        assert case.verify().ok
    assert {o[1] for o in schema.objects_at()} >= {"original_chunk", "video", "video_frame"}


def test_a_case_with_footage_replays_from_its_log(case_path: Path, tmp_path: Path) -> None:
    clip = videos.make_clip(tmp_path / "clip.mp4", gop=10, seconds=1)
    with CaseFile.create(case_path, "footage") as case:
        (item,) = import_files(case, [clip]).imported
        assert item.evidence_id is not None
        taken = take_frames(case, item.evidence_id, FrameRequest("keyframes"))
        big = _store(case, _bytes(PART + 5))
        conn = case.conn
        rows = {(t, k): v for t, k, _, v in replay.current_rows(conn)}
        copy = replay.write_case(
            tmp_path / "copy.deskcase", replay.log_entries(conn), rows,
            lambda eid, _sha, _size: original_store.iter_original(conn, eid))
    with CaseFile.open(copy, read_only=True) as rebuilt:
        assert rebuilt.verify().ok
        frames = rebuilt.frames_of(item.evidence_id)
        assert [f.id for f in frames] == [t.id for t in taken]
        assert all(f.frame_of is not None and f.frame_of.video_id == item.evidence_id
                   for f in frames)
        with rebuilt.open_original(item.evidence_id) as stream:
            assert stream.read() == clip.read_bytes()
        with rebuilt.open_original(big) as stream:
            assert stream.read() == _bytes(PART + 5)


_MEASURE = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(code.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(code.stdout[-2000:] + code.stderr[-2000:])
"""


def _desk_peak(*args: str) -> tuple[int, int, str]:
    """Run `desk ARGS` and return (exit code, peak RSS in MB of it and its workers, output)."""
    out = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "desk", *args],
                         capture_output=True, text=True, timeout=1800)
    first, _, rest = out.stdout.partition("\n")
    code, peak_kb = (int(v) for v in first.split())
    return code, peak_kb // 1024, rest


@pytest.mark.slow
def test_a_4_5_gb_video_imports_and_verifies_with_flat_memory(tmp_path: Path) -> None:
    """A valid clip grown to 4.5 GB (a trailing `free` box, sparse on disk): hashed, probed,
    stored in parts and re-hashed by `desk verify` with the same memory as a small one."""
    free = shutil.disk_usage(tmp_path).free
    if free < 12 * 1024**3:
        pytest.skip(f"needs 12 GB free in {tmp_path} for a 4.5 GB case, has"
                    f" {free / 1024**3:.1f} GB")
    size = 4_500_000_000
    big = videos.padded_clip(tmp_path / "long.mp4", size, seconds=1)
    small = videos.make_clip(tmp_path / "short.mp4", seconds=1, size=(176, 144))
    peaks = {}
    for name, clip in (("small", small), ("big", big)):
        case = tmp_path / f"{name}.deskcase"
        CaseFile.create(case, name).close()
        code, peak_import, said = _desk_peak("import", str(case), str(clip), "--json")
        assert code == 0, said
        code, peak_verify, said = _desk_peak("verify", str(case), "--json")
        assert code == 0, said
        peaks[name] = (peak_import, peak_verify)
    with CaseFile.open(tmp_path / "big.deskcase", read_only=True) as opened:
        (item,) = opened.list_evidence()
        assert (item.kind, item.size) == ("video", size)
        assert opened.original_size(item.id) == size
        parts = opened.conn.execute("SELECT count(*) FROM original_chunk").fetchone()[0]
        assert parts == -(-size // PART)
    print(f"peak RSS MB (import, verify): small {peaks['small']}, 4.5 GB {peaks['big']}")
    for small_peak, big_peak in zip(peaks["small"], peaks["big"], strict=True):
        assert big_peak < small_peak + 200, peaks  # flat: not a fraction of 4.5 GB
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss < 4 * 1024**2  # this process
