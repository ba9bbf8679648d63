"""A claim's dossier as plain data: the single source the HTML, the JSON and ClaimReview share.

Everything here is a function of the case as recorded: no clock, sorted lists, rounded derived
numbers. The custody log is taken as it stood before the export's own log entry (and before
earlier exports that nothing has followed), so exporting twice gives the same bytes.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from desk import __version__
from desk.core.audit import fingerprint_of
from desk.core.casefile import CaseFile
from desk.core.checklist import CHECKLIST, DONE, NOT_APPLICABLE, OPEN, checklist_state
from desk.core.imagery import imagery_credit
from desk.core.model import (
    AuditEntry,
    Claim,
    Evidence,
    Geolocation,
    Landmark,
    Movement,
    Statement,
    Verdict,
)
from desk.core.movement import finding_for, reference_for, why_no_finding
from desk.dossier import custody
from desk.dossier.chronology import frame_chronolocation, sun_sketch
from desk.dossier.claimreview import BEST, WORST, claim_review, rating_value
from desk.dossier.errors import DossierError
from desk.dossier.file_signals import add_file_signals
from desk.dossier.footage import VIDEO_EXTENSIONS, footage_json
from desk.dossier.geometry import inverse
from desk.dossier.images import image_mime, stills
from desk.dossier.map_overlays import join_credits, overlay_credit
from desk.dossier.mapsketch import MAX_LANDMARK_M, SunSketch, sketch_svg
from desk.dossier.sources import sources_json

FORMAT = "desk-dossier/1"
#: The custody-log action an export records (see `trim_exports`).
EXPORT_ACTION = "export dossier"


_EXTENSIONS = {"jpeg": ".jpg", "png": ".png", "webp": ".webp", "tiff": ".tif", "heic": ".heic"}
_FIGURE = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
_YEAR = re.compile(r"(19|20)\d\d")

MapImage = Callable[[int], bytes | None]
Progress = Callable[[int, int, str], None]


@dataclass
class Dossier:
    """The record (what dossier.json holds) plus the pictures the HTML embeds."""

    record: dict[str, Any]
    stills: dict[int, bytes] = field(default_factory=dict)  # evidence id -> JPEG
    maps: dict[int, tuple[str, bytes]] = field(default_factory=dict)  # id -> (mime, bytes)
    warnings: list[str] = field(default_factory=list)


def original_path(evidence: Evidence) -> str:
    """Where a copied original sits in the dossier: named by hash, never by its untrusted name."""
    fmt = evidence.format.lower()
    return f"originals/{evidence.sha256}{_EXTENSIONS.get(fmt) or VIDEO_EXTENSIONS.get(fmt, '.bin')}"


def trim_exports(entries: list[AuditEntry]) -> list[AuditEntry]:
    """The log without the trailing run of export entries: the case as it was last changed."""
    end = len(entries)
    while end and entries[end - 1].action == EXPORT_ACTION:
        end -= 1
    return entries[:end]


def statement_figures(text: str) -> list[str]:
    """Numbers a statement states ("91 drones"), so differing counts stand side by side."""
    return [m for m in _FIGURE.findall(text) if not (len(m) == 4 and _YEAR.fullmatch(m))]


def checklist_items(verdict: Verdict | None) -> list[dict[str, object]]:
    """The fixed checklist first (missing items are open), then any extra items recorded.

    Each item says `state` (done, open or not_applicable) and, for older readers, `done`.
    """
    recorded = dict(verdict.checklist) if verdict else {}
    items: list[dict[str, object]] = []
    for key, label in CHECKLIST:
        state = checklist_state(recorded.pop(key, False))
        items.append({"key": key, "label": label, "done": state == DONE, "state": state})
    for key in sorted(recorded):
        state = checklist_state(recorded[key])
        items.append({"key": key, "label": key.replace("_", " ").capitalize(),
                      "done": state == DONE, "state": state})
    return items


def preflight_warnings(case: CaseFile, claim_id: int) -> list[str]:
    """What a reviewer should hear before exporting: no verdict, unticked checklist items.

    Items marked not applicable are a decision, not a gap: they raise no warning.
    """
    case.get_claim(claim_id)
    verdict = case.verdict(claim_id)
    warnings: list[str] = []
    if verdict is None:
        warnings.append("No verdict is recorded for this claim; the dossier is marked as a draft.")
    for item in checklist_items(verdict):
        if item["state"] == OPEN:
            warnings.append(f"Checklist item open: {item['label']}.")
    return warnings


def _gps_json(evidence: Evidence) -> dict[str, object] | None:
    gps = evidence.metadata.gps
    return asdict(gps) if gps is not None else None


def _geolocation_json(geo: Geolocation, evidence: Evidence) -> dict[str, object]:
    data: dict[str, object] = {
        "lat": geo.lat,
        "lon": geo.lon,
        "precision_m": geo.precision_m,
        "heading": geo.heading,
        "fov": geo.fov,
        "camera_height_m": geo.camera_height_m,
        "confidence": str(geo.confidence),
        "method": geo.method,
        "exif_gps_offset_m": None,
    }
    gps = evidence.metadata.gps
    if gps is not None:
        distance = _distance(geo.lat, geo.lon, gps.lat, gps.lon)
        data["exif_gps_offset_m"] = round(distance) if distance is not None else None
    return data


def _distance(lat1: float, lon1: float, lat2: float, lon2: float) -> float | None:
    """Metres between two points, or None when either is off the globe (hostile EXIF)."""
    try:
        return inverse(lat1, lon1, lat2, lon2)[0]
    except (ValueError, TypeError):
        return None


def _movement_json(move: Movement, landmarks: list[Landmark],
                   camera: Geolocation | None) -> dict[str, object]:
    reference = reference_for(move, landmarks)
    finding = finding_for(move, landmarks, camera)
    track = move.track
    return {
        "id": move.id,
        "label": move.label,
        "color": move.color,
        "bearing": move.bearing,
        "start": {"lat": track.start[0], "lon": track.start[1]} if track else None,
        "end": {"lat": track.end[0], "lon": track.end[1]} if track else None,
        "frame_arrow": {"x1": move.x1, "y1": move.y1, "x2": move.x2, "y2": move.y2},
        "reference": {"id": reference.id, "name": reference.name} if reference else None,
        "finding": finding.to_json() if finding else None,
        "no_finding": None if finding else why_no_finding(move, landmarks, camera),
    }


def _review_author(verdict: Verdict, log: list[AuditEntry], claim_id: int) -> str:
    if verdict.reviewer:
        return verdict.reviewer
    for entry in reversed(log):
        if f"verdict:{claim_id}" in entry.items:
            return entry.actor
    return log[-1].actor if log else ""


def _review_date(verdict: Verdict | None, log: list[AuditEntry]) -> str:
    if verdict is not None and verdict.decided_at:
        return verdict.decided_at
    return log[-1].at if log else ""


def collect(
    case: CaseFile,
    claim_id: int,
    *,
    map_image: MapImage | None = None,
    url: str | None = None,
    signer_fingerprint: str | None = None,
    include_originals: bool = True,
    with_images: bool = True,
    progress: Progress | None = None,
    verification: dict[str, object] | None = None,
) -> Dossier:
    """Gather one claim's dossier from the case (reads only; the export logs separately).

    `verification` is the export's check of the case (see `export.check_case`), recorded so a
    dossier exported in spite of a failed check says so."""
    try:
        claim: Claim = case.get_claim(claim_id)
    except KeyError:
        raise DossierError(f"There is no claim {claim_id} in {case.path.name}.") from None
    verdict = case.verdict(claim_id)
    statements: list[Statement] = case.statements(claim_id)
    links = sorted(case.claim_evidence(claim_id), key=lambda link: link.evidence_id)
    log = trim_exports(case.audit_entries())
    landmark_list = case.landmarks()
    all_landmarks = {lm.id: lm for lm in landmark_list}

    dossier = Dossier(record={})
    evidence_json: list[dict[str, object]] = []
    items: list[Evidence] = []
    geos: dict[int, Geolocation] = {g.evidence_id: g for g in
                                    case.geolocations([lk.evidence_id for lk in links])}
    used_landmarks: set[int] = set()
    movements: dict[int, list[Movement]] = {}
    credit = imagery_credit(case.tile_packs()) if map_image is not None else ""
    for link in links:
        evidence = case.get_evidence(link.evidence_id)
        items.append(evidence)
        movements[evidence.id] = case.movements(evidence.id)
        for move in movements[evidence.id]:
            ref = reference_for(move, landmark_list)
            if ref is not None:
                used_landmarks.add(ref.id)
    for placed in geos.values():
        for lm in all_landmarks.values():
            distance = _distance(placed.lat, placed.lon, lm.lat, lm.lon)
            if distance is not None and distance <= MAX_LANDMARK_M:
                used_landmarks.add(lm.id)
    landmarks = [all_landmarks[i] for i in sorted(used_landmarks)]
    shown_log = custody.redacted_log(case, log, custody.scope_for(case, claim_id,
                                                                  used_landmarks))

    in_dossier = {e.id: original_path(e) if include_originals else None for e in items}
    for link, evidence in zip(links, items, strict=True):
        geo = geos.get(evidence.id)
        meta = evidence.metadata
        entry: dict[str, object] = {
            "id": evidence.id,
            "name": evidence.name,
            "stance": str(link.stance),
            "note": link.note,
            "sha256": evidence.sha256,
            "size": evidence.size,
            "format": evidence.format,
            "width": evidence.width,
            "height": evidence.height,
            "imported_at": evidence.imported_at,
            "original_path": original_path(evidence) if include_originals else None,
            "metadata": {
                "captured_at": meta.captured_at,
                "utc_offset": meta.utc_offset,
                "gps": _gps_json(evidence),
                "make": meta.make,
                "model": meta.model,
                "software": meta.software,
                "flags": [{"code": f.code, "message": f.message} for f in meta.flags],
                "exif": dict(sorted(meta.raw.items())),
                "sources": sources_json(meta),
            },
            "provenance": asdict(evidence.provenance),
            "geolocation": _geolocation_json(geo, evidence) if geo is not None else None,
            "movements": [_movement_json(m, landmark_list, geo)
                          for m in movements[evidence.id]],
            "chronolocation": frame_chronolocation(case, evidence.id),
            "map": None,
            **footage_json(case, evidence, in_dossier),
        }
        if geo is not None:
            picture = _map_for(dossier, evidence, geo, landmarks, movements[evidence.id],
                               map_image, sun_sketch(entry["chronolocation"]))
            if picture["kind"] == "rendered":  # drawn over the case's packs and overlays
                picture["imagery"] = join_credits(credit, overlay_credit(case, geo))
            entry["map"] = picture
        evidence_json.append(entry)
    add_file_signals(case, evidence_json)  # content credentials and near-duplicates

    if with_images and items:
        total = len(items)
        done = 0

        def original(evidence_id: int) -> bytes:
            nonlocal done
            done += 1
            if progress is not None:
                progress(done, total, f"still {done} of {total}")
            return case.original(evidence_id)

        dossier.stills = stills(((e.id, e.format) for e in items if e.kind != "video"),
                                original, case.thumbnail)
        for video in (e for e in items if e.kind == "video"):  # its still is its thumbnail
            thumb = case.thumbnail(video.id)
            if thumb is not None and image_mime(thumb):
                dossier.stills[video.id] = thumb

    review_json: dict[str, object] | None = None
    verdict_json: dict[str, object] | None = None
    date_published = _review_date(verdict, log)
    if verdict is not None:
        author = _review_author(verdict, log, claim_id)
        verdict_json = {
            "rating": str(verdict.rating),
            "rating_value": rating_value(verdict.rating),
            "best_rating": BEST,
            "worst_rating": WORST,
            "confidence": str(verdict.confidence),
            "summary": verdict.summary,
            "rationale": verdict.rationale,
            "reviewer": author,
            "decided_at": date_published,
        }
        review_json = claim_review(claim, verdict, author=author, date_published=date_published,
                                   url=url)
    checklist = checklist_items(verdict)
    dossier.warnings = preflight_warnings(case, claim_id) + dossier.warnings

    dossier.record = {
        "format": FORMAT,
        "generator": f"desk {__version__}",
        "case": {"title": case.title, "description": case.description},
        "claim": {
            "id": claim.id,
            "text": claim.text,
            "claimant": claim.claimant,
            "first_appearance_url": claim.first_appearance_url,
            "first_appearance_date": claim.first_appearance_date,
            "appearances": list(claim.appearances),
            "created_at": claim.created_at,
        },
        "statements": [
            {**asdict(s), "figures": statement_figures(s.text)} for s in statements
        ],
        "verdict": verdict_json,
        "signoff": signoff_json(case, claim_id) if verdict is not None else None,
        "checklist": checklist,
        "open_items": [str(i["label"]) for i in checklist if i["state"] == OPEN],
        "not_applicable_items": [str(i["label"]) for i in checklist
                                 if i["state"] == NOT_APPLICABLE],
        "evidence": evidence_json,
        "landmarks": [asdict(lm) for lm in landmarks],
        "custody_log": {
            "entries": shown_log,
            "withheld": sum(1 for e in shown_log if "withheld" in e),
            "withheld_note": (
                "Entries about other claims or evidence in the case are withheld: each is"
                " given only by its number, hashes and signature, so the chain can still be"
                " checked from the first entry to the head, and nothing of another claim is"
                " published with this one."),
            "head": log[-1].hash if log else None,
            # The head pins the log: `desk verify CASE --against DOSSIER` finds a log that was
            # later cut or recomputed. Its signature is the reviewer's, over the head's hash.
            "head_seq": log[-1].seq if log else None,
            "head_signer_fingerprint": fingerprint_of(log[-1].signer) if log else None,
            "head_signer": (log[-1].signer or None) if log else None,
            "head_signature": (log[-1].signature or None) if log else None,
            "note": "The case's custody log as it stood before this export was recorded.",
        },
        "case_verification": verification,
        "claim_review": review_json,
        "signature": (
            {"algorithm": "Ed25519", "public_key_fingerprint": signer_fingerprint,
             "signed_file": "manifest.json", "signature_file": "manifest.sig"}
            if signer_fingerprint else None
        ),
        "url": url if url else None,
    }
    return dossier


def signoff_json(case: CaseFile, claim_id: int) -> dict[str, object] | None:
    """Who recorded the verdict and who signed it off (or sent it back), each with the key
    that signed: the author's custody entry whole, the approver's signed subject, so
    `desk verify-dossier` checks both signatures. None for a log without signatures."""
    from desk.core.replay import ReplayError, log_entries
    from desk.team import signoff

    try:
        log = log_entries(case.conn)
    except ReplayError:
        return None
    return signoff.status(log, claim_id).to_json()


def _map_for(
    dossier: Dossier,
    evidence: Evidence,
    geo: Geolocation,
    landmarks: list[Landmark],
    movements: list[Movement],
    map_image: MapImage | None,
    sun: SunSketch | None = None,
) -> dict[str, object]:
    """A rendered map from the caller if it has one, else the offline sketch."""
    if map_image is not None:
        try:
            picture = map_image(evidence.id)
        except Exception as exc:  # noqa: BLE001 - a failed map must not fail the dossier
            picture = None
            dossier.warnings.append(
                f"The map of evidence {evidence.id} could not be rendered ({exc}); a sketch is"
                " shown instead."
            )
        mime = image_mime(picture) if picture else None
        if picture and mime:
            dossier.maps[evidence.id] = (mime, picture)
            return {"kind": "rendered", "grid_m": None}
    gps = evidence.metadata.gps
    exif = (gps.lat, gps.lon) if gps and _distance(geo.lat, geo.lon, gps.lat, gps.lon) else None
    svg, step = sketch_svg(geo, landmarks, movements, exif, sun)
    dossier.maps[evidence.id] = ("image/svg+xml", svg.encode("utf-8"))
    return {"kind": "sketch", "grid_m": step}


def data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
