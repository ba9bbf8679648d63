"""Team ▸ in the window: the team panel in a dock, its actions, and what ties it to the case.

The dock follows the open case; the background sync (`TeamSync`) hears of every edit (to sync
it once the reviewer pauses), waits while an import writes the case, and after a sync that
brought others' edits the window reads the case again where it was.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QFormLayout,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import dialogs
from desk.ui.common.labels import plain_label
from desk.ui.team.team_panel import TeamPanel
from desk.ui.team.team_sync import TeamSync

if TYPE_CHECKING:
    from desk.team.sync import SyncReport
    from desk.ui.shell.main_window import MainWindow

URL_HINT = "postgresql://NAME@HOST:5432/DATABASE"
#: The team dock's narrowest: a conflict's value, its author and Keep on one line.
PANEL_MIN_WIDTH = 340


class ServerDialog(QDialog):
    """The server's connection string and, when libpq will not find one, the password."""

    def __init__(self, parent: QWidget | None, url: str = "", *,
                 password_only: bool = False, where: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle("Team server")
        column = QVBoxLayout(self)
        text = (f"{where} asks for a password. It is kept in memory until desk closes,"
                " never written down." if password_only else
                "The team's PostgreSQL server, as the administrator gave it. The case file"
                " stays your working copy; desk syncs it in the background. The address is"
                " remembered on this machine without its password.")
        intro = plain_label(text)
        intro.setMinimumWidth(420)
        column.addWidget(intro)
        form = QFormLayout()
        self.url_field = QLineEdit(url)
        self.url_field.setObjectName("TeamUrl")
        self.url_field.setPlaceholderText(URL_HINT)
        self.password_field = QLineEdit()
        self.password_field.setObjectName("TeamPassword")
        self.password_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.password_field.setPlaceholderText("from PGPASSWORD or ~/.pgpass when empty")
        if not password_only:
            form.addRow("Server", self.url_field)
        form.addRow("Password", self.password_field)
        column.addLayout(form)
        self.error = plain_label(role="error")
        self.error.hide()
        column.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        column.addWidget(buttons)
        self._password_only = password_only

    def _accept(self) -> None:
        if not self._password_only:
            import psycopg
            from psycopg import conninfo

            try:
                conninfo.conninfo_to_dict(self.url_field.text().strip())
            except psycopg.ProgrammingError:
                self.error.setText(f"That is not a PostgreSQL connection string; give one"
                                   f" like {URL_HINT}.")
                self.error.show()
                return
            if not self.url_field.text().strip():
                self.error.setText(f"Give the server's address, like {URL_HINT}.")
                self.error.show()
                return
        self.accept()


def ask_server(parent: QWidget | None, url: str) -> tuple[str, str] | None:
    """(connection string, password or "") for sharing the case; None when cancelled. Tests
    replace this."""
    dialog = ServerDialog(parent, url)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.url_field.text().strip(), dialog.password_field.text()


def ask_password(parent: QWidget | None, where: str) -> str | None:
    """The server's password for this session; None when cancelled. Tests replace this."""
    dialog = ServerDialog(parent, password_only=True, where=where)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return dialog.password_field.text()


class TeamDesk(QObject):
    """The window's team desk: dock, panel, background sync and the Team menu's actions."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self._window = window
        self.sync = TeamSync(self)
        self.panel = TeamPanel(self.sync, window.undo_stack.push_command)
        self.dock = QDockWidget("Team", window)
        self.dock.setObjectName("TeamDock")
        self.dock.setWidget(self.panel)
        self.dock.setAllowedAreas(Qt.DockWidgetArea.RightDockWidgetArea
                                  | Qt.DockWidgetArea.LeftDockWidgetArea)
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.setMinimumWidth(PANEL_MIN_WIDTH)
        self.dock.hide()

        self.panel_action = self.dock.toggleViewAction()
        self.panel_action.setText("Team Panel")
        self.panel_action.setShortcut(QKeySequence("Ctrl+Shift+T"))
        self.panel_action.setStatusTip("Show the team panel: sync state, colleagues, conflicts"
                                       " and verdicts waiting for sign-off")
        window.addAction(self.panel_action)
        self.sync_action = QAction("Sync Now", window)
        self.sync_action.setShortcut(QKeySequence("Ctrl+Shift+Y"))
        self.sync_action.setStatusTip("Send this copy's edits to the team server and merge"
                                      " the others'")
        self.sync_action.triggered.connect(self.sync_now)
        window.addAction(self.sync_action)
        self.share_action = QAction("Share with Team Server…", window)
        self.share_action.setStatusTip("Choose the team server this case syncs with")
        self.share_action.triggered.connect(self.choose_server)
        window.addAction(self.share_action)

        window.caseOpened.connect(self._case_opened)
        window.caseClosed.connect(self._case_closed)
        window.undo_stack.applied.connect(self._edited)
        window.importRunning.connect(self.sync.set_paused)
        self.sync.changed.connect(self._update_actions)
        self.sync.caseMerged.connect(self._merged)
        self.sync.passwordNeeded.connect(self._ask_password)
        self.panel.connectRequested.connect(self.choose_server)
        self.panel.showRequested.connect(self._show)
        self.panel.sendBackRequested.connect(self._send_back)
        self.dock.visibilityChanged.connect(lambda shown: self.panel.refresh() if shown
                                            else None)
        self._reloading = False
        self._update_actions()

    def actions(self) -> list[QAction]:
        return [self.panel_action, self.sync_action, self.share_action]

    # ----------------------------------------------------------------- the case

    def _case_opened(self, *_: object) -> None:
        case = self._window.case
        self.sync.set_case(case)
        self.panel.set_case(case)

    def _case_closed(self) -> None:
        if self._window.case is None and not self._reloading:
            self.sync.set_case(None)
            self.panel.set_case(None)

    def _edited(self, command: object) -> None:
        self.sync.edited()
        if self.dock.isVisible() and self.panel.shows_change_of(command):
            self.panel.refresh()

    def _update_actions(self) -> None:
        case = self._window.case
        writable = case is not None and not case.read_only
        self.sync_action.setEnabled(writable and self.sync.url is not None
                                    and not self.sync.running)
        self.share_action.setEnabled(writable)
        self.share_action.setText("Change Team Server…" if self.sync.url else
                                  "Share with Team Server…")

    # ----------------------------------------------------------------- acting

    def sync_now(self) -> None:
        if self.sync.url is None:
            self.choose_server()
            return
        self._window.inspector.commit_pending()
        self.sync.sync_now()

    def choose_server(self) -> None:
        case = self._window.case
        if case is None or case.read_only:
            return
        given = ask_server(self._window, self.sync.url or "")
        if given is None:
            return
        url, password = given
        self.dock.show()
        self.sync.set_server(url, password or None)

    def _ask_password(self) -> None:
        from desk.team.server import where

        if self.sync.url is None:
            return
        password = ask_password(self._window, where(self.sync.url))
        if password:
            self.sync.set_password(password)

    def _merged(self, report: SyncReport) -> None:
        window = self._window
        self._reloading = True  # the same case, read again: the sync's state carries on
        try:
            window.reload_case()
        finally:
            self._reloading = False
        from desk.core.identity import reviewer_name

        me = reviewer_name().casefold()
        who = sorted({p.reviewer for p in self.sync.colleagues if p.reviewer.casefold() != me})
        moved = (f"; {len(report.renumbered)} of your items renumbered"
                 if report.renumbered else "")
        conflicts = (f", {report.conflicts} conflicting (see the team panel)"
                     if report.conflicts else "")
        window.statusBar().showMessage(
            f"Merged {report.entries_received} edit{'' if report.entries_received == 1 else 's'}"
            " from the team"
            + (f" ({', '.join(who)})" if who else "") + f"{conflicts}{moved}. Undo starts"
            " again from here.", 12_000)
        if report.conflicts:
            self.dock.show()

    def _show(self, kind: str, item_id: int) -> None:
        modes = self._window.claims_mode
        from desk.team.status import CLAIM_ITEM

        if kind == CLAIM_ITEM:
            modes.show_claim(item_id)
        else:
            modes.show_evidence(item_id)

    def _send_back(self, claim_id: int) -> None:
        note = dialogs.ask_text(self._window, "Send back verdict",
                                "Why it goes back to its author (the note is signed with"
                                " the decision):")
        if note is None:
            return
        if not note.strip():
            self.panel._say("Sending a verdict back takes a note saying why; nothing was"
                            " recorded.")
            return
        self.panel.sign_off(claim_id, reject=note)

    def shutdown(self) -> None:
        self.sync.shutdown()
