"""Case verbs: new, import, info, verify."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

#: The custody-log entry of a verification (it changes no data, so it is not a command).
VERIFY_ACTION = "verify case"


def register(verbs: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    new = verbs.add_parser("new", help="create a case file")
    new.add_argument("case", metavar="CASE", help="path of the new .deskcase file")
    new.add_argument("--title", required=True, help="title of the case")
    new.add_argument("--description", default="", help="what the case is about")
    add_json_flag(new, 'print {"path": ..., "title": ...}')
    new.set_defaults(func=cmd_new)

    imp = verbs.add_parser("import", help="import image and video files and folders into a"
                                          " case")
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
        description="Re-hash every original and check the custody log (its chain, the row"
                    " digests each entry records against the data, and each entry's"
                    " signature) and the database. A damaged case is reported, read-only. The"
                    " result is recorded in the case's custody log ('verify case') when the case"
                    " can be written; a read-only case (or a shipped sample, or --read-only)"
                    " is verified without changing a byte of it.")
    verify.add_argument("case", metavar="CASE")
    verify.add_argument("--read-only", action="store_true",
                        help="do not record the verification (for a case received from"
                             " elsewhere that must stay byte for byte as received)")
    verify.add_argument("--against", action="append", metavar="DOSSIER_DIR",
                        help="a dossier exported from this case (repeatable): the case's"
                             " custody log must still hold every entry it recorded, so a log"
                             " cut short or rewritten since then fails")
    verify.add_argument("--key", action="append", metavar="FINGERPRINT",
                        help="a reviewer key fingerprint (repeatable): every signed custody"
                             " entry must be signed by one of the keys given")
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
    from desk.core.isolation import warm_parsers
    from desk.core.model import Provenance

    warm_parsers()  # the workers start while the case is opened and the files are listed
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
    from desk.core.metadata_rows import source_lines

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
        for line in source_lines(item):
            print(f"      {t(line)}")
        video = item.get("video")
        if video:
            fps = f", {video['fps']:g} fps" if video.get("fps") else ""
            print(f"      video: {video['duration_s']:g} s{fps}, {t(video['frames'])} frames,"
                  f" {t(video['codec'])} {t(video['width'])}x{t(video['height'])}")
        frame = item.get("frame_of")
        if frame:
            print(f"      frame {t(frame['frame_index'])} ({t(frame.get('timecode', ''))})"
                  f" of video {t(frame['video_id'])} ({t(str(frame['video_sha256'])[:12])}…)")
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
    from desk.core.casefile import CaseCorrupt, CaseFile

    keys = [_fingerprint(k) for k in args.key or []]
    sample = is_shipped_sample(args.case)
    damaged = False
    try:
        case = CaseFile.open(Path(args.case), read_only=args.read_only or sample)
    except CaseCorrupt:
        # Reported, not refused: what is wrong is the answer `verify` exists to give.
        case = CaseFile.open(Path(args.case), read_only=True, damaged_ok=True)
        damaged = True
    with case:
        report = case.verify()
        report.problems.extend(_key_problems(report.signers, keys))
        for folder in args.against or []:
            report.problems.extend(_against(case, folder))
        entries = report.head.seq if report.head else 0
        recorded = not case.read_only
        if recorded:
            case.log(VERIFY_ACTION, [], {"ok": report.ok, "originals": report.checked,
                                         "custody_entries": entries,
                                         "problems": report.problems})
    why = ("" if recorded else "the case is damaged" if damaged
           else "it is a shipped sample" if sample
           else "--read-only was given" if args.read_only else "the case file is read-only")
    signers = [{"fingerprint": fp, "entries": len(seqs), "first": seqs[0], "last": seqs[-1]}
               for fp, seqs in report.signers.items()]
    if args.json:
        print_json({"ok": report.ok, "originals": report.checked, "custody_entries": entries,
                    "problems": report.problems, "recorded": recorded, "signers": signers,
                    "head": ({"seq": report.head.seq, "hash": report.head.hash}
                             if report.head else None),
                    "notes": report.notes, "against": list(args.against or [])})
    else:
        if report.ok:
            print(f"OK: {report.checked} originals match their SHA-256, custody log of"
                  f" {entries} entries intact, database intact")
        else:
            for problem in report.problems:
                print(f"FAILED {term(problem)}")
        for signer in signers:
            print(f"signed     entries {signer['first']}–{signer['last']}"
                  f" ({signer['entries']}) by key {_grouped(str(signer['fingerprint']))}")
        for folder in args.against or []:
            if report.ok:
                print(f"pinned     the log extends the one {term(folder)} recorded")
        for text in report.notes:
            print(f"note: {term(text)}")
        if recorded:
            print(f"recorded   '{VERIFY_ACTION}' in the custody log")
    if not recorded:
        note(f"verified read-only ({why}); nothing was recorded in the custody log")
    return EXIT_OK if report.ok else EXIT_PARTIAL


def _fingerprint(value: str) -> str:
    from desk.cli._common import UsageError
    from desk.dossier.verify import parse_fingerprint

    try:
        return parse_fingerprint(value)
    except ValueError as exc:
        raise UsageError(f"--key: {exc}") from None


def _grouped(fingerprint: str) -> str:
    return " ".join(fingerprint[i:i + 4] for i in range(0, len(fingerprint), 4))


def _key_problems(signers: dict[str, list[int]], keys: list[str]) -> list[str]:
    """With --key, every signed entry must be signed by one of the keys given."""
    if not keys:
        return []
    problems = [f"custody log: entries {seqs[0]}–{seqs[-1]} ({len(seqs)}) are signed by key"
                f" {_grouped(fp)}, which is not one given with --key"
                for fp, seqs in signers.items() if fp not in keys]
    if not any(fp in keys for fp in signers):
        problems.append("custody log: no entry is signed by a key given with --key")
    return problems


def _against(case: CaseFile, folder: str) -> list[str]:
    from desk.dossier.pinning import compare, read_pin

    pin, problems = read_pin(folder)
    if pin is None:
        return problems
    return compare(case.audit_entries(), pin)
