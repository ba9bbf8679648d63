"""The cache of tiles seen: what servers allow is kept, the least recently used goes first, a
stale tile is still there offline, and a damaged cache never stands in the way."""

from __future__ import annotations

from pathlib import Path

from desk.mapping.tile_cache import DEFAULT_FRESH_S, TileCache, freshness
from tests.mapping.packs import tile_png

NOW = 1_800_000_000.0


def test_freshness_follows_the_servers_headers() -> None:
    assert freshness({"Cache-Control": "public, max-age=600"}, NOW) == NOW + 600
    assert freshness({"cache-control": "s-maxage=60, max-age=10"}, NOW) == NOW + 60
    assert freshness({"Cache-Control": "no-store"}, NOW) is None
    assert freshness({"Cache-Control": "no-cache"}, NOW) == NOW
    assert freshness({"Expires": "Thu, 01 Jan 2027 00:00:00 GMT"}, NOW) == 1798761600.0
    assert freshness({"Expires": "soon"}, NOW) == NOW
    assert freshness({}, NOW) == NOW + DEFAULT_FRESH_S


def test_a_tile_is_kept_served_and_goes_stale(tmp_path: Path) -> None:
    cache = TileCache(tmp_path / "tiles.sqlite")
    url = "https://tile.example.org/17/1/2.png"
    png = tile_png(17, 1, 2)
    assert cache.put(url, png, "image/png", {"Cache-Control": "max-age=60", "ETag": '"v1"'},
                     now=NOW)
    fresh = cache.get(url, now=NOW + 30)
    assert fresh is not None and fresh.data == png and fresh.fresh and fresh.etag == '"v1"'
    stale = cache.get(url, now=NOW + 61)
    assert stale is not None and not stale.fresh  # still shown offline, asked again online
    cache.revalidated(url, {"Cache-Control": "max-age=60"}, now=NOW + 70)
    again = cache.get(url, now=NOW + 80)
    assert again is not None and again.fresh
    cache.close()
    reopened = TileCache(tmp_path / "tiles.sqlite")
    assert len(reopened) == 1 and reopened.size_bytes == len(png)
    reopened.close()


def test_no_store_and_non_images_are_never_kept(tmp_path: Path) -> None:
    cache = TileCache(tmp_path / "tiles.sqlite")
    assert not cache.put("https://a/1", tile_png(0, 0, 0), "image/png",
                         {"Cache-Control": "private, no-store"}, now=NOW)
    assert not cache.put("https://a/2", b"<html>blocked</html>", "image/png", {}, now=NOW)
    assert len(cache) == 0
    cache.close()


def test_the_least_recently_used_tiles_go_first(tmp_path: Path) -> None:
    tiles = {f"https://t/{n}": tile_png(5, n, 0) for n in range(6)}
    size = max(len(t) for t in tiles.values())
    cache = TileCache(tmp_path / "tiles.sqlite", limit_bytes=size * 4)
    for n, (url, data) in enumerate(tiles.items()):
        if n == 4:
            cache.get("https://t/0", now=NOW + n)  # looked at again: it stays
        cache.put(url, data, "image/png", {}, now=NOW + n)
    kept = [url for url in tiles if cache.get(url, now=NOW + 10) is not None]
    assert kept == ["https://t/0", "https://t/3", "https://t/4", "https://t/5"]
    assert cache.size_bytes <= size * 4
    cache.set_limit(size)
    assert len(cache) == 1
    cache.close()


def test_a_damaged_cache_is_set_aside_and_a_new_one_started(tmp_path: Path) -> None:
    path = tmp_path / "tiles.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    cache = TileCache(path)
    assert len(cache) == 0
    assert cache.notes and "set aside" in cache.notes[0]
    assert list(tmp_path.glob("tiles.sqlite.damaged-*"))
    assert cache.put("https://t/1", tile_png(1, 0, 0), "image/png", {}, now=NOW)
    cache.close()
