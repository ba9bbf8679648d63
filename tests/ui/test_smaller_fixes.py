"""Issue 19, the smaller things: a new import is selected, arrows are numbered per frame, a
drag near an arrow's tip moves the tip, distances show the precision their change needs."""

from __future__ import annotations

import math
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.model import Movement
from desk.core.movement import distance_pair
from desk.ui.shell.main_window import MainWindow
from tests.ui.images import make_jpeg
from tests.ui.test_movement import FRAME_12, FRAME_47, at, ends, open_sample, pixel


def test_a_new_import_is_selected(qtbot: QtBot, window: MainWindow, case_path: Path,
                                  tmp_path: Path) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(case_path)
    before = window.evidence_list.current_evidence_id()
    new = [make_jpeg(tmp_path / "in" / f"new-{i}.jpg", seed=300 + i) for i in range(2)]
    with qtbot.waitSignal(window.importFinished, timeout=30_000) as finished:
        assert window.import_paths(new)
    first = next(i.evidence_id for i in finished.args[0].imported)
    assert first != before
    assert window.evidence_list.current_evidence_id() == first
    assert window.inspector.evidence is not None and window.inspector.evidence.id == first


def test_the_first_arrow_on_a_frame_is_arrow_1(qtbot: QtBot, window: MainWindow,
                                               tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_47)
    case = window.case
    assert case is not None and case.movements(frame) == []
    for x in (0.2, 0.6):
        assert window.undo_stack.push_command(commands.add_movement(
            case, Movement(0, frame, x1=x, y1=0.8, x2=x + 0.1, y2=0.7)))
    ids = [m.id for m in case.movements(frame)]
    assert min(ids) > 1  # the case has arrows on other frames: ids do not start at 1
    rows = [window.movement_panel.arrow_list.item(i).text() for i in range(2)]
    assert rows[0].startswith("Arrow 1 (no label) — ")
    assert rows[1].startswith("Arrow 2 (no label) — ")


def test_dragging_near_the_tip_of_an_arrow_moves_the_tip(qtbot: QtBot, window: MainWindow,
                                                         tmp_path: Path) -> None:
    frame = open_sample(qtbot, window, tmp_path, FRAME_12)
    case = window.case
    assert case is not None
    view = window.frame_view
    view.annotator.select(None)  # not selected: the tip is taken hold of all the same
    (arrow,) = case.movements(frame)
    tip, tail = at(view, arrow.x2, arrow.y2), at(view, arrow.x1, arrow.y1)
    length = math.hypot(tip.x() - tail.x(), tip.y() - tail.y())
    back = 12 / length  # 12 screen pixels back from the tip, on the arrow's head
    press = QPoint(round(tip.x() + (tail.x() - tip.x()) * back),
                   round(tip.y() + (tail.y() - tip.y()) * back))
    target = at(view, 0.70, 0.55)
    viewport = view.viewport()
    QTest.mousePress(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press)
    for i in range(1, 7):
        QTest.mouseMove(viewport, QPoint(press.x() + (target.x() - press.x()) * i // 6,
                                         press.y() + (target.y() - press.y()) * i // 6))
    QTest.mouseRelease(viewport, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       target)
    reshaped = case.movements(frame)[0]
    tolerance = 3 * pixel(view)
    assert (reshaped.x1, reshaped.y1) == (arrow.x1, arrow.y1)  # the tail stayed
    assert ends(reshaped)[2:] != ends(arrow)[2:]
    assert abs(reshaped.x2 - 0.70) < 0.02 + tolerance and abs(reshaped.y2 - 0.55) < 0.02 + tolerance
    assert case.audit_entries()[-1].action == commands.RESHAPE_ARROW.name


def test_distances_show_the_precision_their_change_needs() -> None:
    assert distance_pair(1218, 1223) == ("1.218 km", "1.223 km")
    assert distance_pair(2100, 2160) == ("2.10 km", "2.16 km")
    assert distance_pair(420, 470) == ("420 m", "470 m")
    before, after = distance_pair(1_219_990, 1_219_995)
    assert before != after
