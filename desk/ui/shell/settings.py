"""The only state desk keeps outside a case: window geometry and the recent-cases list.

Everything a reviewer decides lives in the case file, so a case handed to a colleague is whole.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

MAX_RECENT = 10
_RECENT = "recent_cases"
_GEOMETRY = "window/geometry"
_STATE = "window/state"
_SPLITTER = "window/splitter"
_CENTRE = "window/centre_splitter"
_MAP_SHOWN = "window/map_shown"
_MAP_FORMS = "window/map_splitter"


def _settings() -> QSettings:
    # Organization and application names are set in app.py; tests point QSettings at tmp.
    return QSettings()


def recent_cases() -> list[Path]:
    value = _settings().value(_RECENT, [])
    if isinstance(value, str):  # QSettings collapses a one-element list to a string
        value = [value]
    return [Path(str(v)) for v in (value or []) if str(v)]


def add_recent_case(path: Path) -> None:
    resolved = path.resolve()
    items = [p for p in recent_cases() if p != resolved]
    items.insert(0, resolved)
    _settings().setValue(_RECENT, [str(p) for p in items[:MAX_RECENT]])


def remove_recent_case(path: Path) -> None:
    resolved = path.resolve()
    _settings().setValue(_RECENT, [str(p) for p in recent_cases() if p != resolved])


def clear_recent_cases() -> None:
    _settings().remove(_RECENT)


def _bytes(key: str) -> QByteArray | None:
    value = _settings().value(key)
    return value if isinstance(value, QByteArray) and not value.isEmpty() else None


def window_geometry() -> QByteArray | None:
    return _bytes(_GEOMETRY)


def window_state() -> QByteArray | None:
    return _bytes(_STATE)


def splitter_state() -> QByteArray | None:
    return _bytes(_SPLITTER)


def save_window(geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
    settings = _settings()
    settings.setValue(_GEOMETRY, geometry)
    settings.setValue(_STATE, state)
    settings.setValue(_SPLITTER, splitter)


def centre_splitter_state() -> QByteArray | None:
    """How the frame and the map share the centre (frame | map)."""
    return _bytes(_CENTRE)


def map_shown() -> bool:
    value = _settings().value(_MAP_SHOWN, True)
    return value not in (False, "false", "0", 0)


def save_map_layout(centre: QByteArray, shown: bool) -> None:
    settings = _settings()
    settings.setValue(_CENTRE, centre)
    settings.setValue(_MAP_SHOWN, bool(shown))


def map_splitter_state() -> QByteArray | None:
    """How the map and its forms share the map pane's height (map | forms)."""
    return _bytes(_MAP_FORMS)


def save_map_splitter(state: QByteArray) -> None:
    _settings().setValue(_MAP_FORMS, state)
