"""The loupe: L shows the original's pixel under the cursor, magnified, with its position and
value; it follows the mouse, leaves the frame's tools alone, and Esc closes it."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.ui.frame.frame_view import FrameView
from desk.ui.shell.main_window import MainWindow


def _value(x: int, y: int) -> tuple[int, int, int]:
    """Every pixel of the test still has its own, predictable value."""
    return (x * 4 % 256, y * 5 % 256, (x * 7 + y * 3) % 256)


@pytest.fixture
def png_case(tmp_path: Path) -> Path:
    image = Image.new("RGB", (64, 48))
    image.putdata([_value(x, y) for y in range(48) for x in range(64)])
    source = tmp_path / "known.png"
    image.save(source)
    path = tmp_path / "loupe.deskcase"
    with CaseFile.create(path, "Loupe") as case:
        assert import_files(case, [source]).imported
    return path


@pytest.fixture
def view(qtbot: QtBot, png_case: Path) -> FrameView:
    case = CaseFile.open(png_case)
    view = FrameView()
    qtbot.addWidget(view, before_close_func=lambda v: (v.shutdown(), case.close()))
    view.resize(700, 500)
    view.show()
    qtbot.waitExposed(view)
    with qtbot.waitSignal(view.frameShown, timeout=10_000):
        view.show_evidence(case, case.list_evidence()[0])
    return view


def _move_to_pixel(view: FrameView, x: int, y: int) -> QPoint:
    pos = view.mapFromScene(QPointF(x + 0.5, y + 0.5))
    event = QMouseEvent(QEvent.Type.MouseMove, QPointF(pos), view.viewport().mapToGlobal(
        QPointF(pos)), Qt.MouseButton.NoButton, Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(view.viewport(), event)
    return pos


def test_the_loupe_reads_the_pixel_under_the_cursor(view: FrameView) -> None:
    loupe = view.loupe
    loupe.set_shown(True)
    assert loupe.isVisible() and loupe.magnification == 8
    for x, y in ((0, 0), (13, 29), (63, 47)):
        _move_to_pixel(view, x, y)
        assert loupe.pixel == QPoint(x, y)
        r, g, b = _value(x, y)
        where, value = loupe.readout()
        assert where == f"x {x}  y {y}"
        assert value == f"RGB {r}, {g}, {b}  #{r:02X}{g:02X}{b:02X}"


def test_it_follows_the_mouse_and_stays_inside_the_frame(view: FrameView) -> None:
    loupe = view.loupe
    loupe.set_shown(True)
    near = _move_to_pixel(view, 5, 5)
    assert loupe.geometry().left() > near.x() and loupe.geometry().top() > near.y()
    far = _move_to_pixel(view, 63, 47)  # bottom right: the loupe flips to stay in view
    assert loupe.geometry().right() < far.x()
    assert view.viewport().rect().contains(loupe.geometry())


def test_the_magnified_square_shows_the_pixels_themselves(view: FrameView) -> None:
    loupe = view.loupe
    loupe.set_shown(True)
    _move_to_pixel(view, 20, 20)
    shot = loupe.grab().toImage()
    mag, half = loupe.magnification, loupe.cells // 2
    left = (loupe.width() - loupe.cells * mag) // 2
    # The middle of the cell one pixel right of the centre shows pixel (21, 20).
    colour = shot.pixelColor(left + (half + 1) * mag + mag // 2, (half) * mag + mag // 2)
    assert (colour.red(), colour.green(), colour.blue()) == _value(21, 20)


def test_no_value_is_read_from_the_stand_in_thumbnail(qtbot: QtBot, png_case: Path) -> None:
    with CaseFile.open(png_case) as case:
        view = FrameView()
        qtbot.addWidget(view, before_close_func=lambda v: v.shutdown())
        view.resize(700, 500)
        view.show()
        view.show_evidence(case, case.list_evidence()[0])
        view.loupe.set_shown(True)
        _move_to_pixel(view, 10, 10)  # the decoded original has not arrived yet
        assert view.loupe.pixel is None
        assert view.loupe.readout()[0] == "Loading full resolution…"
        with qtbot.waitSignal(view.frameShown, timeout=10_000):
            pass
        assert view.loupe.pixel == QPoint(10, 10)  # read again once the original is shown


def test_outside_the_picture_no_value_is_shown(view: FrameView) -> None:
    view.loupe.set_shown(True)
    view.loupe.look_at(QPoint(2, 2))  # the canvas around the fitted picture
    assert view.loupe.pixel is None
    assert view.loupe.readout() == ("Outside the picture", "")


def test_shift_wheel_changes_magnification_and_leaves_the_zoom(view: FrameView) -> None:
    loupe = view.loupe
    loupe.set_shown(True)
    zoom, cells = view.zoom, loupe.cells
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(centre, view.viewport().mapToGlobal(centre), QPoint(), QPoint(0, 120),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.ShiftModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(view.viewport(), wheel)
    assert loupe.magnification == 16 and view.zoom == zoom
    assert loupe.cells < cells  # fewer, larger pixels


def test_esc_closes_the_loupe(view: FrameView) -> None:
    view.loupe.set_shown(True)
    assert view.hasFocus()
    QTest.keyClick(view, Qt.Key.Key_Escape)
    assert not view.loupe.shown and not view.loupe.isVisible()


def test_l_toggles_the_loupe_in_the_window(qtbot: QtBot, window: MainWindow,
                                           png_case: Path) -> None:
    assert window.open_case(png_case)
    qtbot.waitUntil(lambda: window.frame_view.is_full_resolution, timeout=10_000)
    window.evidence_list.setFocus()
    QTest.keyClick(window.evidence_list, Qt.Key.Key_L)
    assert window.frame_view.loupe.shown and window.loupe_action.isChecked()
    QTest.keyClick(window.frame_view, Qt.Key.Key_Escape)
    assert not window.frame_view.loupe.shown and not window.loupe_action.isChecked()
    window.loupe_action.trigger()
    assert window.frame_view.loupe.shown
