"""Dossier verbs: export, verify-dossier.

Exporting renders headless: Qt WebEngine (the PDF printer, the rendered map) runs on Qt's
offscreen platform, so a script needs no display and no X11 libraries for it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from desk.cli._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
    UsageError,
    add_json_flag,
    open_for_writing,
    print_json,
    term,
)

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.dossier.export import PdfPrinter


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    export = verbs.add_parser("export", help="write the verdict dossier of one claim (signed)")
    export.add_argument("case", metavar="CASE")
    export.add_argument("--claim", type=int, required=True, metavar="ID", help="claim id")
    export.add_argument("--format", action="append", choices=("html", "pdf", "json", "all"),
                        metavar="html|pdf|json|all",
                        help="what to write (repeatable; default all). dossier.json is always"
                             " written: every page's footer names its hash")
    export.add_argument("--out", required=True, metavar="DIR",
                        help="a new or empty folder, or one holding an earlier dossier with"
                             " --replace")
    export.add_argument("--replace", action="store_true",
                        help="replace an earlier dossier desk wrote in DIR: only the files its"
                             " signed manifest lists are removed, and only while they are as"
                             " desk wrote them; the rest of DIR stays")
    export.add_argument("--force", action="store_true",
                        help="export even when the case fails verification; the dossier then"
                             " says so prominently on its first page and in dossier.json")
    export.add_argument("--url", default=None, help="public URL of the review, for ClaimReview")
    export.add_argument("--map", choices=("rendered", "sketch"), default="rendered",
                        help="map pictures: the map rendered offscreen (default, needs Qt"
                             " WebEngine; falls back to the sketch) or a sketch drawn from the"
                             " recorded coordinates")
    export.add_argument("--no-originals", action="store_true",
                        help="list the originals' hashes but do not copy the files")
    add_json_flag(export)
    export.set_defaults(func=cmd_export)

    verify = verbs.add_parser("verify-dossier",
                              help="check a dossier folder's hashes and signature")
    verify.add_argument("folder", metavar="DIR")
    verify.add_argument("--key", default=None, metavar="FINGERPRINT",
                        help="the signing key fingerprint the dossier must carry")
    add_json_flag(verify)
    verify.set_defaults(func=cmd_verify_dossier)


def cmd_export(args: argparse.Namespace) -> int:
    from desk.dossier.errors import DossierError
    from desk.dossier.export import (
        CaseFailsVerification,
        DossierExists,
        export_dossier,
        normalize_formats,
    )
    from desk.dossier.html import group_hex

    # Headless on purpose: nothing here shows a window, and offscreen needs no X11 libraries.
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        formats = normalize_formats(args.format or ["all"])
        printer = _pdf_printer() if "pdf" in formats else None
        with open_for_writing(args.case) as case, _map_pictures(case, args.map) as map_image:
            result = export_dossier(case, args.claim, Path(args.out), formats,
                                    map_image=map_image, pdf_printer=printer, url=args.url,
                                    include_originals=not args.no_originals,
                                    replace=args.replace, force=args.force)
    except DossierExists as exc:
        print(f"desk: {term(exc)} Nothing was written; pass --replace to replace it.",
              file=sys.stderr)
        return EXIT_USAGE
    except CaseFailsVerification as exc:
        print(f"desk: {term(exc)} (--force exports it marked.)", file=sys.stderr)
        return EXIT_PARTIAL
    except DossierError as exc:
        print(f"desk: {term(exc)}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print_json({
            "out": str(result.out_dir), "files": result.files,
            "record_sha256": result.record_sha256, "manifest_sha256": result.manifest_sha256,
            "key_fingerprint": result.fingerprint, "warnings": result.warnings,
            "replaced": result.replaced, "removed": result.removed,
        })
        return EXIT_OK
    for name in result.removed:
        print(f"removed    {term(result.out_dir / name)}  (part of the earlier dossier)")
    for name in result.files:
        print(f"wrote      {term(result.out_dir / name)}")
    print(f"record     SHA-256 of dossier.json {result.record_sha256}")
    print(f"signed     key fingerprint {group_hex(result.fingerprint)}")
    for warning in result.warnings:
        print(f"warning: {term(warning)}", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _map_pictures(case: CaseFile, kind: str) -> Iterator[Callable[[int], bytes | None] | None]:
    """The rendered map (Qt WebEngine, offscreen) when asked for and available, else None,
    which makes the dossier draw its sketch from the recorded coordinates."""
    if kind != "rendered" or not case.geolocations():
        yield None
        return
    try:
        from desk.ui.map.map_snapshot import MapSnapshotter
    except ImportError:
        yield None
        return
    with MapSnapshotter(case) as snapshots:
        yield snapshots.png


def _pdf_printer() -> PdfPrinter:
    from desk.dossier.errors import DossierError

    try:
        from desk.ui.export.pdf_printer import print_pdf
    except ImportError as exc:
        raise DossierError(f"PDF export needs Qt WebEngine, which cannot load here ({exc}).")\
            from exc
    printer: PdfPrinter = print_pdf
    return printer


def cmd_verify_dossier(args: argparse.Namespace) -> int:
    from desk.dossier.html import group_hex
    from desk.dossier.verify import check_dossier, parse_fingerprint

    key: str | None = None
    if args.key is not None:
        try:
            key = parse_fingerprint(args.key)
        except ValueError as exc:
            raise UsageError(f"--key: {exc}") from None
    check = check_dossier(args.folder, key)
    if args.json:
        print_json({"ok": check.ok, "files": check.files_checked,
                    "signature_ok": check.signature_ok,
                    "key_fingerprint": check.fingerprint, "problems": check.problems})
    elif check.ok:
        print(f"OK: {check.files_checked} files match manifest.json; the signature is valid;"
              f" signing key fingerprint {group_hex(check.fingerprint)}")
        if key is None:
            print("Compare that fingerprint with the one the desk publishes (or pass --key).")
    else:
        for problem in check.problems:
            print(f"FAILED {term(problem)}")
    if not Path(args.folder).is_dir():
        return EXIT_USAGE
    return EXIT_OK if check.ok else EXIT_PARTIAL
