"""Who the reviewer is and where their per-user files live (never inside a case)."""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

from desk.core.sanitize import clean_text


def user_config_dir() -> Path:
    """The per-user folder for desk's own files; DESK_CONFIG_DIR overrides it (tests, kiosks)."""
    override = os.environ.get("DESK_CONFIG_DIR")
    if override:
        return Path(override)
    if sys.platform == "win32":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "desk"


def reviewer_name() -> str:
    """The name the custody log records: DESK_REVIEWER, else reviewer.txt in the config dir,
    else the operating-system user."""
    name = os.environ.get("DESK_REVIEWER", "")
    if not name:
        try:
            name = (user_config_dir() / "reviewer.txt").read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            name = ""
    if not name.strip():
        try:
            name = getpass.getuser()
        except (OSError, KeyError):
            name = "unknown reviewer"
    return clean_text(name, 128) or "unknown reviewer"


def set_reviewer_name(name: str) -> None:
    folder = user_config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "reviewer.txt").write_text(clean_text(name, 128), encoding="utf-8")
