"""Which files an import reads, and reading one without being led outside what was chosen.

A folder handed to desk is untrusted content: it may hold symbolic links to files the reviewer
never meant to share (/etc/shadow, /proc/self/environ), FIFOs that block an open for good,
devices, loops, or thousands of nested folders. What the user names on the command line (or
picks in a dialog) is their explicit choice and is followed; what a folder contains is only
taken when it is a regular file inside that folder. Symbolic links inside a folder are never
followed, even to a file in the same folder: that file is imported under its own name anyway,
and following a link safely would need a check that can be raced.

Everything that is not read is still reported, with a reason, so nothing is skipped silently
(hidden files and folders, whose names start with a dot, are the one exception, as before).
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from desk.core.limits import MAX_FILE_BYTES

#: One read asks for at most this much, so a slow disk shows progress between reads.
READ_CHUNK = 8 * 1024 * 1024

_O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_O_BINARY = getattr(os, "O_BINARY", 0)
#: Opening never waits: a FIFO or device put where a file was opens at once and is refused.
_OPEN_FILE = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
    | _O_CLOEXEC | _O_BINARY
_O_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_O_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
#: Folders are listed through a descriptor where the platform can, so what is listed is the
#: folder that was opened, not whatever a path names a moment later.
_SCAN_BY_FD = os.scandir in os.supports_fd and bool(_O_DIRECTORY)

LINK_IN_FOLDER = "symbolic link inside an imported folder: not followed"
CHANGED = "the file was replaced while it was being imported: not read"
FOLDER_CHANGED = "the folder was replaced while it was being imported: not read"


@dataclass(frozen=True)
class Source:
    """One thing an import looks at: a file to read, or an entry refused before reading.

    `identity` (device, inode) is set for files found inside a folder: the file opened must be
    that very file, so a path swapped for a link or another file in the meantime is refused.
    """

    path: Path
    size: int = 0
    identity: tuple[int, int] | None = None
    reason: str = ""


class NotRead(Exception):
    """A file that was not read, with the reason a reviewer sees."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of(mode: int) -> str:
    """What a non-regular file is, in a reviewer's words."""
    if stat.S_ISFIFO(mode):
        return "FIFO"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    if stat.S_ISDIR(mode):
        return "folder"
    if stat.S_ISLNK(mode):
        return "symbolic link"
    return "special file"


def not_regular(mode: int) -> str:
    return f"not a regular file ({kind_of(mode)})"


def _cannot(what: str, exc: OSError) -> str:
    return f"cannot read the {what}: {exc.strerror or type(exc).__name__}"


# --------------------------------------------------------------------------- collecting


def collect_sources(paths: Iterable[str | os.PathLike[str]]) -> list[Source]:
    """Files named, plus every entry under folders named (recursively, hidden ones skipped).

    The walk keeps its own list of folders to visit, so depth costs no recursion; a folder that
    cannot be listed (too deep for a path, no permission) becomes one refused entry.
    """
    found: list[Source] = []
    seen: set[Path] = set()

    def add(source: Source) -> None:
        key = source.path.absolute()
        if key not in seen:
            seen.add(key)
            found.append(source)

    for raw in paths:
        path = Path(raw)
        try:
            info = path.stat()  # a link named by the user is their choice: follow it
        except OSError as exc:
            add(Source(path, reason=_cannot("file", exc)))
            continue
        if stat.S_ISDIR(info.st_mode):
            _walk(path, add)
        elif stat.S_ISREG(info.st_mode):
            add(Source(path, info.st_size))
        else:
            add(Source(path, reason=not_regular(info.st_mode)))
    return found


def _walk(root: Path, add: Callable[[Source], None]) -> None:
    """Depth first, entries in name order: a folder's files, then each sub-folder in turn."""
    stack: list[tuple[Path, tuple[int, int] | None]] = [(root, None)]
    while stack:
        folder, identity = stack.pop()
        try:
            entries = _list(folder, identity)
        except NotRead as exc:
            add(Source(folder, reason=exc.reason))
            continue
        except OSError as exc:
            add(Source(folder, reason=_cannot("folder", exc)))
            continue
        folders: list[tuple[Path, tuple[int, int] | None]] = []
        for name, info in entries:
            path = folder / name
            mode = info.st_mode
            if stat.S_ISDIR(mode):
                folders.append((path, (info.st_dev, info.st_ino)))
            elif stat.S_ISREG(mode):
                add(Source(path, info.st_size, (info.st_dev, info.st_ino)))
            elif stat.S_ISLNK(mode):
                add(Source(path, reason=LINK_IN_FOLDER))
            else:
                add(Source(path, reason=not_regular(mode)))
        stack.extend(reversed(folders))


def _list(folder: Path, identity: tuple[int, int] | None) -> list[tuple[str, os.stat_result]]:
    """The folder's visible entries, sorted by name, each with its own (unfollowed) status.

    A sub-folder is opened without following a link and must be the folder the parent listed.
    """
    if not _SCAN_BY_FD:
        with os.scandir(folder) as listing:
            return sorted((e.name, e.stat(follow_symlinks=False)) for e in listing
                          if not e.name.startswith("."))
    flags = os.O_RDONLY | _O_DIRECTORY | _O_CLOEXEC | (_O_NOFOLLOW if identity else 0)
    try:
        fd = os.open(folder, flags)
    except OSError as exc:
        if identity is not None and exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise NotRead(FOLDER_CHANGED) from exc
        raise
    try:
        if identity is not None:
            info = os.fstat(fd)
            if (info.st_dev, info.st_ino) != identity:
                raise NotRead(FOLDER_CHANGED)
        with os.scandir(fd) as listing:
            return sorted((e.name, e.stat(follow_symlinks=False)) for e in listing
                          if not e.name.startswith("."))
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- reading


def read_source(source: Source, alive: Callable[[], None] = lambda: None) -> bytes:
    """The file's bytes, read from a descriptor that is known to be a regular file.

    The open cannot block (O_NONBLOCK) and, for a file found in a folder, cannot follow a link
    (O_NOFOLLOW); what was opened is then checked with fstat, never by its path again.
    `alive` is called before each step so the caller's time limit sees progress.
    Raises `NotRead` with a reason.
    """
    fd = open_source(source, alive)
    try:
        size = os.fstat(fd).st_size
        if size > MAX_FILE_BYTES:
            raise NotRead(f"file too large: {size / 1e6:.0f} MB")
        data = _read_all(fd, size, alive)
    except OSError as exc:
        raise NotRead(_cannot("file", exc)) from exc
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise NotRead(f"file too large: {len(data) / 1e6:.0f} MB")
    return data


def open_source(source: Source, alive: Callable[[], None] = lambda: None) -> int:
    """A blocking descriptor of the file, opened as `read_source` opens it (no wait on a FIFO,
    no link followed inside a folder, the very file the folder listed); the caller closes it.
    Videos are read through it in parts. Raises `NotRead` with a reason."""
    if source.reason:
        raise NotRead(source.reason)
    alive()
    flags = _OPEN_FILE | (_O_NOFOLLOW if source.identity else 0)
    try:
        fd = os.open(source.path, flags)
    except OSError as exc:
        if source.identity is not None and exc.errno in (errno.ELOOP, errno.EMLINK):
            raise NotRead(LINK_IN_FOLDER) from exc
        raise NotRead(_cannot("file", exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise NotRead(not_regular(info.st_mode))
        if source.identity is not None and (info.st_dev, info.st_ino) != source.identity:
            raise NotRead(CHANGED)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except OSError as exc:
        os.close(fd)
        raise NotRead(_cannot("file", exc)) from exc
    except BaseException:
        os.close(fd)
        raise
    return fd


def _read_all(fd: int, size: int, alive: Callable[[], None]) -> bytes:
    """Up to end of file or one byte past the size limit, whichever comes first.

    The first read asks for what fstat promised plus one byte (a read of the whole limit would
    allocate that much for every file); a file still growing is read on to its end.
    """
    limit = MAX_FILE_BYTES + 1
    parts: list[bytes] = []
    total = 0
    want = min(size + 1, limit)
    while total < limit:
        alive()
        chunk = os.read(fd, min(max(want - total, 64 * 1024), limit - total, READ_CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)
