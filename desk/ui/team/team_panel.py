"""The team panel: the server, the sync state, who else works on the case, the conflicts to
resolve and the verdicts waiting for a second reviewer, each with what can be done about it.

Everything shown of a case (names, values, claim text) comes from other people's edits and
is shown as plain text. The panel builds commands (keep a value, sign off, send back) and
hands them to the window's undo stack, so each is a named, logged, undoable edit.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk.team.status import CLAIM_ITEM
from desk.ui.common import icons, theme
from desk.ui.common.labels import plain_label, section_label
from desk.ui.team import team_sync
from desk.ui.team.team_sync import TeamSync, ago

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.commands import Command
    from desk.team.status import Local

#: Longest value a conflict shows before "…" (the whole value is in its tooltip).
VALUE_CHARS = 160
_DOT = {team_sync.IDLE: theme.OK, team_sync.SYNCING: theme.INFO, team_sync.OFFLINE: theme.WARN,
        team_sync.NEEDS_PASSWORD: theme.WARN, team_sync.FAILED: theme.DANGER,
        team_sync.NOT_SHARED: theme.NEUTRAL, team_sync.READ_ONLY: theme.NEUTRAL}


def shown_value(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, dict) and "sha256" in value:
        return f"a file, SHA-256 {str(value['sha256'])[:12]}…"
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
    text = " ".join(text.split())
    return f"“{text[:VALUE_CHARS]}…”" if len(text) > VALUE_CHARS else f"“{text}”"


def _when(at: object) -> str:
    text = str(at or "")
    return text.replace("T", " ")[:16] if text else "at an unknown time"


def _button(text: str, tip: str, slot: Callable[[], object], name: str = "") -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tip)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    button.clicked.connect(lambda _checked=False: slot())
    if name:
        button.setObjectName(name)
    return button


class TeamPanel(QWidget):
    """Shown in the window's Team dock; `refresh` reads the case again."""

    #: The reviewer asked to see an item: (`status.CLAIM_ITEM` or `EVIDENCE_ITEM`, id).
    showRequested = Signal(str, int)  # noqa: N815
    #: Connect to a server (or change it).
    connectRequested = Signal()  # noqa: N815
    #: Send a verdict back: the window asks for the note (claim id).
    sendBackRequested = Signal(int)  # noqa: N815

    def __init__(self, sync: TeamSync, push: Callable[[Command], bool],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("TeamPanel")
        self.sync = sync
        self._push = push
        self.case: CaseFile | None = None
        self.local: Local | None = None
        self.error_text = ""
        self._people_lines: list[str] = []

        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer.addWidget(scroll)
        body = QWidget()
        scroll.setWidget(body)
        self._layout = QVBoxLayout(body)
        self._layout.setContentsMargins(12, 10, 12, 12)
        self._layout.setSpacing(6)

        self._layout.addWidget(section_label("Team server"))
        self.server_label = plain_label(selectable=True)
        self.server_label.setObjectName("TeamServer")
        self._layout.addWidget(self.server_label)
        row = QHBoxLayout()
        self.state_dot = QLabel()
        self.state_dot.setFixedWidth(14)
        self.state_label = plain_label()
        self.state_label.setObjectName("TeamState")
        row.addWidget(self.state_dot, 0, Qt.AlignmentFlag.AlignTop)
        row.addWidget(self.state_label, 1)
        self._layout.addLayout(row)
        self.progress_label = plain_label(role="dim")
        self.progress_label.setObjectName("TeamProgress")
        self._layout.addWidget(self.progress_label)
        buttons = QHBoxLayout()
        self.sync_button = _button("Sync Now", "Send this copy's edits and merge the team's"
                                   " (Ctrl+Shift+Y)", self.sync.sync_now, "TeamSyncNow")
        self.cancel_button = _button("Stop", "Stop the sync after its current step (what"
                                     " arrived stays)", self.sync.cancel, "TeamStop")
        self.connect_button = _button("Share…", "Choose the team server this case syncs with",
                                      self.connectRequested.emit, "TeamConnect")
        for button in (self.sync_button, self.cancel_button, self.connect_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        self._layout.addLayout(buttons)
        self.message_label = plain_label(role="error")
        self.message_label.setObjectName("TeamMessage")
        self._layout.addWidget(self.message_label)

        self.people_heading = section_label("Working on this case")
        self._layout.addWidget(self.people_heading)
        self.people = QVBoxLayout()
        self._layout.addLayout(self.people)
        self.conflicts_heading = section_label("Conflicts to resolve")
        self._layout.addWidget(self.conflicts_heading)
        self.conflicts = QVBoxLayout()
        self._layout.addLayout(self.conflicts)
        self.waiting_heading = section_label("Verdicts waiting for sign-off")
        self._layout.addWidget(self.waiting_heading)
        self.waiting = QVBoxLayout()
        self._layout.addLayout(self.waiting)
        self._layout.addStretch(1)

        sync.changed.connect(self.refresh_state)
        sync.progressed.connect(self.progress_label.setText)
        self.refresh()

    # ----------------------------------------------------------------- reading

    def set_case(self, case: CaseFile | None) -> None:
        self.case = case
        self.error_text = ""
        self.refresh()

    def refresh(self) -> None:
        """Read the case's own account again (conflicts, waiting verdicts) and redraw."""
        from desk.team import status

        self.local = status.local(self.case) if self.case is not None else None
        self._fill_conflicts()
        self._fill_waiting()
        self.refresh_state()

    def refresh_state(self) -> None:
        sync = self.sync
        shared = sync.url is not None
        if sync.url:
            from desk.team.server import where  # psycopg: only once a case is shared

            self.server_label.setText(where(sync.url))
        else:
            self.server_label.setText("This case is not shared with a team server.")
        self.state_dot.setPixmap(icons.dot(_DOT.get(sync.state, theme.NEUTRAL), 12, 10))
        self.state_label.setText(self._state_text())
        writable = self.case is not None and not self.case.read_only
        self.sync_button.setEnabled(shared and writable and not sync.running)
        self.sync_button.setVisible(shared)
        self.cancel_button.setVisible(sync.running)
        self.connect_button.setText("Change Server…" if shared else "Share…")
        self.connect_button.setEnabled(writable)
        if not sync.running:
            self.progress_label.clear()
        self.progress_label.setVisible(sync.running)
        shown = self.error_text or (sync.message if sync.state in (
            team_sync.OFFLINE, team_sync.FAILED, team_sync.NEEDS_PASSWORD) else "")
        self.message_label.setText(shown)
        self.message_label.setVisible(bool(shown))
        self._fill_people()

    def _state_text(self) -> str:
        sync = self.sync
        last = ""
        if sync.last_at:
            last = f"Last sync {ago(sync.last_at)}"
            report = sync.last_report
            if report is not None:
                last += (f": sent {report.entries_sent}, merged {report.entries_received}"
                         + (f", {report.conflicts} conflicting" if report.conflicts else ""))
            last += "."
        if self.case is None:
            return ""
        if sync.state == team_sync.NOT_SHARED:
            return ("Offline-first: the case file is the working copy. Share it to sync"
                    " with the team.")
        if sync.state == team_sync.READ_ONLY:
            return "Read-only copy: nothing is synced from it."
        if sync.state == team_sync.SYNCING:
            return "Syncing…"
        if sync.state == team_sync.OFFLINE:
            wait = sync.retry_in_s()
            then = f" Trying again in {round(wait)} s." if wait is not None else ""
            return ("Offline: the server cannot be reached. Edits stay in this copy and go"
                    f" at the next sync.{then} {last}").strip()
        if sync.state == team_sync.NEEDS_PASSWORD:
            return "The server asks for a password."
        if sync.state == team_sync.FAILED:
            return f"The last sync was refused. {last}".strip()
        return f"In sync. {last}".strip() if last else "Connected; the first sync is due."

    # ----------------------------------------------------------------- lists

    def _fill_people(self) -> None:
        from desk.core.identity import reviewer_name

        me = reviewer_name().casefold()
        lines = [f"{person.reviewer}{' (you)' if person.reviewer.casefold() == me else ''}:"
                 f" {_count(person.entries, 'edit')}, last {ago(person.last_at)}"
                 f" (login {person.login})"
                 for person in self.sync.colleagues]
        if lines == self._people_lines:
            return  # redrawn on every state change: only rebuilt when it says something new
        self._people_lines = lines
        _clear(self.people)
        self.people_heading.setVisible(bool(lines))
        for text in lines:
            line = plain_label(text)
            line.setObjectName("TeamColleague")
            self.people.addWidget(line)

    def _fill_conflicts(self) -> None:
        _clear(self.conflicts)
        found = self.local.conflicts if self.local is not None else []
        self.conflicts_heading.setText(f"CONFLICTS TO RESOLVE ({len(found)})")
        self.conflicts_heading.setVisible(bool(found))
        writable = self.case is not None and not self.case.read_only
        for conflict in found:
            self.conflicts.addWidget(self._conflict_card(conflict, writable))

    def _conflict_card(self, conflict: dict[str, object], writable: bool) -> QFrame:
        from desk.team.merge import WHOLE_ROW

        card = _card("TeamConflict")
        column = QVBoxLayout(card)
        column.setContentsMargins(8, 6, 8, 6)
        field = str(conflict.get("field", ""))
        what = str(conflict.get("what") or conflict.get("entity"))
        title = plain_label(f"{what}: " + ("kept by one, deleted by the other"
                                           if field == WHOLE_ROW else field))
        title.setStyleSheet("font-weight: 600;")
        column.addWidget(title)
        values = conflict.get("values")
        values = values if isinstance(values, list) else []
        for n, value in enumerate(values):
            if not isinstance(value, dict):
                continue
            row = QHBoxLayout()
            standing = " (stands now)" if n == len(values) - 1 else ""
            text = plain_label(f"{shown_value(value.get('value'))} by {value.get('reviewer')},"
                               f" {_when(value.get('at'))}{standing}")
            text.setToolTip(str(value.get("value")))
            row.addWidget(text, 1)
            if field != WHOLE_ROW and writable and not isinstance(value.get("value"), dict):
                keep = _button("Keep", "Settle the conflict with this value (one undoable"
                               " edit)", functools.partial(self.keep, conflict, n), "TeamKeep")
                row.addWidget(keep, 0, Qt.AlignmentFlag.AlignTop)
            column.addLayout(row)
        from desk.team.status import conflict_item

        target = conflict_item(conflict)
        if target is not None:
            show = _button("Show", "Show the item to edit it there (an edit of the field"
                           " settles the conflict too)",
                           functools.partial(self.showRequested.emit, *target), "TeamShow")
            column.addWidget(show, 0, Qt.AlignmentFlag.AlignLeft)
        return card

    def _fill_waiting(self) -> None:
        _clear(self.waiting)
        found = self.local.waiting if self.local is not None else []
        self.waiting_heading.setVisible(bool(found))
        if not found:
            return
        from desk.team import signoff
        from desk.team import status as status_of

        self.waiting_heading.setText(f"VERDICTS WAITING FOR SIGN-OFF ({len(found)})")
        self.waiting_heading.setVisible(bool(found))
        writable = self.case is not None and not self.case.read_only
        texts = self.local.claim_texts if self.local is not None else {}
        for status in found:
            card = _card("TeamWaiting")
            column = QVBoxLayout(card)
            column.setContentsMargins(8, 6, 8, 6)
            claim = " ".join(texts.get(status.claim_id, "").split())
            title = plain_label(f"Claim {status.claim_id}: {claim[:120]}")
            title.setStyleSheet("font-weight: 600;")
            column.addWidget(title)
            author = status.author
            state = ("sent back" if status.state == signoff.SENT_BACK else "ready for review")
            line = plain_label(f"Verdict by {author.get('reviewer')}, {_when(author.get('at'))}:"
                               f" {state}" + (f". Note: {status.note}" if status.note else ""))
            line.setProperty("role", "dim")
            column.addWidget(line)
            row = QHBoxLayout()
            own = self.case is not None and status_of.is_author(self.case, author)
            if own:
                yours = plain_label("Yours: a second reviewer signs it off.")
                yours.setProperty("role", "dim")
                row.addWidget(yours)
            elif writable:
                row.addWidget(_button("Sign Off", "Approve this verdict as its second reviewer"
                                      " (signed with your key)",
                                      functools.partial(self.sign_off, status.claim_id),
                                      "TeamSignOff"))
                send_back = functools.partial(self.sendBackRequested.emit, status.claim_id)
                row.addWidget(_button("Send Back…", "Return the verdict to its author with a"
                                      " note", send_back, "TeamSendBack"))
            row.addWidget(_button("Show", "Show the claim and its verdict",
                                  functools.partial(self.showRequested.emit, CLAIM_ITEM,
                                                    status.claim_id),
                                  "TeamShowClaim"))
            row.addStretch(1)
            column.addLayout(row)
            self.waiting.addWidget(card)

    # ----------------------------------------------------------------- acting

    def keep(self, conflict: dict[str, object], choice: int) -> bool:
        from desk.core.casefile import CaseFileError
        from desk.team import conflicts

        if self.case is None:
            return False
        try:
            command = conflicts.keep(self.case, conflict, choice)
        except (CaseFileError, ValueError) as exc:
            self._say(str(exc))
            return False
        return self._send(command)

    def sign_off(self, claim_id: int, reject: str | None = None) -> bool:
        from desk.team import signoff

        if self.case is None:
            return False
        try:
            command = signoff.build(self.case, claim_id, reject=reject)
        except signoff.SignOffRefused as exc:
            self._say(f"{str(exc)[:1].upper()}{str(exc)[1:]}; nothing was recorded.")
            return False
        return self._send(command)

    def _send(self, command: Command) -> bool:
        """Through the undo stack; the window redraws the panel as the edit is applied."""
        self.error_text = ""
        return self._push(command)

    def shows_change_of(self, command: object) -> bool:
        """Whether an applied edit can change what the panel lists, which is read from the
        whole custody log: an open conflict it may settle, a kept value (or its undo, which
        reopens one), or a claim (its verdict waiting for sign-off). An arrow dragged in a
        case with no conflict costs the panel nothing."""
        from desk.core import commands

        if self.local is not None and self.local.conflicts:
            return True
        action = str(getattr(command, "action", ""))
        return (action.removeprefix("undo ") == commands.RESOLVE_CONFLICT.name
                or bool(commands.touched(command).claims))

    def _say(self, text: str) -> None:
        self.error_text = text
        self.refresh_state()


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}" + ("" if n == 1 else "s")


def _card(name: str) -> QFrame:
    card = QFrame()
    card.setObjectName(name)
    card.setStyleSheet(f"QFrame#{name} {{ background: {theme.PANEL_ALT};"
                       f" border: 1px solid {theme.BORDER}; border-radius: 6px; }}")
    return card


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        widget = item.widget()
        if widget is not None:
            widget.hide()
            widget.setParent(None)
            widget.deleteLater()
