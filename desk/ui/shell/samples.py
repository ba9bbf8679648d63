"""The sample cases shipped beside the code, opened as working copies.

A reviewer trying a sample edits it; the shipped file must stay as built, so the first open
copies it into the per-user folder and later opens reuse that copy (with the reviewer's edits).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from desk import bundled


def sample_folder() -> Path:
    return bundled.sample_cases_dir()


def sample_cases() -> list[Path]:
    folder = sample_folder()
    return sorted(folder.glob("*.deskcase")) if folder.is_dir() else []


def working_copy(sample: Path) -> Path:
    """The reviewer's copy of a sample, made once. The sample is a closed, static file, so a
    whole-file copy is consistent (live cases are copied with the backup API instead)."""
    from desk.core.identity import user_config_dir

    folder = user_config_dir() / "samples"
    target = folder / sample.name
    if target.exists():
        return target
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
