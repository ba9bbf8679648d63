"""Place search and reverse labels. No test reaches the internet: Nominatim is played by a
server on 127.0.0.1 (or a closed port), and the gazetteer is the packaged GeoNames data."""

from __future__ import annotations

import http.server
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from desk.core import geocode


@dataclass
class FakeNominatim:
    url: str
    requests: list[tuple[str, str]] = field(default_factory=list)  # (path, user agent)


def _serve(status: int, body: bytes) -> Iterator[FakeNominatim]:
    record = FakeNominatim("")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            record.requests.append((self.path, self.headers.get("User-Agent", "")))
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    record.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield record
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def nominatim() -> Iterator[FakeNominatim]:
    body = json.dumps([{"lat": "49.7100", "lon": "37.6158", "place_id": 1,
                        "display_name": "Kupiansk, Kupiansk Raion, Kharkiv Oblast, Ukraine"}])
    yield from _serve(200, body.encode())


@pytest.fixture
def broken_nominatim() -> Iterator[FakeNominatim]:
    yield from _serve(500, b'{"error": "overloaded"}')


def _closed_port() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_nominatim_answers_with_a_proper_user_agent(nominatim: FakeNominatim) -> None:
    result = geocode.search("Kupiansk", endpoint=nominatim.url, timeout=5)
    assert result.source == "Nominatim"
    assert result.places[0].name == "Kupiansk"
    assert result.places[0].detail == "Kupiansk Raion, Kharkiv Oblast, Ukraine"
    assert (result.places[0].lat, result.places[0].lon) == pytest.approx((49.71, 37.6158))
    assert "online place search" in result.message
    path, agent = nominatim.requests[0]
    assert path.startswith("/search?") and "q=Kupiansk" in path
    assert agent.startswith("desk/") and "evidence review" in agent


def test_closed_endpoint_falls_back_to_the_gazetteer() -> None:
    result = geocode.search("Kupiansk", endpoint=_closed_port(), timeout=2)
    assert result.source == "offline gazetteer"
    assert result.places[0].name == "Kupyansk"
    assert result.places[0].lat == pytest.approx(49.71, abs=0.01)
    assert result.message.startswith("The online place search could not be used: it needs an"
                                      " internet connection")
    assert "desk's own list of towns" in result.message
    assert "Error" not in result.message and "127.0.0.1" not in result.message


def test_server_error_falls_back_to_the_gazetteer(broken_nominatim: FakeNominatim) -> None:
    result = geocode.search("Kharkiv", endpoint=broken_nominatim.url, timeout=5)
    assert broken_nominatim.requests, "the configured endpoint was asked first"
    assert result.source == "offline gazetteer"
    assert result.places[0].name == "Kharkiv"


def test_offline_search_never_touches_the_network() -> None:
    result = geocode.search("Kupiansk", online=False, endpoint="http://192.0.2.1:9")
    assert result.source == "offline gazetteer"
    assert result.message.startswith("Offline:") and "nothing was sent" in result.message
    assert result.places[0].name == "Kupyansk"


@pytest.mark.parametrize("query", ["Kupiansk", "kupiansk", "Kup'yans'k", "Купянськ", "Купянск",
                                   "KUPIAŃSK"])
def test_gazetteer_matches_alternate_names(query: str) -> None:
    assert geocode.gazetteer_search(query)[0].name == "Kupyansk"


def test_gazetteer_ranks_exact_names_before_prefixes() -> None:
    names = [p.name for p in geocode.gazetteer_search("Kupiansk")]
    assert names[0] == "Kupyansk"
    assert "Kupiansk-Vuzlovyi" in names[1:]


def test_nothing_found_says_so() -> None:
    result = geocode.search("Zzyzxqwv", online=False)
    assert result.places == ()
    assert "nothing found" in result.message


def test_reverse_label_of_the_kupiansk_camera() -> None:
    assert geocode.reverse_label(49.7159, 37.5928) == "1.8 km W of Kupyansk centre"
    assert geocode.reverse_label(49.7100, 37.6158) == "in the centre of Kupyansk"


def test_reverse_label_far_from_any_town() -> None:
    label = geocode.reverse_label(-48.88, -123.39)  # Point Nemo
    assert label.endswith(tuple(f" of {p}" for p in ("Adamstown", "Rikitea", "Taiohae",
                                                     "Hanga Roa", "Punta Arenas")))
    assert "km" in label


def test_gazetteer_reads_the_gzipped_table_of_the_field_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import gzip
    import shutil

    source = geocode._data_file()
    packed = tmp_path / (source.name + ".gz")
    with source.open("rb") as src, gzip.open(packed, "wb") as dst:
        shutil.copyfileobj(src, dst)
    monkeypatch.setattr(geocode, "_data_file", lambda: tmp_path / source.name)
    geocode._gazetteer.cache_clear()
    try:
        assert "Kupyansk" in geocode.reverse_label(49.7097, 37.6156)
    finally:
        geocode._gazetteer.cache_clear()
