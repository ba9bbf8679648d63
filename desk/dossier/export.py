"""Writing one claim's dossier folder: HTML, JSON, PDF, originals, manifest and signature.

The folder is built beside its destination and moved into place when complete, so a reader
never finds half a dossier. Originals are copied in, named by their SHA-256: without them a
reader can check no hash, and a hash as the name keeps hostile original names (paths, bidi
tricks, clashes) out of the file system; the original names are in the dossier text.
`include_originals=False` leaves them out (the manifest still lists their hashes) for when a
source must be protected or the files are too large to send.

A folder that holds an earlier dossier is replaced only when the caller says so
(`replace=True`: the window asks the reviewer, the command line wants `--replace`), only if
desk wrote and signed that dossier, and then only the files its manifest lists are removed:
whatever else the reviewer keeps in the folder stays.

The PDF is printed from its own copy of the HTML, the same page with the stills at print
size (`images.PRINT_BOX`): dossier.html, the copy a reader verifies, is the same bytes with or
without a PDF. With a printer that can start ahead (`PrintEngine`, as print_pdf can), Chromium
starts while the stills are decoded and prints while the originals are copied.

The footer of every printed page carries the SHA-256 of dossier.json, not of the manifest:
the manifest lists the PDF, so it cannot also appear inside it. dossier.json is always written
for that reason, and the signed manifest lists it, which ties each page to the signature.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, runtime_checkable

from desk import __version__
from desk.core import signing
from desk.core.casefile import CaseFile, CaseFileError
from desk.dossier.data import (
    EXPORT_ACTION,
    MapImage,
    Progress,
    collect,
    preflight_warnings,
    trim_exports,
)
from desk.dossier.errors import DossierError
from desk.dossier.html import render_html, warm_templates
from desk.dossier.images import PRINT_BOX, SCREEN_BOX, Box, image_mime, still_sets
from desk.dossier.manifest import (
    FORMAT,
    MANIFEST,
    PUBLIC_KEY,
    SIGNATURE,
    build_manifest,
    canonical_json,
    safe_relative,
    sha256_file,
)

FORMATS: tuple[str, ...] = ("html", "json", "pdf")
HTML_FILE, JSON_FILE, PDF_FILE = "dossier.html", "dossier.json", "dossier.pdf"
#: The printer's input, removed once printed: never part of the dossier.
PRINT_HTML = ".print.html"

#: Prints `html_path` to `pdf_path` with `footer_text` and page numbers on every page.
PdfPrinter = Callable[[Path, Path, str], None]
Cancel = Callable[[], bool]


class PrintSession(Protocol):
    """A printer started ahead of its page: `idle()` while other work runs, `start()` once the
    HTML is written (returns at once), `finish()` to wait and write the PDF, `close()` always."""

    def idle(self) -> None: ...
    def start(self, html_path: Path, pdf_path: Path, footer_text: str) -> None: ...
    def finish(self) -> None: ...
    def close(self) -> None: ...


@runtime_checkable
class PrintEngine(Protocol):
    """A PdfPrinter that can also open a `PrintSession` (desk.ui.export.pdf_printer.print_pdf)."""

    def __call__(self, html_path: Path, pdf_path: Path, footer_text: str) -> None: ...
    def session(self) -> PrintSession: ...


class DossierExists(DossierError):
    """The folder holds an earlier dossier and the caller did not ask to replace it."""


@dataclass
class ExportResult:
    out_dir: Path
    files: list[str]  # paths relative to out_dir, sorted, manifest and signature included
    record_sha256: str  # SHA-256 of dossier.json, printed on every page
    manifest_sha256: str
    fingerprint: str  # SHA-256 of the signing key's raw public key
    warnings: list[str] = field(default_factory=list)
    logged: bool = True  # False when the case was read-only and the export went unrecorded
    replaced: bool = False  # an earlier dossier in out_dir was replaced
    removed: list[str] = field(default_factory=list)  # its files the new one does not have


def normalize_formats(formats: Iterable[str]) -> frozenset[str]:
    chosen = {f.strip().lower() for f in formats}
    if "all" in chosen:
        chosen = (chosen - {"all"}) | set(FORMATS)
    unknown = sorted(chosen - set(FORMATS))
    if unknown:
        raise DossierError(f"Unknown dossier format {', '.join(unknown)}; use html, pdf, json"
                           " or all.")
    if not chosen:
        raise DossierError("Choose at least one dossier format.")
    return frozenset(chosen)


def footer_text(claim_id: int, record_sha256: str) -> str:
    return f"Claim {claim_id} dossier · record SHA-256 (dossier.json) {record_sha256}"


def preflight(case: CaseFile, claim_id: int) -> list[str]:
    """Warnings to show before exporting (open checklist items, no verdict); raises for no claim."""
    try:
        return preflight_warnings(case, claim_id)
    except KeyError:
        raise DossierError(f"There is no claim {claim_id} in {case.path.name}.") from None


def render_preview(
    case: CaseFile, claim_id: int, *, map_image: MapImage | None = None, url: str | None = None
) -> str:
    """The dossier HTML as it would be exported, unsigned: for the export dialog's preview.

    Over 2 MB with pictures, so a QWebEngineView must load it from a file, not setHtml().
    """
    dossier = collect(case, claim_id, map_image=map_image, url=url)
    record_sha = hashlib.sha256(canonical_json(dossier.record)).hexdigest()
    return render_html(dossier, record_sha256=record_sha)


def export_dossier(
    case: CaseFile,
    claim_id: int,
    out_dir: str | os.PathLike[str],
    formats: Iterable[str] = FORMATS,
    map_image: MapImage | None = None,
    pdf_printer: PdfPrinter | None = None,
    url: str | None = None,
    *,
    include_originals: bool = True,
    key_file: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    replace: bool = False,
    force: bool = False,
) -> ExportResult:
    """Write the dossier of one claim into `out_dir` and record the export in the custody log.

    `out_dir` must be absent or empty, or hold an earlier dossier desk signed and `replace` be
    true (DossierExists otherwise); replacing removes only the files the earlier manifest
    lists. PDF needs `pdf_printer` (desk.ui.export.pdf_printer.print_pdf; Qt stays out of this
    package). Returns the warnings a reviewer should see, such as unticked checklist items.

    The case is verified first (see `check_case`); a case that fails is not exported
    (CaseFailsVerification) unless `force`, and then the dossier says so prominently.
    """
    chosen = normalize_formats(formats)
    if "pdf" in chosen and pdf_printer is None:
        raise DossierError("A PDF needs a printer (desk.ui.export.pdf_printer.print_pdf).")
    target = Path(out_dir)
    earlier = _check_target(target, replace)

    def step(label: str) -> None:
        if cancel is not None and cancel():
            raise DossierError("Export cancelled; nothing was written.")
        if progress is not None:
            progress(0, 0, label)

    step("verifying the case")
    templates = warm_templates() if chosen & {"html", "pdf"} else None
    verification = check_case(case, claim_id)
    if not verification["ok"] and not force:
        raise CaseFailsVerification(list(verification["problems"]))  # type: ignore[call-overload]
    session = (pdf_printer.session() if "pdf" in chosen and isinstance(pdf_printer, PrintEngine)
               else None)
    try:
        return _export(case, claim_id, target, earlier, chosen, verification, step,
                       map_image=map_image, pdf_printer=pdf_printer, session=session, url=url,
                       include_originals=include_originals, key_file=key_file,
                       progress=progress, force=force, templates=templates)
    finally:
        if session is not None:
            session.close()


def _export(
    case: CaseFile,
    claim_id: int,
    target: Path,
    earlier: set[str] | None,
    chosen: frozenset[str],
    verification: dict[str, object],
    step: Callable[[str], None],
    *,
    map_image: MapImage | None,
    pdf_printer: PdfPrinter | None,
    session: PrintSession | None,
    url: str | None,
    include_originals: bool,
    key_file: Path | None,
    progress: Progress | None,
    force: bool,
    templates: threading.Thread | None,
) -> ExportResult:
    """export_dossier once the case passed (or `force`): collect, write, print, sign, log."""
    idle = session.idle if session is not None else None
    step("reading the case")
    try:
        key = signing.load_or_create_key(key_file)
    except signing.KeyUnusable as exc:
        raise DossierError(str(exc)) from exc
    fp = signing.fingerprint(key)
    dossier = collect(case, claim_id, map_image=map_image, url=url, signer_fingerprint=fp,
                      include_originals=include_originals, with_images=False,
                      progress=progress, verification=verification)
    boxes = [box for fmt, box in (("html", SCREEN_BOX), ("pdf", PRINT_BOX)) if fmt in chosen]
    copies = _stills(case, dossier.record["evidence"], boxes, progress, idle)
    if "html" in chosen:
        dossier.stills = {evidence_id: sizes[0] for evidence_id, sizes in copies.items()}
    printed = dataclasses.replace(dossier, stills={evidence_id: sizes[-1]
                                       for evidence_id, sizes in copies.items()})
    record_bytes = canonical_json(dossier.record)
    record_sha = hashlib.sha256(record_bytes).hexdigest()
    if templates is not None:
        templates.join()

    target.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_work(target)
    work = Path(tempfile.mkdtemp(prefix=f".{target.name}.desk-{os.getpid()}-",
                                 dir=target.parent))
    try:
        written: list[str] = []
        _write(work / JSON_FILE, record_bytes)
        written.append(JSON_FILE)
        if "html" in chosen:
            step("writing the HTML")
            _write(work / HTML_FILE, render_html(dossier, record_sha256=record_sha).encode())
            written.append(HTML_FILE)
        if "pdf" in chosen:
            step("printing the PDF")
            assert pdf_printer is not None
            print_html = work / PRINT_HTML
            print_html.write_bytes(render_html(printed, record_sha256=record_sha).encode())
            footer = footer_text(claim_id, record_sha)
            if session is None:
                pdf_printer(print_html, work / PDF_FILE, footer)
            else:
                session.start(print_html, work / PDF_FILE, footer)
        step("copying originals")
        omitted: list[str] | None = [] if force and not verification["ok"] else None
        originals = _copy_originals(case, dossier.record["evidence"], work, include_originals,
                                    omitted, idle)
        if "pdf" in chosen:
            if session is not None:
                session.finish()
            if not (work / PDF_FILE).is_file():
                raise DossierError("The PDF printer did not write a PDF.")
            (work / PRINT_HTML).unlink()
            written.append(PDF_FILE)
        dossier.warnings.extend(omitted or [])
        written.extend(str(o["path"]) for o in originals if o["path"])
        _write(work / PUBLIC_KEY, signing.public_pem(key))
        written.append(PUBLIC_KEY)

        step("signing")
        manifest = build_manifest(
            work, written, claim_id=claim_id, case_title=case.title, record_sha256=record_sha,
            originals=originals, fingerprint=fp, generator=f"desk {__version__}",
            signoff=dossier.record.get("signoff"),
        )
        manifest_bytes = canonical_json(manifest)
        _write(work / MANIFEST, manifest_bytes)
        _write(work / SIGNATURE, signing.sign(key, manifest_bytes))
        removed = _move_into_place(work, target, earlier)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise

    manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
    result = ExportResult(
        out_dir=target,
        files=sorted([*written, MANIFEST, SIGNATURE]),
        record_sha256=record_sha,
        manifest_sha256=manifest_sha,
        fingerprint=fp,
        warnings=list(dossier.warnings),
        replaced=earlier is not None,
        removed=removed,
    )
    if not verification["ok"]:
        result.warnings.insert(0, "The case failed verification; the dossier was exported"
                                  " anyway and says so on its first page.")
    try:
        case.log(EXPORT_ACTION, [f"claim:{claim_id}"], {
            "formats": sorted(chosen),
            "folder": target.name,
            "record_sha256": record_sha,
            "manifest_sha256": manifest_sha,
            "key_fingerprint": fp,
            "originals_included": include_originals,
            "case_verified": bool(verification["ok"]),
        })
    except CaseFileError:
        result.logged = False
        result.warnings.append("The case is read-only: this export is not in its custody log.")
    return result


def _stills(case: CaseFile, evidence: list[dict[str, object]], boxes: list[Box],
            progress: Progress | None, idle: Callable[[], None] | None
            ) -> dict[int, list[bytes]]:
    """Each linked still once per box (the HTML's, the PDF's), from one decode of its original;
    progress as "still i of n", as the window's export dialog shows it."""
    if not boxes or not evidence:
        return {}
    total = sum(1 for e in evidence if e.get("kind") != "video")
    done = 0

    def original(evidence_id: int) -> bytes:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total, f"still {done} of {total}")
        return case.original(evidence_id)

    items = ((int(e["id"]), str(e["format"])) for e in evidence  # type: ignore[call-overload]
             if e.get("kind") != "video")
    copies = still_sets(items, original, case.thumbnail, boxes, idle=idle)
    for e in evidence:  # a video's still is its thumbnail: the original is never decoded here
        if e.get("kind") == "video":
            evidence_id = int(e["id"])  # type: ignore[call-overload]
            thumb = case.thumbnail(evidence_id)
            if thumb is not None and image_mime(thumb):
                copies[evidence_id] = [thumb] * len(boxes)
    return copies


class CaseFailsVerification(DossierError):
    """The case does not pass `desk verify`; a dossier of it would sign what cannot be trusted."""

    def __init__(self, problems: list[str]) -> None:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        super().__init__(
            f"The case fails verification: {problems[0]}{more}. No dossier was exported;"
            " `desk verify` lists every finding, and exporting anyway marks the dossier as"
            " exported from a case that failed verification.")
        self.problems = problems


def check_case(case: CaseFile, claim_id: int) -> dict[str, object]:
    """What an export checks before signing: the whole custody log, its seals and signatures,
    every row against the log, the small tables' pages, and the originals this claim links
    (the other originals are not in the dossier; `desk verify` re-hashes them all)."""
    linked = [link.evidence_id for link in case.claim_evidence(claim_id)]
    report = case.verify(evidence_ids=linked, full=False)
    entries = len(trim_exports(case.audit_entries()))  # as the dossier shows the log
    signers = len(report.signers)
    summary = (f"custody log of {entries} entries intact"
               + (f", signed by {signers} key{'s' if signers != 1 else ''}" if signers else "")
               + (", every data row matches it" if signers and not report.notes else "")
               + f", {report.checked} linked original"
               + ("s match" if report.checked != 1 else " matches") + " its SHA-256")
    return {"ok": report.ok, "problems": report.problems, "originals_checked": report.checked,
            "summary": summary if report.ok else "", "notes": report.notes}


def _check_target(target: Path, replace: bool) -> set[str] | None:
    """Refuse a folder desk must not write into; the earlier dossier's files when replacing.

    A folder with a manifest is checked before `replace` is looked at, so a manifest desk did
    not sign is named as such at once instead of inviting --replace."""
    if target.exists() and not target.is_dir():
        raise DossierError(f"{target} exists and is not a folder.")
    if not target.is_dir() or not any(target.iterdir()):
        return None
    if not os.path.lexists(target / MANIFEST) and not os.path.lexists(target / SIGNATURE):
        raise DossierError(f"{target} is not empty and holds no earlier dossier; choose an empty"
                           " or new folder.")
    files = earlier_dossier_files(target)
    if not replace:
        raise DossierExists(f"The folder {target} already holds a dossier.")
    return files


#: The only names an export writes (originals are named by their SHA-256): a manifest listing
#: anything else did not come from desk, however it is signed.
_DESK_FILE = re.compile(r"dossier\.(html|json|pdf)|public_key\.pem"
                        r"|originals/[0-9a-f]{64}\.[a-z]{2,4}")


def earlier_dossier_files(folder: Path) -> set[str]:
    """The files of the dossier desk wrote in `folder` (its manifest, signature and every listed
    file still there), after checking it is one: desk's manifest format, a valid signature by
    the key beside it, only names desk writes, no symbolic link on the way, and every listed
    file still a regular file with the bytes the manifest hashed. Anything else is refused, so
    replacing never deletes or overwrites what desk did not write, nor a file edited since."""
    refuse = (f"{folder} holds a manifest.json that is not a dossier desk signed; nothing was"
              " replaced. Choose another folder.")
    try:
        manifest_bytes = _plain_file(folder, MANIFEST).read_bytes()
        manifest = json.loads(manifest_bytes.decode("utf-8"))
        public = signing.load_public_key(_plain_file(folder, PUBLIC_KEY).read_bytes())
        signature = _plain_file(folder, SIGNATURE).read_bytes()
    except (OSError, ValueError, RecursionError, DossierError):
        raise DossierError(refuse) from None
    if (not isinstance(manifest, dict) or manifest.get("format") != FORMAT
            or not isinstance(manifest.get("files"), list)
            or not signing.check_signature(public, signature, manifest_bytes)):
        raise DossierError(refuse)
    files = {MANIFEST, SIGNATURE}
    for entry in manifest["files"]:
        path = safe_relative(entry.get("path") if isinstance(entry, dict) else None)
        if path is None or not _DESK_FILE.fullmatch(str(path)):
            raise DossierError(refuse)
        assert isinstance(entry, dict)
        name = str(path)
        if _through_link(folder, name):
            raise DossierError(f"{folder} holds a dossier with files behind a symbolic link"
                               f" ({name}); nothing was replaced. Choose another folder.")
        listed = folder / name
        if not os.path.lexists(listed):
            continue  # gone already: nothing to remove
        if (listed.is_symlink() or not listed.is_file()
                or listed.stat().st_size != entry.get("size")
                or sha256_file(listed) != entry.get("sha256")):
            raise DossierError(f"{listed} was changed since desk wrote that dossier; nothing was"
                               " replaced. Move it away or choose another folder.")
        files.add(name)
    return files


def _plain_file(folder: Path, name: str) -> Path:
    path = folder / name
    if path.is_symlink() or not path.is_file():
        raise DossierError(f"{name} is not a regular file")
    return path


def _through_link(folder: Path, relative: str) -> bool:
    """Whether a path inside `folder` passes through a symbolic link (which could lead out)."""
    parts = relative.split("/")
    return any((folder.joinpath(*parts[:i])).is_symlink() for i in range(1, len(parts)))


#: A work folder whose process still runs is left alone unless it is older than this (the
#: PID may have been reused, or the folder made on another machine sharing the disk).
STALE_AFTER_S = 24 * 3600
#: Work folders made before desk recorded the PID in their name are judged by age alone.
STALE_UNNAMED_AFTER_S = 3600


def remove_stale_work(target: Path) -> list[str]:
    """Remove the work folders a killed export to `target` left beside it; returns their names.

    Only folders of desk's own naming for this target (`.NAME.desk-PID-XXXXXXXX`, as mkdtemp
    makes them, or `.NAME.desk-XXXXXXXX` from before the PID was recorded), real folders owned
    by this user, and only when stale: their process is gone, or they are older than
    STALE_AFTER_S (STALE_UNNAMED_AFTER_S without a PID). A live export's folder is never touched.
    """
    pattern = re.compile(re.escape(f".{target.name}.desk-") + r"(?:(\d+)-)?[a-z0-9_]{8}")
    try:
        entries = list(os.scandir(target.parent))
    except OSError:
        return []
    removed: list[str] = []
    now = time.time()
    for entry in entries:
        match = pattern.fullmatch(entry.name)
        if match is None:
            continue
        try:
            info = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISDIR(info.st_mode) or (hasattr(os, "getuid")
                                              and info.st_uid != os.getuid()):
            continue
        age = now - info.st_mtime
        pid = int(match.group(1)) if match.group(1) else None
        if (age > STALE_AFTER_S or (pid is None and age > STALE_UNNAMED_AFTER_S)
                or (pid is not None and not _process_alive(pid))):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    return removed


def _process_alive(pid: int) -> bool:
    """Whether `pid` runs here; True when that cannot be told (Windows: os.kill would end it)."""
    if os.name != "posix":
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, OverflowError):
        return False
    except OSError:
        return True  # it exists, as another user's process
    return True


#: How much of an original is read at a time while it is copied into a dossier.
_COPY_BLOCK = 8 << 20


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _copy_originals(
    case: CaseFile, evidence: list[dict[str, object]], work: Path, include: bool,
    omitted: list[str] | None = None, idle: Callable[[], None] | None = None,
) -> list[dict[str, object]]:
    """Originals with their hashes; each copied file is re-hashed so a damaged one is caught.

    With `omitted` (a forced export of a case that failed verification) a missing or altered
    original is left out and named there, never copied under a hash it does not have. `idle`
    runs before each original (the PDF printer, printing meanwhile)."""
    listed: list[dict[str, object]] = []
    for item in evidence:
        if idle is not None:
            idle()
        evidence_id = int(item["id"])  # type: ignore[call-overload]
        path = str(item["original_path"]) if include and item["original_path"] else None
        if path is not None:
            problem = _copy_original(case, evidence_id, str(item["sha256"]), work, path)
            if problem.startswith("missing"):
                problem = (f"Evidence {evidence_id} ({item['name']}): the original is missing"
                           " from the case")
            elif problem:
                problem = (f"The original of evidence {evidence_id} no longer matches its"
                           " recorded SHA-256")
            if problem and omitted is None:
                raise DossierError(f"{problem}; run `desk verify` on the case. No dossier was"
                                   " written.")
            if problem and omitted is not None:
                omitted.append(f"{problem}, so it is not in the dossier.")
                path = None
        listed.append({"evidence_id": evidence_id, "name": item["name"],
                       "sha256": item["sha256"], "size": item["size"], "path": path})
    return listed


def _copy_original(case: CaseFile, evidence_id: int, sha256: str, work: Path, path: str
                   ) -> str:
    """Copy one original into the dossier part by part, hashing it on the way (a video of
    gigabytes is never read whole); "" when copied (or already there), else "missing" or
    "changed", and then nothing is left at `path`."""
    target = work / path
    if target.exists():  # the same original linked twice is copied once
        return ""
    try:
        source = case.open_original(evidence_id)
    except KeyError:
        return "missing"
    digest = hashlib.sha256()
    partial = target.with_name(target.name + ".part")
    partial.parent.mkdir(parents=True, exist_ok=True)
    try:
        with source, partial.open("xb") as out:
            while block := source.read(_COPY_BLOCK):
                digest.update(block)
                out.write(block)
            out.flush()
            os.fsync(out.fileno())
        if digest.hexdigest() != sha256:
            partial.unlink()
            return "changed"
        partial.replace(target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return ""


def _move_into_place(work: Path, target: Path, earlier: set[str] | None) -> list[str]:
    """Put the finished dossier in place; returns the earlier dossier's files it removed.

    A new folder is renamed into place whole. Into an existing folder (empty, or holding the
    earlier dossier) the files move one by one, the manifest and its signature last, so the
    folder only claims to be a dossier once every file it lists is there; nothing the earlier
    manifest does not list is touched, and a file of the reviewer's that the new dossier would
    overwrite stops the export before anything changes.
    """
    with contextlib.suppress(OSError):
        work.chmod(0o755)
    if not target.exists():
        os.replace(work, target)
        return []
    old = earlier or set()
    new = sorted(p.relative_to(work).as_posix() for p in work.rglob("*") if p.is_file())
    for relative in new:
        dest = target / relative
        if _through_link(target, relative) or dest.is_symlink() or dest.is_dir() or (
                dest.exists() and relative not in old):
            raise DossierError(f"{dest} is not part of the earlier dossier and would be"
                               " overwritten; move it away or choose another folder.")
    last = [MANIFEST, SIGNATURE]
    for name in (SIGNATURE, MANIFEST):  # first, so a half-swapped folder claims nothing
        (target / name).unlink(missing_ok=True)
    removed = sorted(old - set(new) - set(last))
    for relative in removed:
        with contextlib.suppress(OSError):  # gone already, or a folder now: never removed
            (target / relative).unlink()
    for relative in [p for p in new if p not in last] + last:
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        os.replace(work / relative, target / relative)
    shutil.rmtree(work, ignore_errors=True)
    for folder in sorted({(target / r).parent for r in removed}, key=lambda p: -len(p.parts)):
        if folder != target:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty: the reviewer's own files keep it
    return [r for r in removed if r not in (MANIFEST, SIGNATURE)]
