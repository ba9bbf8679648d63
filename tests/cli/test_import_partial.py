"""`desk import` when the case is taken by another program after the first batch is stored:
the reviewer is told exactly what is in the case and what is not, and the exit code is 1."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk.core import intake
from desk.core.casefile import CaseFile
from tests.cli.conftest import Desk
from tests.core.imaging import make_jpeg


@pytest.fixture
def locked_after_first_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """A case and a folder of 30 photos; during `desk import` another connection takes the
    write lock as soon as the first batch is committed, and holds it.

    The hook is the import's own `stored` callback, and the short busy timeout spares the test
    SQLite's ten-second wait for a lock that is never released.
    """
    case = tmp_path / "c.deskcase"
    CaseFile.create(case, "partial").close()
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(intake.BATCH_FILES + 6):
        (folder / f"{i:02}.jpg").write_bytes(make_jpeg(60 + i, 40))
    locker = sqlite3.connect(case, isolation_level=None)
    real = intake.import_files

    def lock(_items: object) -> None:
        if not locker.in_transaction:
            locker.execute("BEGIN IMMEDIATE")

    def import_files(case_file: CaseFile, paths: object, **options: object) -> object:
        case_file.conn.execute("PRAGMA busy_timeout = 100")
        return real(case_file, paths, stored=lock, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(intake, "import_files", import_files)
    yield folder
    if locker.in_transaction:
        locker.execute("ROLLBACK")
    locker.close()


def test_a_partial_import_lists_what_was_stored_and_exits_1(
    desk: Desk, tmp_path: Path, locked_after_first_batch: Path
) -> None:
    case = tmp_path / "c.deskcase"
    ran = desk("import", case, locked_after_first_batch)
    assert ran.code == 1
    lines = ran.out.splitlines()
    assert sum(line.startswith("imported ") for line in lines) == intake.BATCH_FILES
    not_stored = [line for line in lines if line.startswith("not stored ")]
    assert len(not_stored) == 6
    assert not_stored[0].endswith("24.jpg: not stored: the case is in use by another program")
    assert lines[-1] == "24 imported, 0 duplicates, 0 rejected, 6 not stored"
    assert "the import stopped after 24 files were stored" in ran.err
    assert "nothing was changed" not in ran.err
    with CaseFile.open(case, read_only=True) as opened:
        assert opened.evidence_count() == intake.BATCH_FILES


def test_a_partial_import_in_json_keeps_its_keys_and_adds_what_was_not_stored(
    desk: Desk, tmp_path: Path, locked_after_first_batch: Path
) -> None:
    ran = desk("import", tmp_path / "c.deskcase", locked_after_first_batch, "--json")
    assert ran.code == 1
    report = ran.json()
    assert set(report) == {"imported", "duplicates", "rejected", "cancelled", "not_stored",
                           "stopped"}
    imported, not_stored = report["imported"], report["not_stored"]
    assert isinstance(imported, list) and isinstance(not_stored, list)
    assert [item["id"] for item in imported] == list(range(1, intake.BATCH_FILES + 1))
    assert [Path(item["path"]).name for item in not_stored] == [
        f"{i}.jpg" for i in range(24, 30)]
    assert all(set(item) == {"path", "sha256", "reason"} for item in not_stored)
    assert "in use by another program" in str(report["stopped"])


def test_import_prints_file_names_and_reasons_escaped(desk: Desk, tmp_path: Path) -> None:
    case = tmp_path / "c.deskcase"
    desk("new", case, "--title", "names")
    hostile = tmp_path / "evil\x1b]0;owned\x07\u202e.jpg"
    hostile.write_bytes(b"%PDF-1.4 not a picture")
    ran = desk("import", case, hostile)
    assert ran.code == 1
    assert "\x1b" not in ran.out and "\x07" not in ran.out and "\u202e" not in ran.out
    assert "evil\\x1b]0;owned\\x07\\u202e.jpg: not an image: looks like a PDF" in ran.out
