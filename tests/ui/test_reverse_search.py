"""Reverse image search from the window: the dialog says what leaves the machine; a confirmed
send opens the engine (through a recorder, never a real browser), writes the file when there
is no public URL, and is recorded; a cancelled dialog sends, writes and records nothing."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QRectF, QUrl
from PySide6.QtGui import QGuiApplication
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core import reverse_search as rs
from desk.ui.frame.reverse_search_dialog import (
    BY_URL,
    IN_VIEW,
    WHOLE,
    ReverseSearchDialog,
)
from desk.ui.shell.main_window import MainWindow
from tests.ui.conftest import DialogRecorder

TIMEOUT = 30_000
SOURCE = "https://t.me/some_channel/4711?single"


class Browser:
    """Stands in for the system browser: records every address desk asks it to open."""

    def __init__(self) -> None:
        self.opened: list[str] = []

    def __call__(self, url: QUrl) -> bool:
        self.opened.append(url.toString(QUrl.ComponentFormattingOption.FullyEncoded))
        return True


@pytest.fixture
def browser(window: MainWindow, case_path: Path, qtbot: QtBot) -> Browser:
    assert window.open_case(case_path)
    recorder = Browser()
    window.reverse_search.opener = recorder
    return recorder


def _select(window: MainWindow, qtbot: QtBot, name: str) -> int:
    assert window.case is not None
    evidence_id = next(e.id for e in window.case.list_evidence() if e.name == name)
    window.evidence_list.select_evidence(evidence_id)
    qtbot.waitUntil(lambda: window.frame_view.is_full_resolution, timeout=TIMEOUT)
    return evidence_id


def _answer(window: MainWindow, engine: str, what: str, seen: list[str],
            accept: bool = True) -> None:
    def ask(dialog: ReverseSearchDialog) -> bool:
        dialog.choose(engine, what)
        seen.append(dialog.what_leaves())
        return accept

    window.reverse_search.ask = ask


def _sends(window: MainWindow) -> list[dict[str, object]]:
    assert window.case is not None
    return [json.loads(e.detail) for e in window.case.audit_entries()
            if e.action == rs.SEND_ACTION]


def test_a_public_source_url_is_all_that_is_sent(qtbot: QtBot, window: MainWindow,
                                                 browser: Browser, tmp_path: Path) -> None:
    evidence_id = _select(window, qtbot, "road_gps.jpg")
    window.undo_stack.push_command(commands.set_provenance(evidence_id, "source_url", SOURCE))
    seen: list[str] = []
    _answer(window, "google", BY_URL, seen)
    window.reverse_search_action.trigger()
    assert browser.opened == [
        "https://lens.google.com/uploadbyurl?url="
        "https%3A%2F%2Ft.me%2Fsome_channel%2F4711%3Fsingle"]
    assert SOURCE in seen[0] and "Only that address leaves this machine" in seen[0]
    assert "Google" in seen[0]
    sends = _sends(window)
    assert len(sends) == 1 and sends[0]["url"] == SOURCE and sends[0]["engine"] == "Google Lens"
    assert not rs.upload_folder().exists() or not any(rs.upload_folder().iterdir())


def test_without_a_url_the_still_is_written_copied_and_the_upload_page_opened(
        qtbot: QtBot, window: MainWindow, browser: Browser, dialogs: DialogRecorder) -> None:
    evidence_id = _select(window, qtbot, "stripped.jpg")
    seen: list[str] = []
    _answer(window, "tineye", WHOLE, seen)
    window.reverse_search_action.trigger()
    qtbot.waitUntil(lambda: bool(browser.opened), timeout=TIMEOUT)
    assert browser.opened == ["https://tineye.com/"]
    assert "without the original's metadata" in seen[0] and "TinEye" in seen[0]
    files = list(rs.upload_folder().iterdir())
    assert len(files) == 1 and files[0].name.startswith(f"desk-item-{evidence_id}-")
    data = files[0].read_bytes()
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (640, 360)
    (send,) = _sends(window)
    assert send["sha256"] == hashlib.sha256(data).hexdigest() and send["bytes"] == len(data)
    assert send["region"] == {"x": 0, "y": 0, "width": 640, "height": 360}
    assert send["whole_still"] is True and send["recipient"] == "Idée Inc."
    # The reviewer is told which file to paste or drag, and it is on the clipboard.
    _title, message = dialogs.infos[-1]
    assert str(files[0]) in message
    clip = QGuiApplication.clipboard().image()
    assert (clip.width(), clip.height()) == (640, 360)


def test_the_part_in_view_is_sent_as_a_region(qtbot: QtBot, window: MainWindow,
                                              browser: Browser) -> None:
    _select(window, qtbot, "edited.jpg")
    window.frame_view.zoom_to(QRectF(100, 50, 200, 100))
    seen: list[str] = []
    _answer(window, "yandex", IN_VIEW, seen)
    window.reverse_search_action.trigger()
    qtbot.waitUntil(lambda: bool(browser.opened), timeout=TIMEOUT)
    (send,) = _sends(window)
    region = send["region"]
    assert isinstance(region, dict) and send["whole_still"] is False
    # The view keeps the region's aspect to the viewport's: at least the region is in it.
    assert region["x"] <= 100 and region["y"] <= 50
    assert region["x"] + region["width"] >= 300 and region["y"] + region["height"] >= 150
    assert region["width"] < 800 or region["height"] < 450
    (path,) = rs.upload_folder().iterdir()
    with Image.open(path) as image:
        assert image.size == (region["width"], region["height"])
    assert f"{region['width']} × {region['height']} px" in seen[0]


def test_cancelling_the_dialog_sends_writes_and_records_nothing(
        qtbot: QtBot, window: MainWindow, browser: Browser) -> None:
    evidence_id = _select(window, qtbot, "road_gps.jpg")
    window.undo_stack.push_command(commands.set_provenance(evidence_id, "source_url", SOURCE))
    for what in (BY_URL, WHOLE):
        seen: list[str] = []
        _answer(window, "bing", what, seen, accept=False)
        window.reverse_search_action.trigger()
        assert seen  # the dialog was shown
    assert not window.reverse_search.busy
    assert browser.opened == []
    assert _sends(window) == []
    assert not rs.upload_folder().exists() or not any(rs.upload_folder().iterdir())
    assert "nothing was sent" in window.statusBar().currentMessage()


def test_a_private_source_url_cannot_be_chosen(qtbot: QtBot, window: MainWindow,
                                               browser: Browser) -> None:
    evidence_id = _select(window, qtbot, "road_gps.jpg")
    window.undo_stack.push_command(commands.set_provenance(
        evidence_id, "source_url", "http://192.168.1.10/drop/photo.jpg"))
    assert window.case is not None
    item = window.case.get_evidence(evidence_id)
    dialog = ReverseSearchDialog(item, None)
    qtbot.addWidget(dialog)
    assert not dialog.by_url.isEnabled() and dialog.whole.isChecked()
    assert "not a public web address" in dialog.url_note.text()
    assert "192.168" not in dialog.what_leaves()
    with pytest.raises(ValueError):
        dialog.choose("google", BY_URL)


def test_a_read_only_case_sends_nothing(qtbot: QtBot, window: MainWindow, case_path: Path,
                                        dialogs: DialogRecorder) -> None:
    from desk.core.casefile import CaseFile

    window.close_case()
    case = CaseFile.open(case_path, read_only=True)
    try:
        browser = Browser()
        window.reverse_search.opener = browser
        shown: list[str] = []
        window.reverse_search.ask = lambda dialog: bool(shown.append("asked")) or True
        assert not window.reverse_search.start(case, case.list_evidence()[0], None)
        assert browser.opened == [] and shown == []
        assert "read-only" in dialogs.errors[-1][1]
    finally:
        case.close()
