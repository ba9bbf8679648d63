"""Starting the window: `desk` and `desk CASE` land here (see desk/cli/), once
desk.cli.display has checked, before Qt loads, that there is a display and the system
libraries Qt's window needs.

Only Qt's widgets and the window's own modules load before the window shows; the intake
machinery, Pillow and the like load when first used, so the window appears quickly.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

if TYPE_CHECKING:
    from desk.ui.shell.main_window import MainWindow

ORGANIZATION = "desk"
APPLICATION = "desk"


def open_path(window: MainWindow, path: Path) -> None:
    """Open a case named on the command line; a shipped sample opens as the reviewer's own
    working copy, so trying desk never changes the sample files."""
    from desk.bundled import sample_cases_dir

    if path.suffix == ".deskcase" and path.resolve().parent == sample_cases_dir().resolve():
        window.open_sample(path)
    else:
        window.open_case(path)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The QApplication, named for QSettings and styled; reused if one exists (tests)."""
    # Qt WebEngine (the map) must be loaded before the QApplication exists: it sets up the
    # OpenGL context sharing it needs when its library loads.
    from PySide6 import QtWebEngineWidgets  # noqa: F401

    from desk.ui.shell.sandbox import disable_sandbox_if_root

    if disable_sandbox_if_root():
        print("desk: running as root, so Qt WebEngine's sandbox is off for the map.",
              file=sys.stderr)
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        from desk.ui.map.tile_scheme import register_scheme

        register_scheme()  # tile packs reach the map through it; Qt wants it declared first
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    from desk.ui.common import icons, theme

    theme.apply_theme(app)
    app.setWindowIcon(icons.icon("case", theme.ACCENT))
    return app


def run(path: Path | None = None) -> int:
    """Show the window (opening `path` once it is on screen) and run until it closes."""
    app = create_application()
    from desk.ui.shell.main_window import MainWindow

    window = MainWindow()
    window.show()
    if path is not None:
        QTimer.singleShot(0, lambda: open_path(window, Path(path)))
    previous = sys.excepthook
    sys.excepthook = lambda kind, value, tb: _unexpected(window, kind, value, tb)
    try:
        return app.exec()
    finally:
        sys.excepthook = previous


def _unexpected(window: QWidget, kind: type[BaseException], value: BaseException,
                tb: TracebackType | None) -> None:
    """Last line of defence: the details go to the terminal, the reviewer gets a sentence."""
    traceback.print_exception(kind, value, tb, file=sys.stderr)
    from desk.ui.common import dialogs

    dialogs.show_error(
        window,
        "Unexpected problem",
        "desk ran into a problem it did not expect.\n\n"
        "Your case is safe: every change was saved when it was made. If this keeps happening,"
        " please report it with the details printed in the terminal.",
    )
