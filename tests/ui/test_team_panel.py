"""The team panel in the window, against a real PostgreSQL: background sync after an edit, the
password asked for once, a conflict shown with both values and settled with Keep (undoable),
colleagues listed, a verdict waiting for sign-off signed off by the second reviewer, and an
unreachable server shown as offline with the edits kept."""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.team import servers, signoff
from desk.team.conflicts import case_conflicts
from desk.ui.shell.main_window import MainWindow
from desk.ui.team import team_desk, team_sync
from desk.ui.team.team_panel import TeamPanel
from tests.team.builders import Team, as_reviewer, desk_json
from tests.team.conftest import (  # noqa: F401 - the team desk's fixtures, used here
    PASSWORD,
    pg_cluster,
    team,
    team_db,
    two_copies,
)

#: Where the panel's screenshots go, to be looked at (DESK_SCREENSHOTS, else the temp folder).
SHOTS = Path(os.environ.get("DESK_SCREENSHOTS") or tempfile.gettempdir()) / "desk-screenshots"


def _buttons(panel: TeamPanel, name: str) -> list[object]:
    from PySide6.QtWidgets import QPushButton

    return [b for b in panel.findChildren(QPushButton, name) if b.isVisibleTo(panel)]


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Syncs follow an edit at once, and the first one comes as the case opens."""
    monkeypatch.setattr(team_sync, "AFTER_EDIT_MS", 50)
    monkeypatch.setattr(team_sync, "FIRST_MS", 50)


def test_a_conflict_is_shown_settled_with_keep_and_the_verdict_signed_off_by_the_other(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, team: Team,  # noqa: F811
        tmp_path: Path,
        two_copies: tuple[Path, Path, str],  # noqa: F811
        quick: None,
        capsys: pytest.CaptureFixture[str]) -> None:
    alice, erin, case_id = two_copies
    with CaseFile.open(erin) as case:  # Erin (the fixture's last reviewer) rewords the claim
        commands.edit_claim(1, text="Erin's wording").apply(case)
    desk_json(capsys, "team", "sync", erin, team.url(team.erin))
    time.sleep(1.1)  # the log records times to the second: Alice's edit is the later one
    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    with CaseFile.open(alice) as case:
        commands.edit_claim(1, text="Alice's wording").apply(case)
    asked: list[str] = []
    monkeypatch.setattr(team_desk, "ask_password",
                        lambda parent, where: asked.append(where) or PASSWORD)

    desk = window.team_desk
    assert window.open_case(alice)
    # Pushed from this machine: the server is remembered (without its password), and the
    # first sync asks for the password once.
    assert desk.sync.url == servers.without_password(team.url(team.alice))
    qtbot.waitUntil(lambda: desk.sync.last_report is not None, timeout=30_000)
    assert len(asked) == 1 and team.alice in asked[0]
    assert desk.sync.state == team_sync.IDLE and desk.sync.last_report.conflicts == 1
    panel = desk.panel
    assert desk.dock.isVisible()  # a sync that met a conflict shows the panel
    assert {p.reviewer for p in desk.sync.colleagues} == {"Alice", "Erin"}
    # Widgets added to a shown layout appear on the next turn of the event loop.
    qtbot.waitUntil(lambda: len(_buttons(panel, "TeamKeep")) == 2, timeout=5_000)
    texts = " ".join(label.text() for label in panel.findChildren(type(panel.state_label)))
    assert "“Erin's wording” by Erin" in texts and "“Alice's wording” by Alice" in texts
    assert "In sync" in panel.state_label.text()
    # Alice recorded the verdict: it waits for someone else; her own sign-off is refused.
    assert [w.claim_id for w in panel.local.waiting] == [1]
    assert _buttons(panel, "TeamSignOff") == []  # "Yours: a second reviewer signs it off."
    assert not panel.sign_off(1)
    assert "second person" in panel.message_label.text()
    qtbot.wait(20)  # as above: the colleagues' lines were just rebuilt
    people = [label.text() for label in panel.findChildren(type(panel.state_label),
                                                            "TeamColleague")
              if label.isVisibleTo(panel)]
    assert len(people) == 2 and any(p.startswith("Alice (you): ") for p in people), people
    window.resize(1500, 900)
    SHOTS.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(SHOTS / "team_panel_conflict.png"))

    # Keep Erin's value: one undoable edit, synced in the background once made.
    before = desk.sync.finished
    _buttons(panel, "TeamKeep")[0].click()
    assert window.case is not None
    assert next(c for c in window.case.list_claims() if c.id == 1).text == "Erin's wording"
    assert panel.local is not None and panel.local.conflicts == []
    window.undo_action.trigger()
    assert len(panel.local.conflicts) == 1
    window.redo_action.trigger()
    assert panel.local.conflicts == []
    qtbot.waitUntil(lambda: desk.sync.finished > before and not desk.sync.running,
                    timeout=30_000)
    assert desk.sync.last_report is not None and desk.sync.last_report.entries_sent == 3

    # Erin, the editor, takes the resolution in and signs off Alice's verdict in her window.
    as_reviewer(monkeypatch, tmp_path / "erin-config", "Erin")
    monkeypatch.setenv("PGPASSWORD", PASSWORD)  # libpq finds it: nothing is asked
    assert window.open_case(erin)
    qtbot.waitUntil(lambda: desk.sync.last_report is not None
                    and desk.sync.last_report.entries_received >= 1, timeout=30_000)
    qtbot.waitUntil(lambda: window.case is not None and panel.local is not None
                    and panel.local.conflicts == [], timeout=10_000)
    assert _claim_now(window) == "Erin's wording"
    assert len(asked) == 1
    desk.dock.show()
    qtbot.waitUntil(lambda: len(_buttons(panel, "TeamSignOff")) == 1, timeout=5_000)
    window.grab().save(str(SHOTS / "team_panel_signoff.png"))
    window.claims_mode.show_claim(1)
    editor = window.claims_mode.page.verdict_editor
    assert editor.signoff.text().startswith("Ready for review")
    _buttons(panel, "TeamSignOff")[0].click()
    # The verdict editor says who signed it off, with the key.
    assert editor.signoff.text().startswith("Signed off by Erin (key ")
    window.grab().save(str(SHOTS / "verdict_signed_off.png"))
    assert panel.local is not None and panel.local.waiting == []
    assert window.case is not None
    from desk.core.replay import log_entries

    found = signoff.status(log_entries(window.case.conn), 1)
    assert found.state == signoff.APPROVED and found.approver["reviewer"] == "Erin"
    qtbot.waitUntil(lambda: not desk.sync.running and desk.sync.state == team_sync.IDLE,
                    timeout=30_000)
    window.close_case()
    with CaseFile.open(erin, read_only=True) as case:
        assert case_conflicts(case) == []
    assert case_id


def _claim_now(window: MainWindow) -> str:
    assert window.case is not None
    return next(c for c in window.case.list_claims() if c.id == 1).text


def test_an_unreachable_server_is_offline_and_the_edits_stay(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch, team: Team,  # noqa: F811
        tmp_path: Path,
        two_copies: tuple[Path, Path, str],  # noqa: F811
        quick: None) -> None:
    _alice, erin, case_id = two_copies
    import socket

    with socket.socket() as sock:  # a port nothing listens on: the server is "down"
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    servers.remember(case_id, f"postgresql://{team.erin}@127.0.0.1:{port}/nowhere")
    desk = window.team_desk
    assert window.open_case(erin)
    qtbot.waitUntil(lambda: desk.sync.state == team_sync.OFFLINE, timeout=30_000)
    panel = desk.panel
    assert panel.state_label.text().startswith("Offline: the server cannot be reached")
    assert desk.sync.retry_in_s() is not None
    window.undo_stack.push_command(commands.edit_claim(1, claimant="kept offline"))
    assert window.case is not None
    assert next(c for c in window.case.list_claims() if c.id == 1).claimant == "kept offline"
    # The server is back (here: the right address): the edit goes.
    monkeypatch.setenv("PGPASSWORD", PASSWORD)
    desk.sync.set_server(team.url(team.erin))
    qtbot.waitUntil(lambda: desk.sync.state == team_sync.IDLE
                    and desk.sync.last_report is not None, timeout=30_000)
    assert desk.sync.last_report.entries_sent >= 1


def test_a_new_case_is_shared_from_the_window_and_its_password_is_not_written(
        qtbot: QtBot, window: MainWindow, monkeypatch: pytest.MonkeyPatch,
        team: Team,  # noqa: F811
        tmp_path: Path, quick: None, capsys: pytest.CaptureFixture[str]) -> None:
    from tests.team.builders import make_case

    as_reviewer(monkeypatch, tmp_path / "alice-config", "Alice")
    path = make_case(tmp_path / "fresh.deskcase", title="Kupiansk clip")
    desk = window.team_desk
    assert window.open_case(path)
    assert desk.sync.state == team_sync.NOT_SHARED
    assert desk.panel.connect_button.text() == "Share…"
    given = team.url(team.alice)  # with its password in it, as some administrators hand out
    monkeypatch.setattr(team_desk, "ask_server", lambda parent, url: (given, ""))
    desk.share_action.trigger()
    qtbot.waitUntil(lambda: desk.sync.last_report is not None, timeout=30_000)
    assert desk.sync.state == team_sync.IDLE and desk.dock.isVisible()
    assert desk.sync.last_report.entries_sent > 0
    assert desk.panel.connect_button.text() == "Change Server…"
    stored = (tmp_path / "alice-config" / servers.FILE_NAME).read_text(encoding="utf-8")
    assert desk.sync.case_id in stored and PASSWORD not in stored
    listed = desk_json(capsys, "team", "list", given)["cases"]
    assert isinstance(listed, list) and [c["title"] for c in listed] == ["Kupiansk clip"]


def test_the_window_and_a_case_not_shared_start_without_the_team_desk_loaded(
        tmp_path: Path) -> None:
    """psycopg costs a fifth of a second to load: only a case shared with a server pays it (the
    conflict list, read from the case file alone, needs none of it)."""
    import subprocess
    import sys

    from tests.team.builders import make_case

    path = make_case(tmp_path / "alone.deskcase")
    script = (
        "import sys\n"
        "from desk.ui.shell.app import create_application\n"
        "from desk.ui.shell.main_window import MainWindow\n"
        "app = create_application()\n"
        "window = MainWindow(map_delay_ms=None)\n"
        "window.show()\n"
        f"assert window.open_case(__import__('pathlib').Path({str(path)!r}))\n"
        "window.team_desk.dock.show()\n"
        "app.processEvents()\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'psycopg'\n"
        "                or m in ('desk.team.sync', 'desk.team.server'))\n"
        "print(loaded)\n"
        "window.close()\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
           "DESK_CONFIG_DIR": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
