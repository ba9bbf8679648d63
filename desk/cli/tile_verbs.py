"""Tile-pack verbs: `desk tiles info PACK` says what an MBTiles or PMTiles file holds (format,
bounds, zoom range, tile count, attribution) before a reviewer relies on it offline;
`desk tiles add CASE PACK` refers the case to a pack (path and SHA-256, one custody entry) and
`desk tiles list CASE` names the packs a case expects and whether this machine has them;
`desk tiles download CASE` saves an area of an organisation's own tile server as a pack and
adds it.

Exit codes: 0 done; 1 `list` found a pack missing or different here, or `download` gave up
on some tiles; 2 usage errors, an unusable case or a file that is not a usable pack, or a
download refused (the message says why).
"""

from __future__ import annotations

import argparse
import sys

from desk.cli._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    UsageError,
    add_json_flag,
    open_for_reading,
    open_for_writing,
    print_json,
    term,
)


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

    add = actions.add_parser(
        "add", help="use a tile pack in the case's map (referred to by path and SHA-256)",
        description="Read the pack, hash it whole (SHA-256) and refer the case to it: the"
                    " case records its path, hash, size, name and attribution, never its"
                    " tiles, and the custody log says so. The same pack is added once.")
    add.add_argument("case", metavar="CASE")
    add.add_argument("pack", metavar="PACK", help="an .mbtiles or .pmtiles file")
    add.add_argument("--overlay", action="store_true",
                     help="lay it over the base layer (default: as the pack states)")
    add.add_argument("--base", action="store_true", help="use it as a base layer")
    add.add_argument("--opacity", type=float, default=1.0, metavar="0..1",
                     help="its opacity on the map (default 1)")
    add_json_flag(add, 'print the reference {"id", "path", "sha256", "size", "format", "name",'
                       ' "attribution", "role", "opacity", "added_at"}')
    add.set_defaults(func=cmd_tiles_add)

    listing = actions.add_parser(
        "list", help="the packs the case's map uses, and whether this machine has them",
        description="List the packs the case refers to and, for each, whether the file at"
                    " its path is that pack: missing, different (another size or hash) or"
                    " found. Exit 1 when one is missing or different. The case is only read.")
    listing.add_argument("case", metavar="CASE")
    listing.add_argument("--check-hash", action="store_true",
                         help="re-hash packs of the right size (slow for large packs)")
    add_json_flag(listing, 'print {"packs": [{"id", "path", "sha256", ..., "presence":'
                           ' {"state", "path", "hashed", "detail"}}]}')
    listing.set_defaults(func=cmd_tiles_list)

    download = actions.add_parser(
        "download", help="save an area of your organisation's own tile server as a pack and"
                         " add it to the case",
        description="Fetch the tiles of an area (south, west, north, east in degrees) from"
                    " zoom A to B of your organisation's own tile server into an MBTiles"
                    " pack, then refer the case to it as `tiles add` does. The tile count is"
                    " worked out (and capped) first; a rerun resumes, fetching only tiles"
                    " not yet in the pack. Public providers (OpenStreetMap, Esri and the"
                    " others desk knows) are refused: their usage policies forbid bulk"
                    " download. Exit 1 when some tiles failed (run again to retry them).")
    download.add_argument("case", metavar="CASE")
    download.add_argument("--url", required=True, metavar="TEMPLATE",
                          help="the server's URL template, with {z}, {x} and {y}")
    download.add_argument("--bbox", required=True, metavar="S,W,N,E",
                          help="the area: south,west,north,east in degrees")
    download.add_argument("--zoom", required=True, metavar="A-B", help="zoom levels, e.g. 12-17")
    download.add_argument("--header", metavar="NAME:VALUE", default="",
                          help="the API key header; NAME alone takes the value from the"
                               " DESK_TILE_KEY environment variable (kept out of the process"
                               " list)")
    download.add_argument("--attribution", default="", metavar="TEXT",
                          help="the credit the pack states (default: the server's host)")
    download.add_argument("--out", required=True, metavar="PACK", help="the .mbtiles file")
    add_json_flag(download, 'print {"total", "saved", "already", "missing", "failed",'
                            ' "pack": {reference keys}}')
    download.set_defaults(func=cmd_tiles_download)


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


def cmd_tiles_add(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.commands import CommandError
    from desk.core.imagery import BASE, OVERLAY
    from desk.mapping.tilepacks import TilePackError, reference_for

    if args.overlay and args.base:
        raise UsageError("a pack is either --overlay or --base")
    role = OVERLAY if args.overlay else BASE if args.base else None
    try:
        ref = reference_for(args.pack, role, args.opacity)
    except TilePackError as exc:
        print(f"desk: {term(exc)}", file=sys.stderr)
        return EXIT_USAGE
    with open_for_writing(args.case) as case:
        try:
            command = commands.add_tile_pack(case, ref)
        except CommandError as exc:
            raise UsageError(str(exc)) from None
        command.apply(case)
        pack_id = commands.created_id(command)
        added = next(p for p in case.tile_packs() if p.id == pack_id)
    if args.json:
        print_json(added.to_json())
    else:
        kind = "overlay" if added.role == OVERLAY else "base layer"
        print(f"added pack {added.id}: {term(added.name)} ({added.format}, {kind},"
              f" SHA-256 {added.sha256})")
    return EXIT_OK


def cmd_tiles_list(args: argparse.Namespace) -> int:
    from desk.core.imagery import FOUND, presence

    with open_for_reading(args.case) as case:
        packs = case.tile_packs()
    found = [(ref, presence(ref, check_hash=args.check_hash)) for ref in packs]
    status = EXIT_OK if all(p.state == FOUND for _, p in found) else EXIT_PARTIAL
    if args.json:
        print_json({"packs": [{**ref.to_json(), "presence": p.to_json()} for ref, p in found]})
        return status
    if not found:
        print("the case uses no tile packs")
    for ref, here in found:
        print(f"{ref.id}  {term(ref.name) or '(unnamed)'}  {ref.format}  {ref.role}"
              f"  {here.state}: {term(here.detail)}")
        print(f"    {term(ref.path)}  SHA-256 {ref.sha256}")
    return status


def cmd_tiles_download(args: argparse.Namespace) -> int:
    import os
    from pathlib import Path

    from desk.core import commands
    from desk.core.commands import CommandError
    from desk.mapping.area_download import (
        Area,
        DownloadError,
        OrgServer,
        ServerSettingsError,
        download_area,
        parse_zooms,
    )
    from desk.mapping.tilepacks import TilePackError, reference_for

    name, colon, value = str(args.header).partition(":")
    if name and not colon:
        value = os.environ.get("DESK_TILE_KEY", "")
    try:
        server = OrgServer(args.url, name, value, args.attribution)
        area = Area.parse(args.bbox)
        low, high = parse_zooms(args.zoom)
    except (ServerSettingsError, DownloadError) as exc:
        raise UsageError(str(exc)) from None
    with open_for_writing(args.case):  # a case that cannot take the pack is said first
        pass
    shown = sys.stderr.isatty() and not args.json

    def progress(done: int, total: int) -> None:
        if shown:
            print(f"\r{done:,} of {total:,} tiles", end="", file=sys.stderr, flush=True)

    try:
        report = download_area(server, area, low, high, Path(args.out), progress=progress)
    except DownloadError as exc:
        print(f"\ndesk: {term(exc)}" if shown else f"desk: {term(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if shown:
        print(file=sys.stderr)
    result: dict[str, object] = {"total": report.total, "saved": report.saved,
                                 "already": report.already, "missing": report.missing,
                                 "failed": report.failed, "pack": None}
    if report.saved + report.already:
        try:
            ref = reference_for(args.out)
        except TilePackError as exc:
            print(f"desk: {term(exc)}", file=sys.stderr)
            return EXIT_USAGE
        with open_for_writing(args.case) as case:
            try:
                command = commands.add_tile_pack(case, ref)
            except CommandError as exc:
                print(f"note: {term(exc)}", file=sys.stderr)
            else:
                command.apply(case)
                pack_id = commands.created_id(command)
                result["pack"] = next(p for p in case.tile_packs()
                                      if p.id == pack_id).to_json()
    if args.json:
        print_json(result)
    else:
        print(term(report.summary()))
        for problem in report.problems:
            print(f"failed: {term(problem)}")
        pack = result["pack"]
        if isinstance(pack, dict):
            print(f"added pack {pack['id']}: {term(pack['name'])} (SHA-256 {pack['sha256']})")
    return EXIT_PARTIAL if report.failed else EXIT_OK
