"""Tile-pack verbs: `desk tiles info PACK` says what an MBTiles or PMTiles file holds (format,
bounds, zoom range, tile count, attribution) before a reviewer relies on it offline.

Exit codes: 0 done; 2 usage errors or a file that is not a usable pack (the message says why).
"""

from __future__ import annotations

import argparse
import sys

from desk.cli._common import EXIT_OK, EXIT_USAGE, add_json_flag, print_json, term


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    tiles = verbs.add_parser(
        "tiles", help="offline imagery: what a tile pack (MBTiles, PMTiles) holds",
        description="Offline imagery for the map, from tile packs made with QGIS, GDAL, MOBAC"
                    " or pmtiles (raster PNG, JPEG or WebP tiles).")
    actions = tiles.add_subparsers(dest="tiles_verb", metavar="ACTION", required=True,
                                   parser_class=type(tiles))
    info = actions.add_parser(
        "info", help="format, bounds, zoom range, tile count and attribution of a pack",
        description="Read a tile pack (by its content, not its name) and print its format,"
                    " name, tile type, bounds (west, south, east, north), zoom range, tile"
                    " count and attribution as the pack states it. The pack is only read.")
    info.add_argument("pack", metavar="PACK", help="an .mbtiles or .pmtiles file")
    add_json_flag(info, 'print {"path", "format", "name", "tile_type", "bounds", "min_zoom",'
                        ' "max_zoom", "tile_count", "attribution", ...}')
    info.set_defaults(func=cmd_tiles_info)


def cmd_tiles_info(args: argparse.Namespace) -> int:
    from desk.mapping.tilepacks import TilePackError, pack_info

    try:
        info = pack_info(args.pack)
    except TilePackError as exc:
        print(f"desk: {term(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print_json(info.to_json())
        return EXIT_OK
    bounds = ("not stated" if info.bounds is None
              else "west {:.5f}, south {:.5f}, east {:.5f}, north {:.5f}".format(*info.bounds))
    count = "not counted (too many)" if info.tile_count is None else f"{info.tile_count:,}"
    rows = [
        ("pack", term(info.path)),
        ("format", f"{info.format.upper()}, {info.tile_type.upper()} tiles"
                   + (f", {info.row_order.upper()} rows" if info.format == "mbtiles" else "")),
        ("name", term(info.name)),
        ("layer", "overlay" if info.layer_type == "overlay" else "base layer"),
        ("bounds", bounds),
        ("zoom", f"{info.min_zoom}–{info.max_zoom}"),
        ("tiles", count),
        ("attribution", term(info.attribution) or "none stated"),
    ]
    if info.description:
        rows.append(("about", term(info.description)))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    for note in info.notes:
        print(f"note: {term(note)}")
    return EXIT_OK
