"""Saving an area of an organisation's tile server (a real HTTP server on 127.0.0.1) as an
MBTiles pack: counted first and capped, the right tile at each z/x/y, the key sent only where
it belongs and kept out of the pack, cancel and resume, refusals said in words."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from desk.mapping.area_download import (
    Area,
    DownloadError,
    KeyRefused,
    OrgServer,
    ServerSettingsError,
    check_header,
    check_template,
    download_area,
    estimate,
    parse_zooms,
    public_provider,
)
from desk.mapping.layers import default_base_layers
from desk.mapping.tilepacks import open_pack
from tests.mapping.org_tiles import KEY, KEY_HEADER, OrgTileServer
from tests.mapping.packs import colour_of

#: A few streets of Kupiansk.
AREA = Area(49.705, 37.585, 49.720, 37.620)
LOW, HIGH = 12, 16


def _tile_range(area: Area, z: int) -> tuple[range, range]:
    """Slippy-map tile numbers, from the OpenStreetMap wiki's formula (not desk's code)."""
    n = 2 ** z

    def x_of(lon: float) -> int:
        return int((lon + 180) / 360 * n)

    def y_of(lat: float) -> int:
        r = math.radians(lat)
        return int((1 - math.log(math.tan(r) + 1 / math.cos(r)) / math.pi) / 2 * n)

    return range(x_of(area.west), x_of(area.east) + 1), range(y_of(area.north),
                                                              y_of(area.south) + 1)


def _expected_tiles(area: Area, low: int, high: int) -> set[tuple[int, int, int]]:
    found = set()
    for z in range(low, high + 1):
        xs, ys = _tile_range(area, z)
        found |= {(z, x, y) for x in xs for y in ys}
    return found


@pytest.fixture
def server() -> Iterator[OrgTileServer]:
    running = OrgTileServer()
    yield running
    running.stop()


def _org(server: OrgTileServer, key: str = KEY, **kwargs: object) -> OrgServer:
    return OrgServer(server.template, KEY_HEADER, key, "© Org <imagery> 2025", **kwargs)  # type: ignore[arg-type]


def test_the_estimate_counts_the_tiles_of_the_area() -> None:
    expected = _expected_tiles(AREA, LOW, HIGH)
    assert estimate(AREA, LOW, HIGH) == len(expected) > 10
    assert estimate(Area(-85, -180, 85, 180), 2, 2) == 16
    assert estimate(Area(-85, -180, 85, 180), 0, 3) == 1 + 4 + 16 + 64


def test_an_area_is_saved_as_a_pack_tilepacks_reads(server: OrgTileServer,
                                                    tmp_path: Path) -> None:
    out = tmp_path / "kupiansk.mbtiles"
    seen: list[tuple[int, int]] = []
    report = download_area(_org(server), AREA, LOW, HIGH, out, progress=lambda d, t:
                           seen.append((d, t)), retry_delay_s=0.01)
    expected = _expected_tiles(AREA, LOW, HIGH)
    assert (report.saved, report.missing, report.failed, report.cancelled) == (
        len(expected), 0, 0, False)
    assert seen[-1] == (len(expected), len(expected))
    assert set(server.asked) == expected and set(server.keys_seen) == {KEY}
    pack = open_pack(out)
    try:
        info = pack.info
        assert (info.format, info.row_order, info.min_zoom, info.max_zoom) == (
            "mbtiles", "tms", LOW, HIGH)
        assert info.attribution == "© Org <imagery> 2025"  # text, not markup
        assert info.tile_count == len(expected)
        west, south, east, north = info.bounds or (0, 0, 0, 0)
        assert (west, south, east, north) == pytest.approx(
            (AREA.west, AREA.south, AREA.east, AREA.north))
        import io

        from PIL import Image

        for z, x, y in sorted(expected)[::7]:
            data = pack.tile(z, x, y)
            assert data is not None
            assert Image.open(io.BytesIO(data)).convert("RGB").getpixel((9, 9)) == colour_of(
                z, x, y)
        assert pack.tile(HIGH + 1, 0, 0) is None
    finally:
        pack.close()
    raw = out.read_bytes()
    assert KEY.encode() not in raw and server.template.encode() not in raw


def test_a_cancelled_download_resumes_without_asking_again(server: OrgTileServer,
                                                           tmp_path: Path) -> None:
    out = tmp_path / "area.mbtiles"
    org = _org(server)
    first = download_area(org, AREA, LOW, HIGH, out, workers=2, retry_delay_s=0.01,
                          cancelled=lambda: server.asked.total() >= 8)
    total = len(_expected_tiles(AREA, LOW, HIGH))
    assert first.cancelled and 8 <= first.saved < total
    assert "run again to resume" in first.summary()
    second = download_area(org, AREA, LOW, HIGH, out, retry_delay_s=0.01)
    assert not second.cancelled
    assert second.already == first.saved and second.saved == total - first.saved
    assert max(server.asked.values()) == 1  # no tile was fetched twice
    pack = open_pack(out)
    try:
        assert pack.info.tile_count == total
    finally:
        pack.close()
    # A third run has nothing left to fetch.
    third = download_area(org, AREA, LOW, HIGH, out)
    assert (third.already, third.saved) == (total, 0)


def test_missing_tiles_are_counted_and_failing_ones_retried(tmp_path: Path) -> None:
    tiles = sorted(_expected_tiles(AREA, LOW, LOW + 1))
    gone, flaky = set(tiles[:2]), tiles[3]
    server = OrgTileServer(missing=gone, flaky={flaky: 2})
    try:
        report = download_area(_org(server), AREA, LOW, LOW + 1, tmp_path / "a.mbtiles",
                               retry_delay_s=0.01)
    finally:
        server.stop()
    assert (report.missing, report.failed, report.saved) == (2, 0, len(tiles) - 2)
    assert server.asked[flaky] == 3
    assert "2 the server does not have (404)" in report.summary()


def test_a_tile_failing_every_time_is_given_up_and_counted(tmp_path: Path) -> None:
    tiles = sorted(_expected_tiles(AREA, LOW, LOW))
    server = OrgTileServer(flaky={tiles[0]: 99})
    try:
        report = download_area(_org(server), AREA, LOW, LOW, tmp_path / "a.mbtiles",
                               retries=3, retry_delay_s=0.01)
    finally:
        server.stop()
    assert report.failed == 1 and server.asked[tiles[0]] == 3
    assert report.problems and "HTTP 500" in report.problems[0]


def test_a_refused_key_stops_with_a_clear_message(server: OrgTileServer,
                                                  tmp_path: Path) -> None:
    with pytest.raises(KeyRefused, match=r"refused the API key \(HTTP 401\)") as refused:
        download_area(_org(server, key="wrong-key"), AREA, LOW, HIGH, tmp_path / "a.mbtiles")
    assert "wrong-key" not in str(refused.value)
    assert len(server.asked) <= 8  # stopped at once, not after every tile
    keyless = OrgServer(server.template)
    with pytest.raises(KeyRefused, match="it sent no API key"):
        download_area(keyless, AREA, LOW, HIGH, tmp_path / "b.mbtiles")


@pytest.mark.parametrize("template", [
    *(layer.url for layer in default_base_layers()),
    "https://b.tile.openstreetmap.org/{z}/{x}/{y}.png",
    "https://a.tile.opentopomap.org/{z}/{x}/{y}.png",
])
def test_public_providers_are_refused(template: str, tmp_path: Path) -> None:
    assert public_provider(template)
    server = OrgServer(template.replace("{s}", "a"))
    with pytest.raises(DownloadError, match="usage policies forbid bulk download"):
        download_area(server, AREA, LOW, HIGH, tmp_path / "a.mbtiles")
    assert not (tmp_path / "a.mbtiles").exists()


def test_an_absurd_area_is_refused_before_any_fetch(server: OrgTileServer,
                                                    tmp_path: Path) -> None:
    world = Area(-85, -180, 85, 180)
    with pytest.raises(DownloadError, match=r"holds 22,[\d,]+ tiles .* at most 250,000"):
        download_area(_org(server), world, 0, 12, tmp_path / "a.mbtiles")
    with pytest.raises(DownloadError, match="up to zoom 14"):
        download_area(_org(server, max_zoom=14), AREA, 12, 16, tmp_path / "a.mbtiles")
    assert not server.asked


def test_a_redirect_to_another_server_is_refused_and_the_key_stays(tmp_path: Path) -> None:
    other = OrgTileServer(key="")
    away = OrgTileServer(redirect_to=f"http://localhost:{other.port}")
    try:
        org = OrgServer(f"http://127.0.0.1:{away.port}/away/{{z}}/{{x}}/{{y}}.png",
                        KEY_HEADER, KEY)
        with pytest.raises(DownloadError, match="does not send the API key elsewhere"):
            download_area(org, AREA, LOW, LOW, tmp_path / "a.mbtiles")
    finally:
        other.stop()
        away.stop()
    assert other.keys_seen == []


def test_the_pack_file_must_be_one_of_this_server(server: OrgTileServer,
                                                  tmp_path: Path) -> None:
    text = tmp_path / "notes.mbtiles"
    text.write_text("not a pack")
    with pytest.raises(DownloadError, match="not an MBTiles pack"):
        download_area(_org(server), AREA, LOW, LOW, text)
    assert text.read_text() == "not a pack"
    out = tmp_path / "a.mbtiles"
    download_area(_org(server), AREA, LOW, LOW, out)
    other = OrgServer(server.template.replace("/tiles/", "/tiles//"), KEY_HEADER, KEY)
    with pytest.raises(DownloadError, match="tiles from another server"):
        download_area(other, AREA, LOW, LOW, out)


@pytest.mark.parametrize(("template", "message"), [
    ("", "Give the tile server's URL template"),
    ("tiles.example.org/{z}/{x}/{y}", "must start with https:// or http://"),
    ("file:///etc/{z}/{x}/{y}", "must start with https:// or http://"),
    ("https://tiles.example.org/{z}/{x}.png", "lacks {y}"),
    ("https://tiles.example.org/{z}/{x}/{y}/{x}", "has {x} 2 times"),
    ("https://{s}.example.org/{z}/{x}/{y}", "belong in the path"),
    ("https://tiles.example.org/{z}/{x}/{y}?k={key}", "also has {key}"),
    ("https://me:pw@tiles.example.org/{z}/{x}/{y}", "no user name or password"),
    ("https://tiles.example.org/{z}/{x} /{y}", "spaces"),
])
def test_a_template_that_cannot_work_is_refused_in_words(template: str, message: str) -> None:
    with pytest.raises(ServerSettingsError, match=message.replace("{", r"\{").replace(
            "}", r"\}").replace("?", r"\?").replace(".", r"\.")):
        check_template(template)


def test_templates_and_headers_that_work() -> None:
    assert check_template("  https://t.example.org:8443/v1/{z}/{x}/{y}.jpg?style=sat ") == (
        "https://t.example.org:8443/v1/{z}/{x}/{y}.jpg?style=sat")
    assert check_header("", "") == ("", "")
    assert check_header(" Authorization ", "Bearer abc") == ("Authorization", "Bearer abc")
    for name, value, message in (("X-Api-Key", "", "Give the API key"),
                                 ("", "abc", "Give the name of the header"),
                                 ("X Key", "abc", "letters, digits and -"),
                                 ("Host", "abc", "sets the Host header itself"),
                                 ("X-Key", "a\r\nSet-Cookie: x", "cannot carry")):
        with pytest.raises(ServerSettingsError, match=message):
            check_header(name, value)
    assert KEY not in repr(OrgServer("https://t.example.org/{z}/{x}/{y}", KEY_HEADER, KEY))


def test_areas_and_zoom_ranges_from_the_command_line() -> None:
    assert Area.parse("49.70, 37.58,49.72,37.62") == Area(49.70, 37.58, 49.72, 37.62)
    assert parse_zooms("12-17") == (12, 17) and parse_zooms("9") == (9, 9)
    for text, message in (("49.7,37.5,49.6,37.6", "south edge"),
                          ("49.7,37.5,49.8", "four numbers"),
                          ("49.7,179,49.8,-179", "180° meridian")):
        with pytest.raises(DownloadError, match=message):
            Area.parse(text)
    with pytest.raises(DownloadError, match="lower level to a higher"):
        parse_zooms("17-12")
