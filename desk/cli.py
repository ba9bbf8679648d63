"""`desk` on the command line: headless verbs for scripts and checks, or the window.

The verb surface is a contract other tools call; errors are one plain line, never a traceback.
Exit codes: 0 success, 1 some items failed (rejected files, failed verification), 2 usage
errors or an unusable case file.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from desk import __version__

#: Listed here (not imported) so that `desk CASE` opens the window without loading the verbs.
VERBS = ("new", "import", "info", "verify", "claim", "export", "verify-dossier")
EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"desk: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="desk",
        description="Evidence review for verification desks. Without a verb, opens the window.",
    )
    parser.add_argument("--version", action="version", version=f"desk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="check that this installation works end to end, then exit")
    verbs = parser.add_subparsers(dest="verb", metavar="VERB", parser_class=_Parser)

    new = verbs.add_parser("new", help="create a case file")
    new.add_argument("case", metavar="CASE", help="path of the new .deskcase file")
    new.add_argument("--title", required=True, help="title of the case")

    imp = verbs.add_parser("import", help="import image files and folders into a case")
    imp.add_argument("case", metavar="CASE")
    imp.add_argument("paths", metavar="PATH", nargs="+", help="files or folders (recursive)")
    imp.add_argument("--source-url", default="", help="where the files were obtained")
    imp.add_argument("--platform", default="", help="platform they were published on")
    imp.add_argument("--json", action="store_true", help="print one JSON object")

    info = verbs.add_parser("info", help="summarise a case's claims and evidence")
    info.add_argument("case", metavar="CASE")
    info.add_argument("--json", action="store_true", help="print one JSON object")

    verify = verbs.add_parser("verify", help="re-hash originals, check custody log and database")
    verify.add_argument("case", metavar="CASE")
    verify.add_argument("--json", action="store_true", help="print one JSON object")

    from desk.dossier import cli_verbs

    cli_verbs.register(verbs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list == ["--self-test"]:
        from desk import selftest

        return selftest.run()
    if not args_list or (args_list[0] not in VERBS and not args_list[0].startswith("-")):
        return _open_window(args_list)
    args = build_parser().parse_args(args_list)
    if args.verb is None:
        return _open_window([])
    try:
        if args.verb not in _VERB_FUNCTIONS:
            from desk.dossier import cli_verbs

            _VERB_FUNCTIONS.update(cli_verbs.FUNCTIONS)
        return int(_VERB_FUNCTIONS[args.verb](args))
    except KeyboardInterrupt:
        print("desk: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 - the last line of defence against tracebacks
        from desk.core.casefile import CaseFileError

        if isinstance(exc, CaseFileError):
            print(f"desk: {exc}", file=sys.stderr)
        else:
            print(f"desk: unexpected error ({type(exc).__name__}: {exc}); nothing was"
                  " changed beyond the last completed step.", file=sys.stderr)
        return EXIT_USAGE


def _open_window(args: list[str]) -> int:
    if len(args) > 1:
        print("desk: open one case at a time: desk [CASE]", file=sys.stderr)
        return EXIT_USAGE
    from desk.ui.shell.app import run

    return run(Path(args[0]) if args else None)


def _cmd_new(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile

    with CaseFile.create(args.case, args.title) as case:
        print(f"created {case.path}")
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile
    from desk.core.intake import import_files
    from desk.core.model import Provenance

    with CaseFile.open(args.case) as case:
        def progress(done: int, total: int, item: object) -> None:
            if not args.json and sys.stderr.isatty():
                print(f"\r{done}/{total}", end="", file=sys.stderr, flush=True)

        report = import_files(
            case,
            args.paths,
            provenance=Provenance(source_url=args.source_url, platform=args.platform),
            progress=progress,
        )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False))
    else:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        for item in report.imported:
            print(f"imported   {item.path}  (id {item.evidence_id}, sha256 {item.sha256[:16]}…)")
        for item in report.duplicates:
            print(f"duplicate  {item.path}  (already evidence {item.evidence_id})")
        for item in report.rejected:
            print(f"rejected   {item.path}: {item.reason}")
        print(f"{len(report.imported)} imported, {len(report.duplicates)} duplicates,"
              f" {len(report.rejected)} rejected")
    return EXIT_PARTIAL if report.rejected else EXIT_OK


def _cmd_info(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile
    from desk.core.report import case_summary

    with CaseFile.open(args.case, read_only=True) as case:
        summary = case_summary(case)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"{summary['title']}")
    claims = summary["claims"]
    evidence = summary["evidence"]
    assert isinstance(claims, list) and isinstance(evidence, list)
    print(f"{len(claims)} claims, {len(evidence)} evidence items,"
          f" {summary['custody_entries']} custody-log entries")
    for claim in claims:
        verdict = claim["verdict"]
        rating = f"[{verdict['rating']}, {verdict['confidence']} confidence]" if verdict else \
            "[no verdict]"
        print(f"  claim {claim['id']}: {claim['text']} {rating}")
        for st in claim["statements"]:
            print(f"      {st['speaker']}: {st['text']}")
    for item in evidence:
        gps = item["gps"]
        where = f"GPS {gps['lat']:.5f}, {gps['lon']:.5f}" if gps else "no GPS"
        flags = ", ".join(item["flags"]) or "no flags"
        print(f"  evidence {item['id']}: {item['name']}  {item['captured_at'] or 'no time'}"
              f"  {where}  [{flags}]")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile

    # Read-only: checking a case received from elsewhere must not change its bytes.
    with CaseFile.open(args.case, read_only=True) as case:
        report = case.verify()
        entries = len(case.audit_entries())
    if args.json:
        print(json.dumps({"ok": report.ok, "originals": report.checked,
                          "custody_entries": entries, "problems": report.problems}))
    elif report.ok:
        print(f"OK: {report.checked} originals match their SHA-256, custody log of {entries}"
              " entries intact, database intact")
    else:
        for problem in report.problems:
            print(f"FAILED {problem}")
    return EXIT_OK if report.ok else EXIT_PARTIAL


_VERB_FUNCTIONS = {
    "new": _cmd_new,
    "import": _cmd_import,
    "info": _cmd_info,
    "verify": _cmd_verify,
}
