"""Intake attacked as a hostile tester would: FIFOs swapped in mid-import, links out of an
imported folder, special files, loops, very deep folders, a case locked after the first batch,
and a tiny JPEG whose header claims a huge picture.

Anything that could hang runs in a child process with a generous time limit, so a regression
fails the test instead of hanging the suite.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk.core import intake
from desk.core.casefile import CaseFile, CaseFileError
from desk.core.intake import import_files
from desk.core.readers import ReadPool, Stuck, Task
from desk.core.sources import LINK_IN_FOLDER
from tests.core.imaging import make_jpeg

ROOT = Path(__file__).resolve().parents[2]
#: Far beyond what these imports need; only a hang reaches it.
HANG_GUARD_S = 120

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs and symlinks")

#: Imports PATHS into a new case; at the first progress report it replaces SWAP with a FIFO
#: ("fifo") or a link to TARGET, i.e. after the file list was made and before SWAP is opened.
_BOUNDED_IMPORT = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from desk.core.casefile import CaseFile
from desk.core.intake import import_files
case_path, swap, how, *paths = sys.argv[2:]

def progress(done, total, item):
    if done == 1 and swap:
        Path(swap).unlink()
        if how == "fifo":
            os.mkfifo(swap)
        else:
            Path(swap).symlink_to(how)

with CaseFile.create(case_path, "bounded") as case:
    report = import_files(case, paths, progress=progress, workers=1)
    custody = [e.detail for e in case.audit_entries()]
    stored = [case.original(e.id).hex() for e in case.list_evidence()]
print(json.dumps({"report": report.to_json(), "custody": custody, "stored": stored}))
"""


def _bounded_import(
    case: Path, paths: list[Path], swap: Path | None = None, how: str = "fifo"
) -> dict[str, object]:
    """The import's JSON report, custody details and stored originals, from a child process
    that is killed if it hangs (an open of a FIFO without O_NONBLOCK waits forever)."""
    try:
        ran = subprocess.run(
            [sys.executable, "-c", _BOUNDED_IMPORT, str(ROOT), str(case), str(swap or ""), how,
             *map(str, paths)],
            capture_output=True, text=True, timeout=HANG_GUARD_S, cwd=ROOT,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the import hung (no result within {HANG_GUARD_S} s)")
    assert ran.returncode == 0, ran.stderr
    result = json.loads(ran.stdout)
    assert isinstance(result, dict)
    return result


def _reasons(result: dict[str, object]) -> dict[str, str]:
    report = result["report"]
    assert isinstance(report, dict)
    return {Path(i["path"]).name: i["reason"] for i in report["rejected"]}


def _imported(result: dict[str, object]) -> list[str]:
    report = result["report"]
    assert isinstance(report, dict)
    return [Path(i["path"]).name for i in report["imported"]]


def _photos(folder: Path, count: int, prefix: str = "") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"{prefix}{i:03}.jpg"
        path.write_bytes(make_jpeg(64 + i, 48))
        paths.append(path)
    return paths


def _secret(path: Path) -> bytes:
    """A perfectly importable JPEG the reviewer never chose: it must not enter the case."""
    data = make_jpeg(90, 70)
    marker = b"SECRET-OUTSIDE-THE-FOLDER"
    data = data[:2] + b"\xff\xfe" + (len(marker) + 2).to_bytes(2, "big") + marker + data[2:]
    path.write_bytes(data)
    return data


# --------------------------------------------------------------------------- FIFOs


def test_a_file_that_becomes_a_fifo_before_it_is_opened_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    # More files than are read ahead, so the last one is opened only after the swap.
    photos = _photos(folder, intake.WINDOW_FILES + 8)
    victim = photos[-1]
    result = _bounded_import(tmp_path / "c.deskcase", [folder], swap=victim)
    assert _reasons(result) == {victim.name: "not a regular file (FIFO)"}
    assert _imported(result) == [p.name for p in photos[:-1]]


def test_fifos_named_or_found_are_refused_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    _photos(folder, 1)
    os.mkfifo(folder / "pipe.jpg")
    os.mkfifo(tmp_path / "named.jpg")
    result = _bounded_import(tmp_path / "c.deskcase", [folder, tmp_path / "named.jpg"])
    assert _reasons(result) == {"pipe.jpg": "not a regular file (FIFO)",
                                "named.jpg": "not a regular file (FIFO)"}
    assert _imported(result) == ["000.jpg"]
    # The refusals are in the custody log, by name and reason, like any rejected file.
    assert "not a regular file (FIFO)" in json.dumps(result["custody"])


def test_a_folder_entry_swapped_for_a_link_is_not_followed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    photos = _photos(folder, intake.WINDOW_FILES + 4)
    secret = _secret(tmp_path / "secret.jpg")
    result = _bounded_import(tmp_path / "c.deskcase", [folder], swap=photos[-1],
                             how=str(tmp_path / "secret.jpg"))
    assert _reasons(result) == {photos[-1].name: LINK_IN_FOLDER}
    assert secret.hex() not in result["stored"]  # type: ignore[operator]
    assert hashlib.sha256(secret).hexdigest() not in json.dumps(result["custody"])


# --------------------------------------------------------------------------- links


def test_links_inside_a_folder_are_not_followed_out_of_it(
    case_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _photos(folder, 2)
    secret = _secret(tmp_path / "secret.jpg")
    outside = tmp_path / "elsewhere"
    _photos(outside, 1, prefix="outside-")
    (folder / "shadow.jpg").symlink_to(tmp_path / "secret.jpg")
    (folder / "environ").symlink_to("/proc/self/environ")
    (folder / "linked-folder").symlink_to(outside, target_is_directory=True)
    (folder / "same-folder.jpg").symlink_to(folder / "000.jpg")
    with CaseFile.create(case_path, "links") as case:
        report = import_files(case, [folder])
        reasons = {Path(i.path).name: i.reason for i in report.rejected}
        assert reasons == {"shadow.jpg": LINK_IN_FOLDER, "environ": LINK_IN_FOLDER,
                           "linked-folder": LINK_IN_FOLDER, "same-folder.jpg": LINK_IN_FOLDER}
        assert all(not i.sha256 for i in report.rejected)  # not one byte of them was read
        # A link to a file of the same folder loses nothing: the file is imported by its name.
        assert [Path(i.path).name for i in report.imported] == ["000.jpg", "001.jpg"]
        originals = [case.original(e.id) for e in case.list_evidence()]
        custody = json.dumps([e.detail for e in case.audit_entries()])
    assert secret not in originals
    assert hashlib.sha256(secret).hexdigest() not in custody
    assert b"SECRET-OUTSIDE-THE-FOLDER" not in case_path.read_bytes()


def test_a_link_named_by_the_user_is_followed(case_path: Path, tmp_path: Path) -> None:
    secret = _secret(tmp_path / "chosen.jpg")
    (tmp_path / "shortcut.jpg").symlink_to(tmp_path / "chosen.jpg")
    outside = tmp_path / "real-folder"
    _photos(outside, 1)
    (tmp_path / "folder-link").symlink_to(outside, target_is_directory=True)
    with CaseFile.create(case_path, "named links") as case:
        report = import_files(case, [tmp_path / "shortcut.jpg", tmp_path / "folder-link"])
        assert [i.status for i in report.items] == ["imported", "imported"]
        assert case.original(report.items[0].evidence_id or 0) == secret


def test_link_loops_and_sockets_get_reasons_not_crashes(
    case_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    _photos(folder, 1)
    (folder / "a").symlink_to(folder / "b")
    (folder / "b").symlink_to(folder / "a")
    (folder / "myself").symlink_to(folder, target_is_directory=True)
    (tmp_path / "loop.jpg").symlink_to(tmp_path / "loop.jpg")
    monkeypatch.chdir(folder)  # a socket path is limited to about 100 bytes
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind("socket.jpg")
    try:
        with CaseFile.create(case_path, "loops") as case:
            report = import_files(case, [folder, tmp_path / "loop.jpg", "/dev/null"])
    finally:
        server.close()
    reasons = {Path(i.path).name: i.reason for i in report.rejected}
    assert reasons["a"] == reasons["b"] == reasons["myself"] == LINK_IN_FOLDER
    assert reasons["socket.jpg"] == "not a regular file (socket)"
    assert reasons["null"] == "not a regular file (character device)"
    assert reasons["loop.jpg"].startswith("cannot read the file: Too many levels")
    assert [Path(i.path).name for i in report.imported] == ["000.jpg"]


# --------------------------------------------------------------------------- deep folders


def _nest(base: Path, name: str, depth: int) -> int:
    """Make `depth` nested folders under `base` through descriptors (deeper than a path may
    name); return a descriptor of the deepest one."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        os.mkdir(name, dir_fd=fd)
        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    return fd


def _unnest(base: Path, name: str, depth: int) -> None:
    """Remove what `_nest` made, bottom up, one descriptor at a time (no recursion)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(depth):
        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    for _ in range(depth):
        for entry in os.listdir(fd):
            os.unlink(entry, dir_fd=fd)
        parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = parent
        os.rmdir(name, dir_fd=fd)
    os.close(fd)


@pytest.fixture
def deep(tmp_path: Path) -> Iterator[Path]:
    """1,200 nested folders with a photo at the bottom, and 1,200 more (with a longer name)
    that no path can name, each holding a photo at the bottom too."""
    top = tmp_path / "deep"
    top.mkdir()
    shallow = _nest(top, "d", 1200)
    fd = os.open("photo.jpg", os.O_WRONLY | os.O_CREAT, dir_fd=shallow)
    os.write(fd, make_jpeg(80, 60))
    os.close(fd)
    os.close(shallow)
    too_deep = _nest(top, "folder-name", 1200)
    fd = os.open("unreachable.jpg", os.O_WRONLY | os.O_CREAT, dir_fd=too_deep)
    os.write(fd, make_jpeg(81, 60))
    os.close(fd)
    os.close(too_deep)
    yield top
    _unnest(top, "d", 1200)
    _unnest(top, "folder-name", 1200)


def test_very_deep_folders_are_walked_without_recursion(case_path: Path, deep: Path) -> None:
    with CaseFile.create(case_path, "deep") as case:
        report = import_files(case, [deep])
    assert [Path(i.path).name for i in report.imported] == ["photo.jpg"]
    [refused] = report.rejected
    assert refused.reason == "cannot read the folder: File name too long"
    assert Path(refused.path).name == "folder-name"


# --------------------------------------------------------------------------- a locked case


class _Locker:
    """Another program's write lock on the case, taken from its own SQLite connection."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)

    def lock(self, _items: object = None) -> None:
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        self.conn.close()


def test_a_case_locked_after_the_first_batch_reports_what_was_stored(
    case_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    photos = _photos(folder, intake.BATCH_FILES + 6)
    (folder / "zz copy of 029.jpg").write_bytes(photos[-1].read_bytes())
    with CaseFile.create(case_path, "locked") as case:
        case.conn.execute("PRAGMA busy_timeout = 100")  # the other program never lets go
        locker = _Locker(case_path)
        try:
            report = import_files(case, [folder], stored=locker.lock)
        finally:
            locker.release()
        assert [Path(i.path).name for i in report.imported] == [
            p.name for p in photos[: intake.BATCH_FILES]]
        assert [Path(i.path).name for i in report.not_stored] == [
            p.name for p in photos[intake.BATCH_FILES:]] + ["zz copy of 029.jpg"]
        assert {i.reason for i in report.not_stored} == {
            "not stored: the case is in use by another program"}
        assert "in use by another program" in report.stopped
        data = report.to_json()
        assert {"imported", "duplicates", "rejected", "cancelled"} <= set(data)
        assert len(data["not_stored"]) == 7  # type: ignore[arg-type]
        # Exactly what the report says is in the case, with its custody entry, and intact.
        assert case.evidence_count() == intake.BATCH_FILES
        [entry] = [e for e in case.audit_entries() if e.action == "import"]
        assert len(entry.items) == intake.BATCH_FILES
        assert case.verify().ok


def test_a_case_locked_before_anything_is_stored_changes_nothing(
    case_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    _photos(folder, 3)
    with CaseFile.create(case_path, "locked early") as case:
        case.conn.execute("PRAGMA busy_timeout = 100")
        entries = len(case.audit_entries())
        locker = _Locker(case_path)
        locker.lock()
        try:
            with pytest.raises(CaseFileError, match="in use by another program"):
                import_files(case, [folder])
        finally:
            locker.release()
        assert case.evidence_count() == 0
        assert len(case.audit_entries()) == entries


# --------------------------------------------------------------------------- lying headers


def _claiming(data: bytes, width: int, height: int) -> bytes:
    """`data` (a JPEG) with its frame header rewritten to claim `width` x `height`."""
    out = bytearray(data)
    pos = 2
    while out[pos + 1] not in (0xC0, 0xC2):
        pos += 2 + int.from_bytes(out[pos + 2 : pos + 4], "big")
    out[pos + 5 : pos + 9] = height.to_bytes(2, "big") + width.to_bytes(2, "big")
    return bytes(out)


def test_a_tiny_jpeg_claiming_a_huge_picture_is_flagged(case_path: Path, tmp_path: Path) -> None:
    liar = _claiming(make_jpeg(16, 16, quality=50), 10000, 10000)
    assert len(liar) < 1000
    (tmp_path / "liar.jpg").write_bytes(liar)
    # Padding after the end of the picture does not make the claim believable.
    (tmp_path / "padded.jpg").write_bytes(liar + bytes(300_000))
    # A real picture that compresses as well as any can: large, blank, lowest quality.
    (tmp_path / "blank.jpg").write_bytes(make_jpeg(4000, 3000, quality=1, progressive=True))
    with CaseFile.create(case_path, "liars") as case:
        report = import_files(case, [tmp_path / "liar.jpg", tmp_path / "padded.jpg",
                                     tmp_path / "blank.jpg"])
        assert [i.status for i in report.items] == ["imported"] * 3
        liar_item, padded_item, blank_item = (case.get_evidence(i.evidence_id or 0)
                                              for i in report.items)
    for item in (liar_item, padded_item):
        assert (item.width, item.height) == (10000, 10000)
        [flag] = [f for f in item.metadata.flags if f.code == "dimensions_unverified"]
        assert flag.message.startswith("Header dimensions not verified")
    assert (blank_item.width, blank_item.height) == (4000, 3000)
    assert "dimensions_unverified" not in [f.code for f in blank_item.metadata.flags]


# --------------------------------------------------------------------------- time limits


def test_a_read_that_never_ends_is_given_up_with_a_reason() -> None:
    """A thread blocked for good (as in a read from a hung share) costs that file only."""
    release = threading.Event()

    def work(task: Task[str, str]) -> str:
        task.step("reading the file", 0.2)
        if task.item.startswith("hung"):
            release.wait(HANG_GUARD_S)
        return f"read {task.item}"

    pool: ReadPool[str, str] = ReadPool(work, 2, max_stuck=1)
    try:
        tasks = [pool.submit(name) for name in ("a", "hung 1", "b", "hung 2", "c", "d")]
        outcomes: list[str] = []
        for task in tasks:
            try:
                outcomes.append(pool.result(task))
            except Stuck as exc:
                outcomes.append(f"stuck {exc.stage}")
        # Both hung files are given up; the pool replaced the first stuck thread, not the
        # second (max_stuck=1), and says the source is hanging.
        assert outcomes == ["read a", "stuck reading the file", "read b",
                            "stuck reading the file", "read c", "read d"]
        assert pool.broken
    finally:
        release.set()
        pool.close(wait=5)
