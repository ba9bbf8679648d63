"""The Claims & verdicts workspace as a reviewer uses it: claims, statements side by side,
linked evidence with stances, every edit undoable, case text always shown literally."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QFocusEvent
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QPlainTextEdit, QWidget
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Stance, Statement
from desk.ui.claims import evidence_chooser
from desk.ui.claims.claims_mode import CLAIMS, EVIDENCE, link_menu
from desk.ui.claims.claims_page import ClaimsPage
from desk.ui.evidence.evidence_model import Role
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder

HOSTILE = "<b>x</b><img src=x>"


def open_claims(qtbot: QtBot, window: MainWindow, path: Path) -> ClaimsPage:
    """Open a case and switch to the claims workspace, as Alt+2 does."""
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        assert window.open_case(path)
    window.claims_mode.claims_mode_action.trigger()
    assert window.claims_mode.modes.currentWidget() is window.claims_mode.page
    return window.claims_mode.page


def type_and_leave(qtbot: QtBot, field: QWidget, text: str) -> None:
    """Replace a field's text by typing, then leave it (Return, or focus moving on)."""
    if isinstance(field, QLineEdit):
        field.selectAll()
        qtbot.keyClicks(field, text)
        qtbot.keyClick(field, Qt.Key.Key_Return)
        return
    assert isinstance(field, QPlainTextEdit)
    field.selectAll()
    for n, line in enumerate(text.split("\n")):
        if n:
            qtbot.keyClick(field, Qt.Key.Key_Return)
        qtbot.keyClicks(field, line)
    QApplication.sendEvent(field, QFocusEvent(QEvent.Type.FocusOut,
                                              Qt.FocusReason.TabFocusReason))


def add_statement(qtbot: QtBot, page: ClaimsPage, speaker: str, text: str) -> int:
    before = set(page.statements.cards)
    qtbot.mouseClick(page.statements.add_button, Qt.MouseButton.LeftButton)
    (sid,) = set(page.statements.cards) - before
    card = page.statements.cards[sid]
    type_and_leave(qtbot, card.fields["speaker"], speaker)
    type_and_leave(qtbot, card.fields["text"], text)
    return sid


def evidence_id(case: CaseFile, name: str) -> int:
    return next(e.id for e in case.list_evidence() if e.name == name)


def test_mode_switch_shows_the_claims_of_the_case(qtbot: QtBot, window: MainWindow,
                                                  case_path: Path) -> None:
    page = open_claims(qtbot, window, case_path)
    assert [r.text for r in page.claim_list.rows()] == ["A convoy left town"]
    assert page.current_claim_id() == 1
    assert page.claim_editor.fields["text"].text() == "A convoy left town"
    assert window.claims_mode.tabs.tabText(CLAIMS) == "Claims && verdicts"
    assert "Alt+2" in window.claims_mode.tabs.tabToolTip(CLAIMS)
    assert window.claims_mode.claims_mode_action.shortcut().toString() == "Alt+2"
    window.claims_mode.evidence_mode_action.trigger()
    assert window.claims_mode.modes.currentIndex() == EVIDENCE
    assert window.claims_mode.tabs.currentIndex() == EVIDENCE


def test_two_statements_with_different_counts_show_the_disagreement(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    page = open_claims(qtbot, window, case_path)
    dialogs.text_answer = "Ukrainian drones attacked the residence"
    qtbot.mouseClick(page.claim_list.add_button, Qt.MouseButton.LeftButton)
    claim_id = page.current_claim_id()
    assert claim_id == 2
    assert page.claim_editor.fields["text"].text() == "Ukrainian drones attacked the residence"
    assert not page.statements.banner.isVisible()

    add_statement(qtbot, page, "Foreign minister", "91 long-range drones attacked")
    assert not page.statements.banner.isVisible()  # one source cannot disagree with itself
    add_statement(qtbot, page, "Regional governor", "41 drones were shot down")

    assert page.statements.banner.isVisible()
    assert page.statements.banner_title.text() == "Statements disagree: 91 vs 41"
    assert "Foreign minister says 91" in page.statements.banner_detail.text()

    def chips() -> dict[str, list[str]]:
        return {card.fields["speaker"].text(): [c.text() for c in card.findChildren(
            QLabel, "FigureChip") if c.isVisible()] for card in page.statements.cards.values()}

    qtbot.waitUntil(lambda: chips() == {"Foreign minister": ["91"],
                                        "Regional governor": ["41"]})
    said = {s.speaker: s.text for s in window.case.statements(claim_id)}
    assert said == {"Foreign minister": "91 long-range drones attacked",
                    "Regional governor": "41 drones were shot down"}
    row = next(r for r in page.claim_list.rows() if r.id == claim_id)
    assert row.statements == 2 and row.disagree

    # Same figures in both: no banner.
    card = next(c for c in page.statements.cards.values()
                if c.fields["speaker"].text() == "Regional governor")
    type_and_leave(qtbot, card.fields["text"], "91 drones were shot down")
    assert not page.statements.banner.isVisible()


def test_claim_text_edit_is_one_undo_step(qtbot: QtBot, window: MainWindow,
                                          case_path: Path) -> None:
    page = open_claims(qtbot, window, case_path)
    field = page.claim_editor.fields["text"]
    type_and_leave(qtbot, field, "A convoy left town at dawn")
    assert window.case.get_claim(1).text == "A convoy left town at dawn"
    assert window.undo_stack.undoText() == "Edit claim text"
    assert page.claim_list.rows()[0].text == "A convoy left town at dawn"

    window.undo_action.trigger()
    assert window.case.get_claim(1).text == "A convoy left town"
    assert field.text() == "A convoy left town"
    window.redo_action.trigger()
    assert window.case.get_claim(1).text == "A convoy left town at dawn"
    assert field.text() == "A convoy left town at dawn"

    appearances = page.claim_editor.fields["appearances"]
    type_and_leave(qtbot, appearances, "https://example.org/a\n\n https://example.org/b ")
    assert window.case.get_claim(1).appearances == ["https://example.org/a",
                                                    "https://example.org/b"]


def test_link_evidence_with_a_stance_and_change_it(
        qtbot: QtBot, window: MainWindow, case_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    page = open_claims(qtbot, window, case_path)
    case = window.case
    road = evidence_id(case, "road_gps.jpg")
    edited = evidence_id(case, "edited.jpg")
    asked: list[set[int]] = []

    def choose(parent: object, model: object, claim_text: str,
               linked: set[int]) -> tuple[list[int], Stance]:
        asked.append(linked)
        return [road], Stance.CONTRADICTS

    monkeypatch.setattr(evidence_chooser, "choose_evidence", choose)
    qtbot.mouseClick(page.evidence.link_button, Qt.MouseButton.LeftButton)
    assert asked == [{edited}]  # the chooser leaves out what is linked already
    assert {lk.evidence_id: lk.stance for lk in case.claim_evidence(1)} == {
        edited: Stance.SUPPORTS, road: Stance.CONTRADICTS}
    row = page.evidence.rows[road]
    assert row.stance.currentText() == "Contradicts"
    assert row.name.text() == "road_gps.jpg"
    assert not row.thumb.pixmap().isNull()
    assert page.evidence.counts.text() == "1 supports · 1 contradicts"
    assert 1 in window.model.claims_of(window.model.row_of(road))  # the list's claim filter

    row.stance.setFocus()
    qtbot.keyClick(row.stance, Qt.Key.Key_Down)  # contradicts -> context
    assert {lk.evidence_id: lk.stance for lk in case.claim_evidence(1)}[road] == Stance.CONTEXT
    assert window.undo_stack.undoText() == "Change stance"
    window.undo_action.trigger()
    assert {lk.evidence_id: lk.stance for lk in case.claim_evidence(1)}[road] == \
        Stance.CONTRADICTS
    assert page.evidence.rows[road].stance.currentText() == "Contradicts"

    type_and_leave(qtbot, page.evidence.rows[road].note, "Same road, convoy heading west")
    assert {lk.evidence_id: lk.note for lk in case.claim_evidence(1)}[road] == \
        "Same road, convoy heading west"
    qtbot.mouseClick(page.evidence.rows[road].unlink_button, Qt.MouseButton.LeftButton)
    assert road not in page.evidence.rows
    assert [lk.evidence_id for lk in case.claim_evidence(1)] == [edited]


def test_evidence_list_menu_links_an_item_to_a_claim(qtbot: QtBot, window: MainWindow,
                                                     case_path: Path) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        window.open_case(case_path)
    case = window.case
    road = evidence_id(case, "road_gps.jpg")
    menu = link_menu(window, case, road)
    (claim_menu,) = [a.menu() for a in menu.actions() if a.menu() is not None]
    assert [a.text() for a in claim_menu.actions()] == ["Supports", "Contradicts", "Context"]
    assert not any(a.isChecked() for a in claim_menu.actions())
    menu.deleteLater()

    assert window.claims_mode.link_from_menu(road, 1, "supports")
    assert {lk.evidence_id: lk.stance for lk in case.claim_evidence(1)}[road] == Stance.SUPPORTS
    assert window.claims_mode.link_from_menu(road, 1, "context")  # changes the stance
    assert {lk.evidence_id: lk.stance for lk in case.claim_evidence(1)}[road] == Stance.CONTEXT
    menu = link_menu(window, case, road)
    checked = [a.text() for sub in menu.actions() if sub.menu() is not None
               for a in sub.menu().actions() if a.isChecked()]
    assert checked == ["Context"]
    menu.deleteLater()
    window.undo_action.trigger()
    window.undo_action.trigger()
    assert road not in {lk.evidence_id for lk in case.claim_evidence(1)}


def test_deleting_a_claim_asks_and_undo_brings_back_its_statements(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    page = open_claims(qtbot, window, case_path)
    case = window.case
    for speaker, text in (("Minister", "91 drones"), ("Governor", "41 drones")):
        window.undo_stack.push_command(commands.add_statement(case, Statement(0, 1, speaker,
                                                                              text)))
    assert len(page.statements.cards) == 2

    dialogs.answer = False
    qtbot.mouseClick(page.claim_list.delete_button, Qt.MouseButton.LeftButton)
    assert [c.id for c in case.list_claims()] == [1]  # the reviewer said no
    assert "with 2 statements and 1 evidence link?" in dialogs.questions[-1]

    dialogs.answer = True
    qtbot.mouseClick(page.claim_list.delete_button, Qt.MouseButton.LeftButton)
    assert case.list_claims() == [] and case.statements() == []
    assert page.claim_list.rows() == []
    assert page.placeholder.isVisible()

    window.undo_action.trigger()
    assert [c.id for c in case.list_claims()] == [1]
    assert sorted(s.speaker for s in case.statements(1)) == ["Governor", "Minister"]
    assert len(case.claim_evidence(1)) == 1
    assert page.current_claim_id() == 1
    assert len(page.statements.cards) == 2
    assert page.statements.banner_title.text() == "Statements disagree: 91 vs 41"


def test_undo_of_an_edit_to_another_claim_shows_that_claim(
        qtbot: QtBot, window: MainWindow, case_path: Path, dialogs: DialogRecorder) -> None:
    page = open_claims(qtbot, window, case_path)
    type_and_leave(qtbot, page.claim_editor.fields["claimant"], "State TV")
    dialogs.text_answer = "Second claim"
    page.add_claim()
    assert page.current_claim_id() == 2
    window.undo_action.trigger()  # the add
    window.undo_action.trigger()  # the claimant of claim 1
    assert page.current_claim_id() == 1
    assert page.claim_editor.fields["claimant"].text() == ""


def test_untrusted_case_text_shows_literally(qtbot: QtBot, window: MainWindow,
                                             case_path: Path, dialogs: DialogRecorder) -> None:
    page = open_claims(qtbot, window, case_path)
    case = window.case
    type_and_leave(qtbot, page.claim_editor.fields["text"], HOSTILE)
    type_and_leave(qtbot, page.claim_editor.fields["claimant"], HOSTILE)
    for n in (91, 41):
        window.undo_stack.push_command(commands.add_statement(
            case, Statement(0, 1, HOSTILE, f"{HOSTILE} {n} drones", venue=HOSTILE)))
    assert case.get_claim(1).text == HOSTILE
    assert page.claim_list.rows()[0].text == HOSTILE
    for card in page.statements.cards.values():
        assert card.fields["speaker"].text() == HOSTILE
        assert card.fields["text"].text().startswith(HOSTILE)
    assert HOSTILE in page.statements.banner_detail.text()
    shown = [label for label in page.findChildren(QLabel) if "<" in label.text()]
    assert shown, "the hostile text should be on screen somewhere"
    assert all(label.textFormat() == Qt.TextFormat.PlainText for label in shown)
    page.delete_claim(1)
    assert HOSTILE in dialogs.questions[-1]


def test_a_read_only_case_shows_claims_but_refuses_edits(qtbot: QtBot,
                                                          case_path: Path) -> None:
    from desk.ui.common.undo import CaseUndoStack

    with CaseFile.open(case_path, read_only=True) as case:
        stack = CaseUndoStack()
        stack.set_case(case)
        page = ClaimsPage(stack)
        qtbot.addWidget(page)
        page.set_case(case)
        assert page.current_claim_id() == 1
        assert page.claim_editor.fields["text"].text() == "A convoy left town"
        assert not page.claim_list.add_button.isEnabled()
        assert not page.claim_list.delete_button.isEnabled()
        assert not page.statements.add_button.isEnabled()
        assert not page.evidence.link_button.isEnabled()
        assert page.claim_editor.fields["text"].isReadOnly()
        assert not page.verdict_editor.scale.isEnabled()
        assert "read-only" in page.verdict_editor.status.text()
        assert page.add_claim() is None and not page.delete_claim(1)
        page.set_case(None)


def test_the_evidence_chooser_leaves_out_linked_items(qtbot: QtBot, window: MainWindow,
                                                      case_path: Path) -> None:
    open_claims(qtbot, window, case_path)
    case = window.case
    edited = evidence_id(case, "edited.jpg")
    road = evidence_id(case, "road_gps.jpg")
    chooser = evidence_chooser.EvidenceChooser(window.model, "A convoy left town", {edited})
    qtbot.addWidget(chooser)
    shown = {int(chooser.proxy.index(r, 0).data(Role.ID))
             for r in range(chooser.proxy.rowCount())}
    assert edited not in shown and road in shown and len(shown) == 5
    assert not chooser.link_button.isEnabled()
    chooser.search.setText("road")
    assert chooser.proxy.rowCount() == 1
    chooser.select_ids({road})
    assert chooser.chosen_ids() == [road]
    assert chooser.link_button.text() == "Link 1 item"
    assert chooser.stance.stance() == Stance.CONTEXT


def test_alt_2_and_alt_1_switch_workspaces(qtbot: QtBot, window: MainWindow,
                                           case_path: Path) -> None:
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        window.open_case(case_path)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert window.claims_mode.modes.currentIndex() == CLAIMS
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    assert window.claims_mode.modes.currentIndex() == EVIDENCE
