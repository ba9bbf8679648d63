"""An organisation's tile server for the tests, on 127.0.0.1: PNG tiles of known colours
(tests.mapping.packs.colour_of), served only to requests that carry the API key header, with
tiles it lacks (404), tiles that fail a first time (500) and a path that redirects away."""

from __future__ import annotations

import http.server
import threading
import time
from collections import Counter

from tests.mapping.packs import tile_png

KEY_HEADER = "X-Api-Key"
KEY = "k3y-0f-the-0rg-7Hq9"


class OrgTileServer:
    """`missing` tiles answer 404; each of `flaky` answers 500 that many times first;
    every tile takes `delay_s` (a slow server, to stop a download halfway)."""

    def __init__(self, key: str = KEY, missing: set[tuple[int, int, int]] | None = None,
                 flaky: dict[tuple[int, int, int], int] | None = None,
                 redirect_to: str = "", delay_s: float = 0.0) -> None:
        owner = self
        self.delay_s = delay_s
        self.key = key
        self.missing = set(missing or ())
        self.flaky = dict(flaky or {})
        self.redirect_to = redirect_to
        self.asked: Counter[tuple[int, int, int]] = Counter()
        self.keys_seen: list[str | None] = []
        self.redirected = 0
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def template(self) -> str:
        return f"http://127.0.0.1:{self.port}/tiles/{{z}}/{{x}}/{{y}}.png"

    def serve(self, request: http.server.BaseHTTPRequestHandler) -> None:
        given = request.headers.get(KEY_HEADER)
        parts = request.path.strip("/").removesuffix(".png").split("/")
        if parts[0] == "away" and self.redirect_to:
            with self.lock:
                self.redirected += 1
            request.send_response(302)
            request.send_header("Location", self.redirect_to + request.path)
            request.end_headers()
            return
        try:
            z, x, y = (int(p) for p in parts[1:])
        except ValueError:
            request.send_error(400)
            return
        with self.lock:
            self.keys_seen.append(given)
            self.asked[(z, x, y)] += 1
            failing = self.flaky.get((z, x, y), 0)
            if failing:
                self.flaky[(z, x, y)] = failing - 1
        if given != self.key:
            request.send_error(401)
            return
        if failing:
            request.send_error(500)
            return
        if (z, x, y) in self.missing:
            request.send_error(404)
            return
        if self.delay_s:
            time.sleep(self.delay_s)
        body = tile_png(z, x, y)
        request.send_response(200)
        request.send_header("Content-Type", "image/png")
        request.send_header("Cache-Control", "max-age=3600")
        request.send_header("Content-Length", str(len(body)))
        request.end_headers()
        request.wfile.write(body)

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
