"""Issue 19, the forms: Tab follows the reading order, typed values land in the field they
were typed in, dates say what they expect and keep what was typed, focus is visible."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QLineEdit,
    QPushButton,
    QToolButton,
    QWidget,
)
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.model import Statement
from desk.ui.claims.claims_page import ClaimsPage
from desk.ui.common.fields import DateField, date_problem
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder, flush_events
from tests.ui.test_claims_page import open_claims


def tab_walk(qtbot: QtBot, start: QWidget, steps: int) -> list[QWidget]:
    """The widgets Tab visits from `start`, as a reviewer pressing it `steps` times."""
    start.setFocus()
    qtbot.waitUntil(start.hasFocus)
    seen = [start]
    for _ in range(steps):
        current = QApplication.focusWidget()
        assert current is not None
        qtbot.keyClick(current, Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    return seen


def type_by_tabbing(qtbot: QtBot, first: QWidget, values: list[str]) -> None:
    """Type each value and press Tab, from `first` on, as a reviewer filling a form."""
    first.setFocus()
    qtbot.waitUntil(first.hasFocus)
    for value in values:
        field = QApplication.focusWidget()
        assert field is not None
        qtbot.keyClicks(field, value)
        qtbot.keyClick(field, Qt.Key.Key_Tab)


def add_statement(qtbot: QtBot, window: MainWindow, case_path: Path) -> tuple[ClaimsPage, int]:
    page = open_claims(qtbot, window, case_path)
    statement_id = page.statements.add_statement()
    assert statement_id is not None
    qtbot.waitUntil(lambda: statement_id in page.statements.cards)
    return page, statement_id


def test_statement_card_tab_order_and_values_land_where_typed(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    page, sid = add_statement(qtbot, window, case_path)
    card = page.statements.cards[sid]
    f = card.fields
    order = [f["speaker"], f["said_at"], f["venue"], f["text"], f["source_url"],
             card.delete_button]
    assert tab_walk(qtbot, f["speaker"], 5) == order

    type_by_tabbing(qtbot, f["speaker"], ["Ministry spokesman", "2025-12-29", "Briefing",
                                          "91 drones were shot down", "https://t.me/mod/1"])
    assert window.case is not None
    stored = next(s for s in window.case.statements() if s.id == sid)
    assert (stored.speaker, stored.said_at, stored.venue, stored.text, stored.source_url) == (
        "Ministry spokesman", "2025-12-29", "Briefing", "91 drones were shot down",
        "https://t.me/mod/1")
    assert not dialogs.errors


def test_a_statement_date_that_is_not_a_date_is_refused_and_kept(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    page, sid = add_statement(qtbot, window, case_path)
    card = page.statements.cards[sid]
    date = card.fields["said_at"]
    assert isinstance(date, DateField)
    type_by_tabbing(qtbot, card.fields["speaker"], ["Governor", "yesterday", "Telegram"])
    assert window.case is not None

    def stored() -> Statement:
        assert window.case is not None
        return next(s for s in window.case.statements() if s.id == sid)

    assert stored().said_at == ""  # refused
    assert stored().venue == "Telegram"  # the next field got its own value
    assert date.text() == "yesterday"  # kept as typed, through the venue's refresh
    assert date.problem_label.isVisible()
    assert "YYYY-MM-DD" in date.problem_label.text()

    date.setFocus()
    date.selectAll()
    qtbot.keyClicks(date, "2025-12-28")
    qtbot.keyClick(date, Qt.Key.Key_Tab)
    assert stored().said_at == "2025-12-28"
    assert not date.problem_label.isVisible()


def test_a_date_message_does_not_cut_off_the_card(qtbot: QtBot, window: MainWindow,
                                                  case_path: Path) -> None:
    page, sid = add_statement(qtbot, window, case_path)
    card = page.statements.cards[sid]
    flush_events(qtbot)
    type_by_tabbing(qtbot, card.fields["said_at"], ["someday"])  # then nothing else saved
    assert card.date_field.problem_label.isVisible()
    flush_events(qtbot)
    flush_events(qtbot)
    viewport = page.statements.scroll.viewport()
    url = card.fields["source_url"]
    bottom = url.mapTo(viewport, url.rect().bottomLeft()).y()
    assert bottom < viewport.height(), "the card grew and its last field is cut off"


def test_cards_keep_their_places_while_edited(qtbot: QtBot, window: MainWindow,
                                              case_path: Path) -> None:
    page = open_claims(qtbot, window, case_path)
    case = window.case
    assert case is not None
    claim_id = page.current_claim_id()
    assert claim_id is not None
    for speaker, when in (("Early", "2025-01-01"), ("Late", "2025-06-01")):
        window.undo_stack.push_command(commands.add_statement(
            case, Statement(0, claim_id, speaker=speaker, text="x", said_at=when)))
    view = page.statements

    def speakers() -> list[str]:
        row = view._row  # the cards in the order they stand
        cards = [row.itemAt(i).widget() for i in range(row.count())]
        return [c.fields["speaker"].text() for c in cards if c in view.cards.values()]

    assert speakers() == ["Early", "Late"]
    early = next(c for c in view.cards.values() if c.fields["speaker"].text() == "Early")
    type_by_tabbing(qtbot, early.fields["said_at"], [])
    field = early.fields["said_at"]
    assert isinstance(field, QLineEdit)
    field.selectAll()
    qtbot.keyClicks(field, "2025-12-31")  # now later than "Late"
    qtbot.keyClick(field, Qt.Key.Key_Tab)
    assert early.fields["venue"].hasFocus()
    assert speakers() == ["Early", "Late"]  # not moved under the reviewer's cursor


def test_claim_editor_tab_order_and_date(qtbot: QtBot, window: MainWindow,
                                         case_path: Path) -> None:
    page = open_claims(qtbot, window, case_path)
    fields = page.claim_editor.fields
    order = [fields[n] for n in ("text", "claimant", "first_appearance_url",
                                 "first_appearance_date", "appearances")]
    assert tab_walk(qtbot, order[0], 4) == order
    fields["text"].setFocus()
    fields["text"].selectAll()
    type_by_tabbing(qtbot, fields["text"], ["A convoy left", "MoD", "https://x.com/a/1",
                                            "12 May", "https://x.com/b/2"])
    assert window.case is not None
    claim = window.case.get_claim(page.current_claim_id() or 0)
    assert (claim.text, claim.claimant, claim.first_appearance_url) == (
        "A convoy left", "MoD", "https://x.com/a/1")
    assert claim.first_appearance_date == ""  # "12 May" is not a date: refused, kept
    assert claim.appearances == ["https://x.com/b/2"]
    date = fields["first_appearance_date"]
    assert isinstance(date, DateField)
    assert date.text() == "12 May" and date.problem_label.isVisible()


def test_verdict_editor_tab_order(qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    page = open_claims(qtbot, window, case_path)
    editor = page.verdict_editor
    # Tab stops once in each group of buttons (the arrow keys move inside it), top to bottom:
    # export, the rating scale, confidence, summary, rationale, then each checklist row.
    groups: list[set[QWidget]] = [
        {editor.export_button}, {o.radio for o in editor.rating_options.values()},
        set(editor.confidence.buttons), {editor.summary}, {editor.rationale},
        *(set(row.buttons) for row in editor.checklist.rows.values())]
    seen = tab_walk(qtbot, editor.export_button, len(groups) - 1)
    assert len(groups) == 11
    for stop, (widget, group) in enumerate(zip(seen, groups, strict=True)):
        assert widget in group, f"Tab stop {stop} is {widget!r}"


def test_provenance_tab_order_and_dates(qtbot: QtBot, window: MainWindow, case_path: Path,
                                        dialogs: DialogRecorder) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(case_path)
    inspector = window.inspector
    inspector.tabs.setCurrentIndex(1)
    p = inspector.provenance
    order = [p[n] for n in ("source_url", "platform", "uploader", "published_at",
                            "acquired_at", "acquired_by", "notes")]
    assert tab_walk(qtbot, inspector.original_name, len(order)) == [inspector.original_name,
                                                                    *order]
    for field in order[:-1]:
        assert isinstance(field, QLineEdit)
        field.clear()
    type_by_tabbing(qtbot, p["source_url"], ["https://t.me/a/1", "Telegram", "@chan",
                                             "last week", "2025-12-29 14:05", "Desk"])
    item = inspector.evidence
    assert item is not None and window.case is not None
    prov = window.case.get_evidence(item.id).provenance
    assert (prov.source_url, prov.platform, prov.uploader, prov.acquired_at,
            prov.acquired_by) == ("https://t.me/a/1", "Telegram", "@chan", "2025-12-29 14:05",
                                  "Desk")
    assert prov.published_at == ""
    published = p["published_at"]
    assert isinstance(published, DateField)
    assert published.text() == "last week" and "YYYY-MM-DD HH:MM" in published.problem()

    # Looking at another item and coming back: what was typed is still there.
    window.evidence_list.step(1)
    qtbot.waitUntil(lambda: inspector.evidence is not None and inspector.evidence.id != item.id)
    assert published.text() != "last week"
    window.evidence_list.step(-1)
    qtbot.waitUntil(lambda: inspector.evidence is not None and inspector.evidence.id == item.id)
    assert published.text() == "last week"
    assert not dialogs.errors


def test_movement_panel_tab_order(window: MainWindow) -> None:
    panel = window.movement_panel
    chain = panel.tab_chain()
    for first, second in itertools.pairwise(chain):
        assert first.nextInFocusChain() is second or _reaches(first, second), (first, second)


def _reaches(first: QWidget, second: QWidget) -> bool:
    """`second` follows `first` in the focus chain, past widgets that take no Tab focus."""
    widget = first.nextInFocusChain()
    for _ in range(50):
        if widget is second:
            return True
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus and widget.isVisibleTo(first.window()):
            return False
        widget = widget.nextInFocusChain()
    return False


def test_dates_say_the_format_they_expect() -> None:
    assert date_problem("") == ""
    assert date_problem("2025-12-29") == ""
    assert date_problem("2025-12-29T14:05:00Z") == ""
    assert "YYYY-MM-DD" in date_problem("29/12/2025")
    assert date_problem("2025-02-30")  # no such day
    assert date_problem("2025-12-29 14:05") and not date_problem("2025-12-29 14:05",
                                                                 with_time=True)


def _grab(widget: QWidget) -> QImage:
    return widget.grab().toImage()


def test_focus_is_visible_on_buttons_and_fields(qtbot: QtBot) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    button = QPushButton("Delete", holder)
    field = QLineEdit(holder)
    field.move(0, 40)
    tool = QToolButton(holder)
    tool.setText("Remove")
    tool.move(100, 0)
    box = QCheckBox("Copy the originals", holder)
    box.move(0, 120)
    other = QLineEdit(holder)
    other.move(0, 80)
    holder.setGeometry(QRect(0, 0, 240, 160))
    holder.show()
    qtbot.waitExposed(holder)
    for widget in (button, field, tool, box):
        other.setFocus()
        qtbot.waitUntil(other.hasFocus)
        before = _grab(widget)
        widget.setFocus()
        qtbot.waitUntil(widget.hasFocus)
        assert _grab(widget) != before, f"focus on {type(widget).__name__} shows nothing"
