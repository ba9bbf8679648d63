"""Starting the app: `desk CASE` opens the window and the case; start-up stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from desk.ui.shell import app as app_module
from desk.ui.shell.main_window import MainWindow


def test_run_opens_the_window_with_the_case_and_returns_on_close(qtbot: QtBot,
                                                                  case_path: Path) -> None:
    seen: dict[str, object] = {}

    def close_when_open() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if windows and windows[0].case is not None:
            seen["title"] = windows[0].windowTitle()
            seen["items"] = windows[0].model.rowCount()
            windows[0].close()
        else:
            QTimer.singleShot(20, close_when_open)

    QTimer.singleShot(0, close_when_open)
    assert app_module.run(case_path) == 0
    assert seen == {"title": "Template case — desk", "items": 6}
    assert QApplication.organizationName() == "desk"


def test_startup_does_not_load_heavy_modules() -> None:
    code = (
        "import sys, desk.ui.shell.app, desk.ui.shell.main_window;"
        "heavy = [m for m in ('PIL', 'desk.core.intake', 'multiprocessing', 'sqlite3',"
        " 'PySide6.QtWebEngineWidgets', 'PySide6.QtWebEngineCore') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True, env={"QT_QPA_PLATFORM": "offscreen"})
    assert result.stdout.strip() == ""


def test_the_ui_never_opens_sqlite_itself() -> None:
    ui = Path(app_module.__file__).parent
    offenders = [p.name for p in ui.glob("*.py")
                 if "import sqlite3" in p.read_text() or "from sqlite3" in p.read_text()]
    assert offenders == []


def test_a_shipped_sample_named_on_the_command_line_opens_as_a_working_copy(
    window: MainWindow,
) -> None:
    from desk.bundled import sample_cases_dir

    sample = sample_cases_dir() / "valdai.deskcase"
    before = sample.read_bytes()
    app_module.open_path(window, sample)
    assert window.case is not None
    assert window.case.path.resolve() != sample.resolve()
    assert window.case.title.startswith("Valdai")
    window.close_case()
    assert sample.read_bytes() == before


def test_drop_down_boxes_show_their_arrow(qtbot: QtBot) -> None:
    """The stylesheet draws the arrow from an SVG file: it must exist and Qt must read it
    (the installer keeps Qt's SVG image plugin for this)."""
    from PySide6.QtGui import QImage

    from desk.ui.common import theme

    assert f"url({theme._COMBO_ARROW})" in theme.STYLESHEET
    assert not QImage(theme._COMBO_ARROW).isNull()
