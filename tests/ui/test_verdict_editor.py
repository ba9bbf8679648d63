"""The verdict editor: one fixed rating scale, a separate confidence, summary, rationale and a
tri-state checklist; recorded once rating and confidence are chosen, stamped, undoable."""

from __future__ import annotations

import json
import re
from pathlib import Path

from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.model import Confidence, Rating
from desk.ui.claims.claim_style import RATING_DEFINITIONS
from desk.ui.claims.verdict_editor import CHECK_STATES, CONFIDENCES, VerdictEditor
from desk.ui.shell.main_window import MainWindow
from tests.ui.test_claims_page import open_claims, type_and_leave

STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")


def click_rating(qtbot: QtBot, editor: VerdictEditor, rating: Rating) -> None:
    qtbot.mouseClick(editor.rating_options[rating].radio, Qt.MouseButton.LeftButton)


def click_confidence(qtbot: QtBot, editor: VerdictEditor, confidence: Confidence) -> None:
    button = editor.confidence.buttons[CONFIDENCES.index(confidence)]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def click_check(qtbot: QtBot, editor: VerdictEditor, key: str, state: bool | None) -> None:
    button = editor.checklist.rows[key].buttons[CHECK_STATES.index(state)]
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)


def shown_check(editor: VerdictEditor, key: str) -> bool | None:
    index = editor.checklist.rows[key].current()
    assert index is not None
    return CHECK_STATES[index]


def test_the_scale_is_fixed_in_order_with_definitions(qtbot: QtBot, window: MainWindow,
                                                      case_path: Path) -> None:
    editor = open_claims(qtbot, window, case_path).verdict_editor
    assert [o.radio.text() for o in editor.rating_options.values()] == [
        "False", "Misleading", "Unproven", "Partly confirmed", "Confirmed"]
    assert "no evidence and none is found" in RATING_DEFINITIONS[Rating.UNPROVEN]
    assert editor.rating_options[Rating.UNPROVEN].definition.text() == \
        RATING_DEFINITIONS[Rating.UNPROVEN]
    assert [b.text() for b in editor.confidence.buttons] == ["High", "Moderate", "Low"]
    assert [editor.checklist.labels[k].text() for k in editor.checklist.rows] == [
        "Source identified", "Original found", "Date checked", "Location checked",
        "Movement and time checked (where relevant)", "Alternative explanations considered"]
    assert all(shown_check(editor, k) is False for k in editor.checklist.rows)  # all open


def test_a_verdict_is_recorded_stamped_and_found_again_after_reopening(
        qtbot: QtBot, window: MainWindow, case_path: Path) -> None:
    page = open_claims(qtbot, window, case_path)
    editor = page.verdict_editor
    case = window.case
    steps = window.undo_stack.count()

    # A rating alone is a draft: saved in the case as a draft, not a verdict, and the editor
    # says so; each choice is its own undo step.
    click_rating(qtbot, editor, Rating.UNPROVEN)
    type_and_leave(qtbot, editor.summary, "No evidence offered; the counts disagree.")
    click_check(qtbot, editor, "source_identified", True)
    click_check(qtbot, editor, "movement_checked", None)
    assert case.verdict(1) is None
    draft = case.verdict_draft(1)
    assert draft is not None and draft.rating == Rating.UNPROVEN
    assert draft.summary == "No evidence offered; the counts disagree."
    assert window.undo_stack.count() == steps + 4
    # Edit ▸ Undo names the core's action, as the command line's `--check` does.
    assert window.undo_stack.undoText() == commands.set_checklist_item(
        case, 1, "movement_checked", None).description
    assert "Choose a confidence" in editor.status.text()
    assert "draft" in editor.status.text()

    # The confidence, a separate control, records it with all of the above and ends the draft.
    click_confidence(qtbot, editor, Confidence.LOW)
    verdict = case.verdict(1)
    assert verdict is not None
    assert (verdict.rating, verdict.confidence) == (Rating.UNPROVEN, Confidence.LOW)
    assert verdict.summary == "No evidence offered; the counts disagree."
    assert "low" not in verdict.summary.lower()  # confidence never joins the rating sentence
    assert verdict.checklist == {"source_identified": True, "movement_checked": None}
    assert verdict.reviewer == "Test Reviewer"
    assert STAMP.fullmatch(verdict.decided_at)
    assert case.verdict_draft(1) is None
    assert window.undo_stack.count() == steps + 5
    assert window.undo_stack.undoText() == commands.RECORD_VERDICT.undo_text
    assert editor.status.text().startswith("Recorded by Test Reviewer · ")
    assert page.claim_list.rows()[0].rating == Rating.UNPROVEN

    # From now on every change is saved at once.
    type_and_leave(qtbot, editor.rationale, "The claimant offered nothing; none was found.")
    click_check(qtbot, editor, "original_found", None)
    click_rating(qtbot, editor, Rating.MISLEADING)
    verdict = case.verdict(1)
    assert verdict is not None and verdict.rating == Rating.MISLEADING
    assert verdict.rationale == "The claimant offered nothing; none was found."
    stored = case.conn.execute("SELECT checklist FROM verdict WHERE claim_id = 1").fetchone()[0]
    assert json.loads(stored) == {"source_identified": True, "movement_checked": None,
                                  "original_found": None}
    window.undo_action.trigger()
    assert case.verdict(1).rating == Rating.UNPROVEN  # type: ignore[union-attr]
    assert editor.rating_options[Rating.UNPROVEN].radio.isChecked()
    window.redo_action.trigger()

    window.close_case()
    page = open_claims(qtbot, window, case_path)
    editor = page.verdict_editor
    assert editor.rating_options[Rating.MISLEADING].radio.isChecked()
    assert editor.confidence.current() == CONFIDENCES.index(Confidence.LOW)
    assert editor.summary.text() == "No evidence offered; the counts disagree."
    assert editor.rationale.text() == "The claimant offered nothing; none was found."
    assert shown_check(editor, "movement_checked") is None
    assert shown_check(editor, "original_found") is None
    assert shown_check(editor, "source_identified") is True
    assert shown_check(editor, "date_checked") is False
    assert editor.check_counts.text() == "1 done · 3 open · 2 N/A"
    assert editor.status.text().startswith("Recorded by Test Reviewer · ")


def test_undoing_the_first_record_leaves_no_verdict(qtbot: QtBot, window: MainWindow,
                                                    case_path: Path) -> None:
    editor = open_claims(qtbot, window, case_path).verdict_editor
    click_confidence(qtbot, editor, Confidence.HIGH)
    click_rating(qtbot, editor, Rating.CONFIRMED)
    assert window.case.verdict(1) is not None
    window.undo_action.trigger()  # back to the draft: the confidence chosen first
    assert window.case.verdict(1) is None
    assert not any(o.radio.isChecked() for o in editor.rating_options.values())
    assert editor.confidence.current() == CONFIDENCES.index(Confidence.HIGH)
    assert "Choose a rating to record it; what you set here is a draft" in editor.status.text()
    window.undo_action.trigger()
    assert window.case.verdict_draft(1) is None
    assert editor.confidence.current() is None
    assert "No verdict recorded yet" in editor.status.text()


def test_a_draft_survives_closing_the_case(qtbot: QtBot, window: MainWindow,
                                           case_path: Path) -> None:
    """A rationale written before the rating is decided is work a crash must not take."""
    editor = open_claims(qtbot, window, case_path).verdict_editor
    type_and_leave(qtbot, editor.rationale, "Two officials, two counts (91, 41); no images.")
    click_check(qtbot, editor, "source_identified", True)
    window.close_case()
    editor = open_claims(qtbot, window, case_path).verdict_editor
    assert editor.rationale.text() == "Two officials, two counts (91, 41); no images."
    assert shown_check(editor, "source_identified") is True
    assert "draft" in editor.status.text()
    assert window.case.verdict(1) is None
