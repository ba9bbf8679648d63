"""The frame view: full-resolution frame, zoom, pan, zoom-to-region, room for annotations."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication, QGraphicsRectItem
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.ui.frame.frame_view import FrameView, decode_image
from tests.core.imaging import apple_heic
from tests.ui.images import make_jpeg


@pytest.fixture
def view(qtbot: QtBot, case: CaseFile) -> FrameView:
    view = FrameView()
    qtbot.addWidget(view, before_close_func=lambda v: v.shutdown())
    view.resize(600, 400)
    view.show()
    qtbot.waitExposed(view)
    item = next(e for e in case.list_evidence() if e.name == "edited.jpg")
    with qtbot.waitSignal(view.frameShown, timeout=10_000) as shown:
        view.show_evidence(case, item)
        assert not view.is_full_resolution  # the thumbnail stands in meanwhile
        assert view.image_size().width() == 800  # ...at the original's size
    assert shown.args == [item.id]
    return view


def test_shows_the_original_at_full_resolution_fitted(view: FrameView) -> None:
    assert view.is_full_resolution
    assert (view.image_size().width(), view.image_size().height()) == (800, 450)
    assert view.fitting and view.zoom < 1.0
    assert "800 × 450" in view.hud.text() and "fit" in view.hud.text()


def test_zoom_in_out_actual_size_and_fit(view: FrameView) -> None:
    fitted = view.zoom
    view.zoom_in()
    assert view.zoom == pytest.approx(fitted * 1.25)
    assert not view.fitting
    view.zoom_out()
    assert view.zoom == pytest.approx(fitted)
    view.actual_size()
    assert view.zoom == 1.0 and "100%" in view.hud.text()
    view.fit()
    assert view.zoom == pytest.approx(fitted)


def test_wheel_zooms_in_under_the_cursor(qtbot: QtBot, view: FrameView) -> None:
    view.actual_size()  # larger than the view, so there is room to keep the point in place
    before = view.zoom
    corner = QPointF(100, 100)
    scene_before = view.mapToScene(corner.toPoint())
    event = QWheelEvent(corner, view.mapToGlobal(corner), QPoint(), QPoint(0, 240),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), event)
    assert view.zoom > before
    after = view.mapToScene(corner.toPoint())
    assert abs(after.x() - scene_before.x()) < 3 and abs(after.y() - scene_before.y()) < 3


def test_shift_drag_zooms_to_the_region(qtbot: QtBot, view: FrameView) -> None:
    fitted = view.zoom
    viewport = view.viewport()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                     QPoint(200, 150))
    qtbot.mouseMove(viewport, QPoint(260, 190))
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier,
                       QPoint(260, 190))
    assert view.zoom > fitted * 4


def test_annotations_live_in_image_coordinates_over_the_image(view: FrameView) -> None:
    marker = QGraphicsRectItem(QRectF(view.from_normalized(0.5, 0.5), view.from_normalized(
        0.75, 0.75)), view.annotations)
    assert marker.scene() is view.scene()
    assert marker.zValue() == 0 and view.annotations.zValue() > view.image_item.zValue()
    assert view.to_normalized(QPointF(400, 225)) == QPointF(0.5, 0.5)


def test_an_undecodable_original_shows_a_message_not_a_crash(tmp_path: Path) -> None:
    image, error = decode_image(b"\xff\xd8\xff\xe0 definitely not a jpeg")
    assert image.isNull() and error
    good, _ = decode_image(make_jpeg(tmp_path / "a.jpg", 64, 48).read_bytes())
    assert (good.width(), good.height()) == (64, 48)


def test_a_heic_original_is_shown() -> None:
    image, error = decode_image(apple_heic())
    assert not error
    assert (image.width(), image.height()) == (160, 120)
