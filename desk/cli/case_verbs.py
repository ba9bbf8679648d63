"""Case verbs: new, import, info, verify."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from desk.cli._common import (
    EXIT_OK,
    EXIT_PARTIAL,
    add_json_flag,
    is_shipped_sample,
    json_text,
    note,
    open_for_reading,
    open_for_writing,
    print_json,
    term,
)

#: The custody-log entry of a verification (it changes no data, so it is not a command).
VERIFY_ACTION = "verify case"


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    new = verbs.add_parser("new", help="create a case file")
    new.add_argument("case", metavar="CASE", help="path of the new .deskcase file")
    new.add_argument("--title", required=True, help="title of the case")
    new.add_argument("--description", default="", help="what the case is about")
    add_json_flag(new, 'print {"path": ..., "title": ...}')
    new.set_defaults(func=cmd_new)

    imp = verbs.add_parser("import", help="import image files and folders into a case")
    imp.add_argument("case", metavar="CASE")
    imp.add_argument("paths", metavar="PATH", nargs="+", help="files or folders (recursive)")
    imp.add_argument("--source-url", default="", help="where the files were obtained")
    imp.add_argument("--platform", default="", help="platform they were published on")
    add_json_flag(imp)
    imp.set_defaults(func=cmd_import)

    info = verbs.add_parser("info", help="summarise a case's claims, evidence and findings")
    info.add_argument("case", metavar="CASE")
    add_json_flag(info)
    info.set_defaults(func=cmd_info)

    verify = verbs.add_parser(
        "verify", help="re-hash originals, check custody log and database, and record the check",
        description="Re-hash every original and check the custody log and the database. The"
                    " result is recorded in the case's custody log ('verify case') when the case"
                    " can be written; a read-only case (or a shipped sample, or --read-only)"
                    " is verified without changing a byte of it.")
    verify.add_argument("case", metavar="CASE")
    verify.add_argument("--read-only", action="store_true",
                        help="do not record the verification (for a case received from"
                             " elsewhere that must stay byte for byte as received)")
    add_json_flag(verify)
    verify.set_defaults(func=cmd_verify)


def cmd_new(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile

    with CaseFile.create(args.case, args.title) as case:
        if args.description.strip():
            case.set_meta("description", args.description.strip())
        if args.json:
            print_json({"path": str(case.path), "title": case.title})
        else:
            print(f"created {term(case.path)}")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from desk.core.intake import import_files
    from desk.core.model import Provenance

    with open_for_writing(args.case) as case:
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
        print_json(report.to_json())
    else:
        if sys.stderr.isatty():
            print(file=sys.stderr)
        for item in report.imported:
            print(f"imported   {term(item.path)}  (id {item.evidence_id},"
                  f" sha256 {item.sha256[:16]}…)")
        for item in report.duplicates:
            known = f"already evidence {item.evidence_id}" if item.evidence_id else "already"
            print(f"duplicate  {term(item.path)}  ({known})")
        for item in report.rejected:
            print(f"rejected   {term(item.path)}: {term(item.reason)}")
        for item in report.not_stored:
            print(f"not stored {term(item.path)}: {term(item.reason)}")
        print(f"{len(report.imported)} imported, {len(report.duplicates)} duplicates,"
              f" {len(report.rejected)} rejected"
              + (f", {len(report.not_stored)} not stored" if report.stopped else ""))
    if report.stopped:
        note(f"the import stopped after {len(report.imported)} files were stored:"
             f" {term(report.stopped)} The files listed as not stored are not in the case;"
             " the same import run again adds them (what is stored shows as duplicates).")
    return EXIT_PARTIAL if report.rejected or report.stopped else EXIT_OK


def cmd_info(args: argparse.Namespace) -> int:
    from desk.core.report import case_summary

    with open_for_reading(args.case) as case:
        summary = case_summary(case)
    if args.json:
        print(json_text(summary, indent=2))
        return EXIT_OK
    _print_summary(summary)
    return EXIT_OK


def _print_summary(summary: dict[str, Any]) -> None:
    """The summary for a person; every value from the case is escaped (term): the case may
    come from anyone, and its titles, claims, names and even its ids are only text."""
    t = term
    claims: list[dict[str, Any]] = summary["claims"]
    evidence: list[dict[str, Any]] = summary["evidence"]
    landmarks: list[dict[str, Any]] = summary["landmarks"]
    print(t(summary["title"]))
    print(f"{len(claims)} claims, {len(evidence)} evidence items,"
          f" {t(summary['custody_entries'])} custody-log entries")
    for claim in claims:
        verdict = claim["verdict"]
        rating = (f"[{t(verdict['rating'])}, {t(verdict['confidence'])} confidence]" if verdict
                  else "[no verdict]")
        print(f"  claim {t(claim['id'])}: {t(claim['text'])} {rating}")
        for st in claim["statements"]:
            said = f" ({t(st['said_at'])})" if st["said_at"] else ""
            print(f"      statement {t(st['id'])}: {t(st['speaker'])}{said}: {t(st['text'])}")
        for link in claim["evidence"]:
            print(f"      evidence {t(link['id'])} {t(link['stance'])}")
    for item in evidence:
        gps = item["gps"]
        where = f"GPS {gps['lat']:.5f}, {gps['lon']:.5f}" if gps else "no GPS"
        flags = ", ".join(t(flag) for flag in item["flags"]) or "no flags"
        when = t(item["captured_at"] or "no time")
        print(f"  evidence {t(item['id'])}: {t(item['name'])}  {when}  {where}  [{flags}]")
        geo = item["geolocation"]
        if geo:
            view = f", heading {geo['heading']:.0f}°" if geo["heading"] is not None else ""
            print(f"      geolocated at {geo['lat']:.5f}, {geo['lon']:.5f}"
                  f" (±{geo['precision_m']:g} m{view}, {t(geo['confidence'])} confidence)")
        for move in item["movements"]:
            label = f" ({t(move['label'])})" if move["label"] else ""
            finding = move["finding"]
            text = finding["sentence"] if finding else f"no finding: {move['no_finding']}"
            print(f"      movement {t(move['id'])}{label}: {t(text)}")
    for landmark in landmarks:
        role = " [reference point]" if landmark["is_reference"] else ""
        print(f"  landmark {t(landmark['id'])}: {t(landmark['name'])}  {landmark['lat']:.5f},"
              f" {landmark['lon']:.5f}{role}")


def cmd_verify(args: argparse.Namespace) -> int:
    from desk.core.casefile import CaseFile

    sample = is_shipped_sample(args.case)
    with CaseFile.open(Path(args.case), read_only=args.read_only or sample) as case:
        report = case.verify()
        entries = len(case.audit_entries())
        recorded = not case.read_only
        if recorded:
            case.log(VERIFY_ACTION, [], {"ok": report.ok, "originals": report.checked,
                                         "custody_entries": entries,
                                         "problems": report.problems})
    why = ("" if recorded else "it is a shipped sample" if sample
           else "--read-only was given" if args.read_only else "the case file is read-only")
    if args.json:
        print_json({"ok": report.ok, "originals": report.checked, "custody_entries": entries,
                    "problems": report.problems, "recorded": recorded})
    else:
        if report.ok:
            print(f"OK: {report.checked} originals match their SHA-256, custody log of"
                  f" {entries} entries intact, database intact")
        else:
            for problem in report.problems:
                print(f"FAILED {term(problem)}")
        if recorded:
            print(f"recorded   '{VERIFY_ACTION}' in the custody log")
    if not recorded:
        note(f"verified read-only ({why}); nothing was recorded in the custody log")
    return EXIT_OK if report.ok else EXIT_PARTIAL
