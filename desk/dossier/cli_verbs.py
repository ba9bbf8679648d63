"""The dossier verbs of `desk`: claim, export, verify-dossier.

Each verb takes the parsed argparse Namespace and returns an exit code (0 success, 1 a check
failed, 2 usage or an unusable input), printing one plain line per error, never a traceback.
`register(subparsers)` adds them to desk's parser; `FUNCTIONS` maps verb to function.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
VERBS: tuple[str, ...] = ("claim", "export", "verify-dossier")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the dossier verbs to desk's sub-command parsers."""
    claim = subparsers.add_parser("claim", help="add a claim to a case and print its id")
    claim.add_argument("case", metavar="CASE")
    claim.add_argument("--text", required=True, help="the claim, as made")
    claim.add_argument("--claimant", default="", help="who made the claim")
    claim.add_argument("--first-url", default="", help="URL of the claim's first appearance")
    claim.add_argument("--first-date", default="", help="date of the first appearance")
    claim.add_argument("--appearance", action="append", default=[], metavar="URL",
                       help="a further appearance (repeatable)")
    claim.add_argument("--evidence", nargs="+", type=int, action="extend", default=[],
                       metavar="ID", help="evidence ids to link to the claim")
    claim.add_argument("--stance", choices=("supports", "contradicts", "context"),
                       default="context", help="stance of the linked evidence (default context)")
    claim.add_argument("--json", action="store_true", help='print {"id": N}')

    export = subparsers.add_parser("export", help="write the verdict dossier of one claim")
    export.add_argument("case", metavar="CASE")
    export.add_argument("--claim", type=int, required=True, metavar="ID", help="claim id")
    export.add_argument("--format", action="append", choices=("html", "pdf", "json", "all"),
                        metavar="html|pdf|json|all",
                        help="what to write (repeatable; default all). dossier.json is always"
                             " written: every page's footer names its hash")
    export.add_argument("--out", required=True, metavar="DIR",
                        help="new or empty folder (an earlier dossier there is replaced)")
    export.add_argument("--url", default=None, help="public URL of the review, for ClaimReview")
    export.add_argument("--map", choices=("rendered", "sketch"), default="rendered",
                        help="map pictures: the map rendered offscreen (default, needs Qt"
                             " WebEngine; falls back to the sketch) or a sketch drawn from the"
                             " recorded coordinates")
    export.add_argument("--no-originals", action="store_true",
                        help="list the originals' hashes but do not copy the files")
    export.add_argument("--json", action="store_true", help="print one JSON object")

    verify = subparsers.add_parser("verify-dossier",
                                   help="check a dossier folder's hashes and signature")
    verify.add_argument("folder", metavar="DIR")
    verify.add_argument("--key", default=None, metavar="FINGERPRINT",
                        help="the signing key fingerprint the dossier must carry")
    verify.add_argument("--json", action="store_true", help="print one JSON object")


def cmd_claim(args: argparse.Namespace) -> int:
    from desk.core import commands
    from desk.core.casefile import CaseFile
    from desk.core.model import Claim

    text = args.text.strip()
    if not text:
        print("desk: the claim text is empty", file=sys.stderr)
        return EXIT_USAGE
    with CaseFile.open(args.case) as case:
        missing = [i for i in args.evidence if not _has_evidence(case, i)]
        if missing:
            print(f"desk: no evidence {', '.join(map(str, missing))} in {case.path.name}",
                  file=sys.stderr)
            return EXIT_USAGE
        add = commands.add_claim(case, Claim(
            0, text, claimant=args.claimant.strip(), first_appearance_url=args.first_url.strip(),
            first_appearance_date=args.first_date.strip(),
            appearances=[a.strip() for a in args.appearance if a.strip()],
        ))
        claim_id = int(dict(add.key)["id"])  # type: ignore[call-overload]
        links = [commands.link_evidence(claim_id, eid, args.stance)
                 for eid in dict.fromkeys(args.evidence)]
        commands.Batch((add, *links), "Add claim").apply(case)
    print(json.dumps({"id": claim_id}) if args.json else claim_id)
    return EXIT_OK


def _has_evidence(case: object, evidence_id: int) -> bool:
    try:
        case.get_evidence(evidence_id)  # type: ignore[attr-defined]
    except KeyError:
        return False
    return True


def cmd_export(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile
    from desk.dossier.errors import DossierError
    from desk.dossier.export import export_dossier, normalize_formats

    try:
        formats = normalize_formats(args.format or ["all"])
        printer = _pdf_printer() if "pdf" in formats else None
        with CaseFile.open(args.case) as case, _map_pictures(case, args.map) as map_image:
            result = export_dossier(case, args.claim, Path(args.out), formats,
                                    map_image=map_image, pdf_printer=printer, url=args.url,
                                    include_originals=not args.no_originals)
    except DossierError as exc:
        print(f"desk: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps({
            "out": str(result.out_dir), "files": result.files,
            "record_sha256": result.record_sha256, "manifest_sha256": result.manifest_sha256,
            "key_fingerprint": result.fingerprint, "warnings": result.warnings,
        }, ensure_ascii=False))
        return EXIT_OK
    for name in result.files:
        print(f"wrote      {result.out_dir / name}")
    print(f"record     SHA-256 of dossier.json {result.record_sha256}")
    print(f"signed     key fingerprint {_grouped(result.fingerprint)}")
    for warning in result.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return EXIT_OK


@contextmanager
def _map_pictures(case: object, kind: str) -> Iterator[Callable[[int], bytes | None] | None]:
    """The rendered map (Qt WebEngine, offscreen) when asked for and available, else None,
    which makes the dossier draw its sketch from the recorded coordinates."""
    if kind != "rendered":
        yield None
        return
    try:
        from desk.ui.map.map_snapshot import MapSnapshotter
    except ImportError:
        yield None
        return
    with MapSnapshotter(case) as snapshots:  # type: ignore[arg-type]
        yield snapshots.png


def _pdf_printer():  # type: ignore[no-untyped-def]
    from desk.dossier.errors import DossierError

    try:
        from desk.ui.export.pdf_printer import print_pdf
    except ImportError as exc:
        raise DossierError(f"PDF export needs Qt WebEngine, which cannot load here ({exc}).")\
            from exc
    return print_pdf


def cmd_verify_dossier(args: argparse.Namespace) -> int:
    from desk.dossier.verify import check_dossier

    check = check_dossier(args.folder, args.key)
    if args.json:
        print(json.dumps({"ok": check.ok, "files": check.files_checked,
                          "signature_ok": check.signature_ok,
                          "key_fingerprint": check.fingerprint, "problems": check.problems},
                         ensure_ascii=False))
    elif check.ok:
        print(f"OK: {check.files_checked} files match manifest.json; the signature is valid;"
              f" signing key fingerprint {_grouped(check.fingerprint)}")
        if not args.key:
            print("Compare that fingerprint with the one the desk publishes (or pass --key).")
    else:
        for problem in check.problems:
            print(f"FAILED {problem}")
    if not Path(args.folder).is_dir():
        return EXIT_USAGE
    return EXIT_OK if check.ok else EXIT_FAILED


def _grouped(fingerprint: str) -> str:
    """The fingerprint in groups of four, as the dossier prints it."""
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


FUNCTIONS = {
    "claim": cmd_claim,
    "export": cmd_export,
    "verify-dossier": cmd_verify_dossier,
}
