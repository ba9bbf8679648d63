"""Map-data verbs: geo-export (KML or GeoJSON for Google Earth and GIS) and geo-import
(points of a KML, KMZ or GeoJSON file as landmarks).

geo-export reads the case only and writes its file whole or not at all; geo-import adds its
landmarks in one transaction with one custody entry naming the file and its SHA-256.
Exit codes: 0 done; 1 geo-import left out points the file offered (lines, areas, unusable
coordinates: the report says which); 2 usage errors, an unusable case or an unreadable file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

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
    export = verbs.add_parser(
        "geo-export", help="write the case's map data as KML (Google Earth) or GeoJSON (GIS)",
        description="Write the case's camera positions (with precision), view cones,"
                    " landmarks (the reference point marked) and movement tracks (in each"
                    " arrow's label and colour) as KML or GeoJSON (RFC 7946). The case is only"
                    " read.")
    export.add_argument("case", metavar="CASE")
    export.add_argument("--format", choices=("kml", "geojson"), default=None,
                        help="the file's format (default: from the --out name, .kml or"
                             " .geojson/.json)")
    export.add_argument("--out", required=True, metavar="FILE", help="the file to write")
    export.add_argument("--replace", action="store_true",
                        help="replace FILE if it exists (otherwise it is never overwritten)")
    add_json_flag(export)
    export.set_defaults(func=cmd_geo_export)

    imp = verbs.add_parser(
        "geo-import", help="add the points of a KML, KMZ or GeoJSON file as landmarks",
        description="Add every point (placemark) of a KML, KMZ or GeoJSON file as a landmark,"
                    " in one step that one undo removes. Lines, areas and other shapes are"
                    " skipped and counted; so are desk's own cameras, cones and tracks, and"
                    " points with the same name within 1 m of a landmark already in the case."
                    " Exit 1 when points the file offered were left out.")
    imp.add_argument("case", metavar="CASE")
    imp.add_argument("file", metavar="FILE", help="a .kml, .kmz or .geojson file")
    add_json_flag(imp)
    imp.set_defaults(func=cmd_geo_import)


def cmd_geo_export(args: argparse.Namespace) -> int:
    from desk.core.geo_export import ExportExists, counts_text, export_map, format_for

    out = Path(args.out)
    fmt = args.format or format_for(out)
    if fmt is None:
        raise UsageError("give --format kml or --format geojson (the --out name ends in"
                         " neither .kml nor .geojson)")
    with open_for_reading(args.case) as case:
        try:
            result = export_map(case, fmt, out, replace=args.replace)
        except ExportExists as exc:
            print(f"desk: {term(exc)} Nothing was written; pass --replace to replace it.",
                  file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        print_json({"out": str(result.path), "format": result.format, "bytes": result.bytes,
                    "replaced": result.replaced, "counts": result.counts,
                    "arrows_without_track": result.arrows_without_track})
        return EXIT_OK
    verb = "replaced" if result.replaced else "wrote"
    print(f"{verb} {term(result.path)} ({fmt.upper()}): {counts_text(result.counts)}")
    if result.arrows_without_track:
        n = result.arrows_without_track
        print(f"desk: {n} arrow{'s have' if n != 1 else ' has'} no track on the map, so"
              f" {'they are' if n != 1 else 'it is'} not in the file (draw or project the"
              " track in the window)", file=sys.stderr)
    return EXIT_OK


def cmd_geo_import(args: argparse.Namespace) -> int:
    from desk.core.geo_import import plan_import

    source = Path(args.file)
    with open_for_writing(args.case) as case:
        plan = plan_import(case, source)
        if plan.command is not None:
            plan.command.apply(case)
        case_path = case.path
    code = EXIT_OK if plan.complete else EXIT_PARTIAL
    if args.json:
        print_json({
            "case": str(case_path), "file": str(source), "sha256": plan.sha256,
            "format": plan.format, "imported": plan.imported,
            "landmarks": [{"id": lm.id, "name": lm.name, "lat": lm.lat, "lon": lm.lon,
                           "reference": lm.is_reference} for lm in plan.landmarks],
            "skipped": plan.skipped, "details": list(plan.details),
            "summary": plan.summary(), "complete": plan.complete,
        })
        return code
    for landmark in plan.landmarks:
        mark = "  (reference point)" if landmark.is_reference else ""
        print(f"landmark {landmark.id:<5} {landmark.lat:.7f}, {landmark.lon:.7f}"
              f"  {term(landmark.name)}{mark}")
    for detail in plan.details:
        print(f"skipped  {term(detail)}", file=sys.stderr)
    print(term(plan.summary()))
    return code
