"""The sample cases shipped beside the code, used as the reviewer's working copies.

A reviewer trying a sample edits it; the shipped file must stay as built (it is tracked in
the repository and inside the installer), so the first use copies it into the per-user folder
and later uses reuse that copy, with the reviewer's edits. The window and the command line
both ask here, so a sample is the same file whichever opened it.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from desk import bundled
from desk.core.identity import user_config_dir


def sample_folder() -> Path:
    return bundled.sample_cases_dir()


def sample_cases() -> list[Path]:
    folder = sample_folder()
    return sorted(folder.glob("*.deskcase")) if folder.is_dir() else []


def is_shipped_sample(path: str | os.PathLike[str]) -> bool:
    """Whether `path` names one of the shipped samples (however it is spelled)."""
    target = Path(path)
    if target.suffix != ".deskcase":
        return False
    try:
        return target.resolve().parent == sample_folder().resolve()
    except OSError:
        return False


def working_copy_path(sample: Path) -> Path:
    """Where the reviewer's copy of a sample lives (it may not exist yet)."""
    return user_config_dir() / "samples" / sample.name


def working_copy(sample: Path) -> Path:
    """The reviewer's copy of a sample, made once. The sample is a closed, static file, so a
    whole-file copy is consistent (live cases are copied with the backup API instead)."""
    target = working_copy_path(sample)
    if target.exists():
        return target
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".desk-sample-", suffix=".deskcase", dir=folder)
    os.close(fd)
    try:
        shutil.copyfile(sample, tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
