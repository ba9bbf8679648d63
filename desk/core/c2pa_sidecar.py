"""The sidecar manifest of an imported file: `photo.c2pa` beside `photo.jpg`.

C2PA lets a manifest travel as a file of its own next to the picture it signs. Intake reads it
with the same care as the picture (a regular file only, never through a link, bounded size)
and hands its bytes to the isolated parser with the picture; the sidecar is not itself
evidence, so a `.c2pa` file named in an import is reported, not stored.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from desk.core.c2pa_reading import MAX_SIDECAR_BYTES
from desk.core.sources import NotRead, Source, read_source

SUFFIX = ".c2pa"
NOT_EVIDENCE = ("a content credentials sidecar: read together with the picture of the same"
                " name, not imported on its own")


def is_sidecar(path: Path) -> bool:
    return path.suffix.lower() == SUFFIX


def sidecar_bytes(picture: Path) -> bytes | None:
    """The sidecar manifest's bytes; None when there is none or it is not a plain file that
    can be read (a link, a folder, too large): then the picture is read without it."""
    candidate = picture.with_suffix(SUFFIX)
    try:
        info = os.lstat(candidate)
    except OSError:
        return None
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_SIDECAR_BYTES:
        return None
    try:
        # The identity makes read_source refuse links and a file swapped in meanwhile.
        return read_source(Source(candidate, info.st_size, (info.st_dev, info.st_ino)))
    except NotRead:
        return None
