"""Hostile text on the map: file names, every EXIF text field, landmark names, claim text,
movement labels and place names are payloads. Nothing may run, nothing may be fetched, and
the reviewer must see the text exactly as written."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Claim, Geolocation, Gps, Landmark, Movement
from tests.ui.map_fixtures import (
    add_evidence,
    evaluate,
    panel_factory_fixture,  # noqa: F401 - fixture
    pixel_of,
    wait_probe,
)


@pytest.fixture
def canary() -> Iterator[tuple[int, list[str]]]:
    """A server on 127.0.0.1 that counts every request a payload might make."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], hits
    finally:
        server.shutdown()
        server.server_close()


def payloads(port: int) -> list[str]:
    canary = f"http://127.0.0.1:{port}/canary"
    return [
        '<img src=x onerror="window.__pwned=1">',
        "</script><script>window.__pwned=1</script>",
        "`${window.__pwned=1}`",
        "\u2028window.__pwned=1//\u2029",
        '"><svg onload="window.__pwned=1">',
        "'-(window.__pwned=1)-'\\",
        "{{ 7*7 }}{% if true %}jinja{% endif %}",
        f'<img src="{canary}">',
        f'<link rel="stylesheet" href="{canary}-css"><style>@import "{canary}-import";</style>',
        f'<div style="background:url({canary}-bg)">x</div>',
    ]


def hostile_case(path: Path, port: int) -> tuple[CaseFile, int, list[str]]:
    texts = payloads(port)
    case = CaseFile.create(path, "hostile")
    first = 0
    for index, text in enumerate(texts):
        eid = add_evidence(case, text, text=text, seed=index,
                           gps=Gps(49.7200 + index / 2000, 37.5800))
        commands.set_geolocation(Geolocation(eid, 49.7159, 37.5928 + index / 5000,
                                             heading=262, fov=62, method=text)).apply(case)
        commands.add_landmark(case, Landmark(0, text, 49.7165 + index / 3000, 37.5882,
                                             kind=text, notes=text, is_reference=index == 0)
                              ).apply(case)
        # The colour is refused by the command unless #rrggbb (and the scene checks it again).
        commands.add_movement(case, Movement(0, eid, label=text, color="#e06c75",
                                             start_lat=49.71585, start_lon=37.5924,
                                             end_lat=49.7156, end_lon=37.5899 - index / 5000)
                              ).apply(case)
        commands.add_claim(case, Claim(0, text, claimant=text)).apply(case)
        first = first or eid
    return case, first, texts


def test_payloads_everywhere_are_shown_as_text_and_never_run(
        tmp_path: Path, canary: tuple[int, list[str]], panel_factory: Any, qtbot: Any) -> None:
    port, hits = canary
    case, first, texts = hostile_case(tmp_path / "hostile.deskcase", port)
    try:
        panel = panel_factory(case)
        view = panel.view
        panel.show_evidence(first)
        state = wait_probe(qtbot, view, lambda s: s["selected"] == first)
        # Text appears exactly as stored, in the landmark labels and the movement labels
        # (a landmark's name is stored without surrounding white space, U+2028 included).
        assert sorted(state["landmarks"]) == sorted(lm.name for lm in case.landmarks())
        assert sorted(state["landmarks"]) == sorted(t.strip() for t in texts)
        assert all(any(label.startswith(t + " · ") for label in state["movements"])
                   for t in texts)
        # The reference point's name, on the line from the selected frame's track to it.
        assert len(state["references"]) == 1
        assert state["references"][0].endswith("° to " + texts[0])
        # Hovering a point shows its file name, as text.
        QTest.mouseMove(view.focusProxy(), pixel_of(qtbot, view, 49.7159, 37.5928 + 1 / 5000))
        qtbot.waitUntil(lambda: evaluate(
            qtbot, view, "(document.querySelector('.desk-hover-name')||{}).textContent")
            == texts[1])
        # A hostile place name (as a geocoder could return) is text as well.
        view.show_place(49.70, 37.60, texts[0])
        wait_probe(qtbot, view, lambda s: s["search"] == [texts[0]])
        # The form shows the name as plain text, never as rich text.
        assert panel.title_label.text() == texts[0]
        assert panel.title_label.textFormat() == Qt.TextFormat.PlainText
        # A load the page's policy refuses is reported on the console; one made now is
        # reported after anything a payload could have tried earlier.
        sentinel = f"http://127.0.0.1:{port}/sentinel"
        evaluate(qtbot, view, f"(new Image().src = '{sentinel}', 1)")
        qtbot.waitUntil(lambda: any(sentinel in m for m in view.console))
        assert evaluate(qtbot, view, "typeof window.__pwned") == "undefined"
        assert evaluate(qtbot, view, "document.querySelectorAll('[onerror], [onload], "
                                     "img[src*=canary], link[href*=canary]').length") == 0
        assert hits == []
        assert not [u for u in view.requests.blocked if "canary" in u]  # never even tried
        assert not [m for m in view.console if "Content Security Policy" in m
                    and sentinel not in m], view.console
    finally:
        case.close()
