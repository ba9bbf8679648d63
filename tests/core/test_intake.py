"""Intake through the real worker processes: every file ends imported, duplicate or rejected."""

from __future__ import annotations

import hashlib
import random
import threading
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.core.intake import collect_files, import_files
from desk.core.model import Provenance
from tests.core.imaging import make_jpeg


def _write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_import_stores_originals_byte_for_byte(case_path: Path, tmp_path: Path) -> None:
    src = tmp_path / "in"
    files = [_write(src, f"frame_{i}.jpg", make_jpeg(320 + i, 240)) for i in range(3)]
    with CaseFile.create(case_path, "intake") as case:
        report = import_files(case, [src], provenance=Provenance(source_url="https://t.me/x/9"))
        assert [i.status for i in report.items] == ["imported"] * 3
        for path, item in zip(files, report.imported, strict=True):
            data = path.read_bytes()
            assert item.sha256 == hashlib.sha256(data).hexdigest()
            assert item.evidence_id is not None
            assert case.original(item.evidence_id) == data
            evidence = case.get_evidence(item.evidence_id)
            assert evidence.provenance.original_name == path.name
            assert evidence.provenance.source_url == "https://t.me/x/9"
            assert evidence.provenance.acquired_by == "Test Reviewer"
            assert evidence.provenance.acquired_at.endswith("Z")
            thumb = case.thumbnail(item.evidence_id)
            assert thumb is not None and thumb[:2] == b"\xff\xd8"
        assert case.audit_entries()[-1].action == "import"
        assert case.verify().ok


def test_duplicates_are_reported_not_stored_twice(case_path: Path, tmp_path: Path) -> None:
    data = make_jpeg(200, 100)
    a = _write(tmp_path, "a.jpg", data)
    b = _write(tmp_path, "copy of a.jpg", data)
    with CaseFile.create(case_path, "dups") as case:
        first = import_files(case, [a, b])
        assert [i.status for i in first.items] == ["imported", "duplicate"]
        again = import_files(case, [a])
        assert again.duplicates[0].evidence_id == first.imported[0].evidence_id
        assert case.evidence_count() == 1


def test_hostile_and_broken_files_get_plain_reasons(case_path: Path, tmp_path: Path) -> None:
    good = make_jpeg(400, 300)
    cases = {
        "truncated.jpg": good[: len(good) // 2],
        "report.jpg": b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" * 4,
        "noise.jpg": random.Random(7).randbytes(5000),
        "empty.jpg": b"",
    }
    for name, data in cases.items():
        _write(tmp_path / "in", name, data)
    _write(tmp_path / "in", "fine.jpg", good)
    with CaseFile.create(case_path, "hostile") as case:
        report = import_files(case, [tmp_path / "in", tmp_path / "missing.jpg"])
        reasons = {Path(i.path).name: i.reason for i in report.rejected}
        assert reasons["truncated.jpg"] == "truncated JPEG"
        assert reasons["report.jpg"] == "not an image: looks like a PDF"
        assert reasons["noise.jpg"] == "not an image: unrecognized content"
        assert reasons["empty.jpg"] == "empty file"
        assert reasons["missing.jpg"].startswith("cannot read the file")
        assert [Path(i.path).name for i in report.imported] == ["fine.jpg"]
        assert case.audit_entries()[-1].action == "reject files"
        assert case.verify().ok


def test_cancel_stops_early_and_keeps_what_was_stored(case_path: Path, tmp_path: Path) -> None:
    src = tmp_path / "many"
    for i in range(60):
        _write(src, f"f{i:03}.jpg", make_jpeg(160, 120, quality=70 + i % 20))
    stop = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int, item: object) -> None:
        seen.append(done)
        if done >= 5:
            stop.set()

    with CaseFile.create(case_path, "cancel") as case:
        report = import_files(case, [src], progress=progress, cancel=stop.is_set)
        assert report.cancelled
        assert 5 <= len(report.items) < 60
        assert case.evidence_count() == len(report.imported)
        assert case.verify().ok
    assert seen[0] == 1 and seen == sorted(seen)


def test_collect_files_walks_folders_and_skips_hidden(tmp_path: Path) -> None:
    _write(tmp_path, "a/b/one.jpg", b"1")
    _write(tmp_path, "a/.hidden/two.jpg", b"2")
    _write(tmp_path, "a/.DS_Store", b"3")
    _write(tmp_path, "three.png", b"4")
    found = collect_files([tmp_path / "a", tmp_path / "three.png", tmp_path / "three.png"])
    assert [p.name for p in found] == ["one.jpg", "three.png"]


@pytest.mark.parametrize("workers", [1, 2])
def test_result_order_follows_file_order(case_path: Path, tmp_path: Path, workers: int) -> None:
    src = tmp_path / "ordered"
    for i in range(8):
        _write(src, f"{i}.jpg", make_jpeg(100 + i * 50, 80))
    with CaseFile.create(case_path, "order") as case:
        report = import_files(case, [src], workers=workers)
        assert [Path(i.path).name for i in report.items] == [f"{i}.jpg" for i in range(8)]
        assert [i.evidence_id for i in report.items] == list(range(1, 9))


def test_stored_callback_reports_each_committed_batch(case_path: Path, tmp_path: Path) -> None:
    src = tmp_path / "batches"
    for i in range(30):
        _write(src, f"{i:02}.jpg", make_jpeg(100 + i, 60))
    batches: list[list[int | None]] = []
    with CaseFile.create(case_path, "batches") as case:
        import_files(case, [src], stored=lambda items: batches.append(
            [i.evidence_id for i in items]))
        assert [len(b) for b in batches] == [24, 6]
        assert batches[0][0] == 1 and batches[1][-1] == 30
        assert [e.id for e in case.list_evidence(after_id=28)] == [29, 30]
