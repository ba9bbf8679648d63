"""Fixtures for the map tests: a Kupiansk-like case, a MapPanel over a real undo stack and a
real QtWebEngine page (offscreen), and helpers to read what the page shows and click on it.

QtWebEngine must be imported before the QApplication exists and, as root, needs its sandbox
disabled: both happen here, at import, for tests only (the shipped app keeps the sandbox).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401 - before any QApplication
from PySide6.QtCore import QCoreApplication, QEvent, QPoint, Qt
from PySide6.QtTest import QTest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import (
    Confidence,
    Geolocation,
    Gps,
    Landmark,
    Metadata,
    Movement,
    Provenance,
)

CAMERA = (49.7159, 37.5928)
TV_MAST = (49.7165, 37.5882)
CENTRE = (49.7097, 37.6156)
METHOD = "Matched the lattice TV mast and the roofline against a 2020 drone still."


def add_evidence(case: CaseFile, name: str, *, gps: Gps | None = None, text: str = "",
                 seed: int = 0) -> int:
    """Store an item directly (no intake): `text` goes into every EXIF text field."""
    data = f"{name}/{seed}/{text}".encode()
    raw = {"Image Make": text, "Image Model": text, "Image Software": text,
           "Image ImageDescription": text, "EXIF UserComment": text,
           "Image Artist": text, "Image Copyright": text} if text else {}
    metadata = Metadata(captured_at="2025-11-20T10:00:00+03:00", gps=gps,
                        make=text or None, model=text or None, software=text or None,
                        raw=raw)
    sha = hashlib.sha256(data).hexdigest()
    with case.edit("import", [f"sha256:{sha}"], {"files": 1}) as conn:  # logged, as intake does
        return case.insert_evidence(
            conn, sha256=sha, data=data, fmt="JPEG", width=1280,
            height=720, metadata=metadata,
            provenance=Provenance(original_name=name, uploader=text, notes=text,
                                  platform=text, source_url="https://example.org/x"),
            thumbnail=b"", thumb_size=(0, 0))


def build_kupiansk(path: Path) -> tuple[CaseFile, dict[str, int]]:
    """The Kupiansk sample's places: two geolocated frames, a drone still with EXIF GPS, the
    TV mast, the town centre (reference) and a movement arrow; plus one frame not placed yet."""
    case = CaseFile.create(path, "Kupiansk (map test)")
    ids = {
        "f1": add_evidence(case, "state_tv_clip_frame_0012.jpg", seed=1),
        "f2": add_evidence(case, "state_tv_clip_frame_0047.jpg", seed=2),
        "drone": add_evidence(case, "reference_drone_2020.jpg", seed=3,
                              gps=Gps(49.716500, 37.588111, 120.0, 182.0)),
        "new": add_evidence(case, "unplaced_frame.jpg", seed=4),
    }
    commands.add_landmark(case, Landmark(0, "TV mast", *TV_MAST, kind="tower")).apply(case)
    commands.add_landmark(case, Landmark(0, "Kupiansk centre", *CENTRE, kind="town centre",
                                         is_reference=True)).apply(case)
    for key in ("f1", "f2"):
        commands.set_geolocation(Geolocation(
            ids[key], *CAMERA, precision_m=40.0, heading=262.0, fov=62.0,
            confidence=Confidence.MODERATE, method=METHOD)).apply(case)
    commands.add_movement(case, Movement(
        0, ids["f1"], label="group of 6 soldiers", start_lat=49.71585, start_lon=37.59240,
        end_lat=49.71560, end_lon=37.58990, bearing=260.0, reference_id=2)).apply(case)
    return case, ids


@pytest.fixture(name="kupiansk")
def kupiansk_fixture(tmp_path: Path) -> Iterator[tuple[CaseFile, dict[str, int]]]:
    case, ids = build_kupiansk(tmp_path / "kupiansk.deskcase")
    try:
        yield case, ids
    finally:
        case.close()


def flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


def make_panel(qtbot: Any, case: CaseFile | None, **kwargs: Any) -> Any:
    """A shown MapPanel over a real CaseUndoStack, its page loaded and its bridge connected."""
    from desk.ui.common.undo import CaseUndoStack
    from desk.ui.map.map_panel import MapPanel

    stack = CaseUndoStack()
    stack.set_case(case)
    kwargs.setdefault("base_layers", ())
    kwargs.setdefault("search_online", False)
    panel = MapPanel(case, stack.push_command, **kwargs)
    stack.applied.connect(lambda _command: panel.refresh())
    stack.setParent(panel)
    panel.stack = stack
    qtbot.addWidget(panel)
    panel.resize(960, 760)
    panel.show()
    qtbot.waitUntil(lambda: panel.view.is_ready, timeout=15_000)
    return panel


@pytest.fixture(name="panel_factory")
def panel_factory_fixture(qtbot: Any) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def factory(case: CaseFile | None, **kwargs: Any) -> Any:
        panel = make_panel(qtbot, case, **kwargs)
        made.append(panel)
        return panel

    yield factory
    for panel in made:
        panel.dispose()
        panel.close()
        panel.deleteLater()
    flush_deletes()


def evaluate(qtbot: Any, view: Any, expression: str) -> Any:
    box: dict[str, Any] = {}
    view.evaluate(expression, lambda value: box.setdefault("value", value))
    qtbot.waitUntil(lambda: "value" in box, timeout=5_000)
    return box["value"]


def probe(qtbot: Any, view: Any) -> dict[str, Any]:
    return evaluate(qtbot, view, "deskMap.probe()")


def wait_probe(qtbot: Any, view: Any, predicate: Callable[[dict[str, Any]], bool],
               timeout: int = 15_000) -> dict[str, Any]:
    """Poll what the page shows until `predicate` holds (edits reach the page asynchronously)."""
    seen: dict[str, Any] = {}

    def check() -> bool:
        seen["state"] = probe(qtbot, view)
        return bool(predicate(seen["state"]))

    qtbot.waitUntil(check, timeout=timeout)
    return seen["state"]


def pixel_of(qtbot: Any, view: Any, lat: float, lon: float) -> QPoint:
    x, y = evaluate(qtbot, view, f"deskMap.containerPointOf({lat!r}, {lon!r})")
    return QPoint(round(x), round(y))


def click_map(qtbot: Any, view: Any, lat: float, lon: float) -> None:
    """A real left click on the page at a position, as a reviewer would make it."""
    target = view.focusProxy()
    point = pixel_of(qtbot, view, lat, lon)
    QTest.mouseMove(target, point)
    QTest.mouseClick(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, point)


def drag_map(qtbot: Any, view: Any, start: tuple[float, float], end: tuple[float, float],
             steps: int = 6) -> None:
    """Press at `start`, move in steps, release at `end` (a marker drag)."""
    target = view.focusProxy()
    a = pixel_of(qtbot, view, *start)
    b = pixel_of(qtbot, view, *end)
    QTest.mouseMove(target, a)
    QTest.mousePress(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, a)
    for i in range(1, steps + 1):
        point = QPoint(a.x() + (b.x() - a.x()) * i // steps, a.y() + (b.y() - a.y()) * i // steps)
        QTest.mouseMove(target, point, 16)
    QTest.mouseRelease(target, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, b, 16)
