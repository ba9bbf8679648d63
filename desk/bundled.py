"""Where desk's own files live: beside the package in a checkout, inside the bundle when frozen.

One place answers this so the map, the dossier, the window and the installer agree.
"""

from __future__ import annotations

import sys
from pathlib import Path


def app_root() -> Path:
    """The folder holding resources/ and sample_cases/ (PyInstaller unpacks to _MEIPASS)."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen)
    return Path(__file__).resolve().parent.parent


def resources_dir(*parts: str) -> Path:
    return app_root().joinpath("resources", *parts)


def sample_cases_dir() -> Path:
    return app_root() / "sample_cases"


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))
