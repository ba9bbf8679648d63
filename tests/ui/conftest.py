"""GUI tests run offscreen, with their own QSettings, and never show a real modal dialog.

Every dialog function in desk.ui.common.dialogs is replaced by a recorder (`dialogs` fixture) whose
answers a test can set; an unexpected error dialog is then visible in `dialogs.errors`.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if hasattr(os, "geteuid") and os.geteuid() == 0:  # Chromium refuses its sandbox as root
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6 import QtWebEngineWidgets  # noqa: F401 - before pytest-qt makes the QApplication
from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.model import Claim, Geolocation
from desk.ui.map.tile_scheme import register_scheme
from desk.ui.shell.main_window import MainWindow
from tests.ui.images import make_jpeg

register_scheme()  # as desk does, before pytest-qt makes the QApplication

#: The map in window tests: no tile servers, no online geocoder.
OFFLINE_MAP = {"base_layers": (), "search_online": False}

#: A name and an EXIF value that would render as markup if any view treated them as rich text.
HOSTILE_NAME = "<b>bold<b><img src=x>.jpg"
HOSTILE_MAKE = "<i>Evil</i> <a href='x'>Corp</a>"


@dataclass
class DialogRecorder:
    """Stands in for desk.ui.common.dialogs: records what would have been shown, answers as told."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    answer: bool = True
    text_answer: str | None = "Test case"
    open_path: Path | None = None
    save_path: Path | None = None
    import_files: list[Path] = field(default_factory=list)
    import_folder: Path | None = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from desk.ui.common import dialogs

        monkeypatch.setattr(dialogs, "show_error",
                            lambda parent, title, message, detail="": self.errors.append(
                                (title, message)))
        monkeypatch.setattr(dialogs, "inform",
                            lambda parent, title, message: self.infos.append((title, message)))
        monkeypatch.setattr(dialogs, "ask", self._ask)
        monkeypatch.setattr(dialogs, "ask_text", lambda *a, **k: self.text_answer)
        monkeypatch.setattr(dialogs, "choose_case_to_open", lambda *a, **k: self.open_path)
        monkeypatch.setattr(dialogs, "choose_new_case_path", lambda *a, **k: self.save_path)
        monkeypatch.setattr(dialogs, "choose_files_to_import",
                            lambda *a, **k: list(self.import_files))
        monkeypatch.setattr(dialogs, "choose_folder_to_import",
                            lambda *a, **k: self.import_folder)

    def _ask(self, parent: object, title: str, question: str, *args: object,
             **kwargs: object) -> bool:
        self.questions.append(question)
        return self.answer


@pytest.fixture(autouse=True)
def dialogs(monkeypatch: pytest.MonkeyPatch) -> DialogRecorder:
    recorder = DialogRecorder()
    recorder.install(monkeypatch)
    return recorder


@pytest.fixture(autouse=True)
def _isolated_settings(qapp: QApplication, tmp_path: Path) -> Iterator[None]:
    """QSettings in a per-test folder, so recent files and geometry never leak between tests."""
    from desk.ui.shell.app import create_application

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                      str(tmp_path / "settings"))
    create_application()
    yield


def flush_events(qtbot: QtBot) -> None:
    """Until every event already queued (posted events, zero-delay timers) has been handled:
    a zero-delay timer set now fires after them."""
    fired: list[bool] = []
    QTimer.singleShot(0, lambda: fired.append(True))
    qtbot.waitUntil(lambda: bool(fired), timeout=5_000)


def _flush_deletes() -> None:
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QCoreApplication.processEvents()


@pytest.fixture
def window(qtbot: QtBot, dialogs: DialogRecorder) -> Iterator[MainWindow]:
    """The main window, shown; closed at the end, and no top-level widget may outlive it.

    Its map (Qt WebEngine) starts only when a test asks for it (`window.ensure_map()`), so
    tests that do not need it stay fast and never race its start-up timer.
    """
    win = MainWindow(map_options=OFFLINE_MAP, map_delay_ms=None)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    win.deleteLater()
    _flush_deletes()
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert not leaked, f"top-level widgets left open: {leaked}"


@pytest.fixture
def map_window(qtbot: QtBot, dialogs: DialogRecorder) -> Iterator[MainWindow]:
    """The main window with its map, which starts as soon as a case opens (offline).

    Closing the window disposes the map's web view; the deferred deletes are flushed here
    so no QtWebEngine page outlives the test.
    """
    win = MainWindow(map_options=OFFLINE_MAP, map_delay_ms=0)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()
    assert win.map_panel is None  # disposed when the window closed
    win.deleteLater()
    _flush_deletes()
    leaked = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
    assert not leaked, f"top-level widgets left open: {leaked}"


# ----------------------------------------------------------------------------- cases


def _build_template(folder: Path) -> Path:
    """A small case covering what the list and inspector must show differently."""
    src = folder / "src"
    files = [
        make_jpeg(src / "road_gps.jpg", 640, 360, seed=1, captured="2024:04:12 07:41:10",
                  gps=(49.7105, 37.6156), make="Apple", model="iPhone 12"),
        make_jpeg(src / "stripped.jpg", 640, 360, seed=2),
        make_jpeg(src / "edited.jpg", 800, 450, seed=3, captured="2024:04:12 08:02:00",
                  software="Adobe Photoshop 25.0", make="DJI", model="Mavic 3"),
        make_jpeg(src / HOSTILE_NAME, 400, 300, seed=4, make=HOSTILE_MAKE),
        make_jpeg(src / "another_gps.jpg", 640, 360, seed=5, captured="2024:04:11 18:00:00",
                  gps=(49.71, 37.62)),
        make_jpeg(src / "zz_late.jpg", 320, 240, seed=6, captured="2024:04:13 09:00:00"),
    ]
    path = folder / "template.deskcase"
    with CaseFile.create(path, "Template case") as case:
        report = import_files(case, files)
        assert len(report.imported) == len(files), report.to_json()
        by_name = {e.name: e.id for e in case.list_evidence()}
        commands.set_geolocation(Geolocation(by_name["road_gps.jpg"], 49.7105, 37.6156)).apply(
            case)
        claim = commands.add_claim(case, Claim(0, "A convoy left town"))
        claim.apply(case)
        claim_id = commands.created_id(claim)
        assert claim_id is not None
        commands.link_evidence(claim_id, by_name["edited.jpg"], "supports").apply(case)
    return path


@pytest.fixture(scope="session")
def template_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build_template(tmp_path_factory.mktemp("template"))


@pytest.fixture
def case_path(template_case: Path, tmp_path: Path) -> Path:
    """A fresh copy of the template case for one test (a closed file: a plain copy is fine)."""
    target = tmp_path / "case.deskcase"
    shutil.copyfile(template_case, target)
    return target


@pytest.fixture
def case(case_path: Path) -> Iterator[CaseFile]:
    with CaseFile.open(case_path) as opened:
        yield opened
