"""A case as plain JSON-ready data: what `desk info --json` prints and scripts rely on.

Keys are only ever added, never renamed: newsroom scripts and checks read them.
"""

from __future__ import annotations

from dataclasses import asdict

from desk.core.casefile import CaseFile
from desk.core.file_signals import CaseSignals
from desk.core.metadata_rows import sources_summary
from desk.core.model import Evidence, Verdict
from desk.core.movement import case_findings


def evidence_summary(item: Evidence) -> dict[str, object]:
    meta = item.metadata
    gps = asdict(meta.gps) if meta.gps is not None else None
    return {
        "id": item.id,
        "sha256": item.sha256,
        "name": item.name,
        "format": item.format,
        "size": item.size,
        "width": item.width,
        "height": item.height,
        "captured_at": meta.captured_at,
        "utc_offset": meta.utc_offset,
        "gps": gps,
        "camera": {"make": meta.make, "model": meta.model, "software": meta.software},
        "flags": [f.code for f in meta.flags],
        "notices": [{"code": f.code, "message": f.message} for f in meta.flags],
        "provenance": asdict(item.provenance),
        "imported_at": item.imported_at,
        **sources_summary(meta),
        "kind": item.kind,
        **_frame_of(item),
    }


def _frame_of(item: Evidence) -> dict[str, object]:
    """A still taken from a video names it, the frame and its time (format 1.6)."""
    frame = item.frame_of
    if frame is None:
        return {}
    return {"frame_of": {"video_id": frame.video_id, "video_sha256": frame.video_sha256,
                         "frame_index": frame.frame_index, "pts_s": frame.pts_s,
                         "timecode": frame.timecode, "pixels_sha256": frame.pixels_sha256,
                         "pts": frame.pts, "time_base": frame.time_base}}


def video_summary(case: CaseFile, item: Evidence) -> dict[str, object] | None:
    """The `"video"` object of a video item: what its container said at intake."""
    if item.kind != "video":
        return None
    stored = case.video(item.id)
    return dict(stored.info) if stored is not None else None


def case_summary(case: CaseFile) -> dict[str, object]:
    """Claims (with statements, links and verdict), evidence (with geolocation, horizon and
    each of its movements with its finding), landmarks, and every movement's finding."""
    evidence = case.list_evidence()
    geolocations = {g.evidence_id: g for g in case.geolocations()}
    horizons = case.horizons()
    landmarks = case.landmarks()
    # The one movement finding (desk.core.movement), the same value the window and the
    # dossier state: listed once for the case and again under the item it was seen on.
    movements = case_findings(case.movements(), landmarks, geolocations)
    signals = CaseSignals.read(case)  # content credentials and near-duplicates (format 1.5)
    by_item: dict[object, list[dict[str, object]]] = {}
    for found in movements:
        by_item.setdefault(found["evidence_id"], []).append(found)
    claims = []
    for claim in case.list_claims():
        verdict = case.verdict(claim.id)
        claims.append({
            **asdict(claim),
            "statements": [asdict(s) for s in case.statements(claim.id)],
            "evidence": [
                {"id": link.evidence_id, "stance": str(link.stance), "note": link.note}
                for link in case.claim_evidence(claim.id)
            ],
            "verdict": _verdict_json(verdict) if verdict else None,
        })
    items = []
    for item in evidence:
        entry = evidence_summary(item)
        geo = geolocations.get(item.id)
        entry["geolocation"] = (
            {k: (str(v) if k == "confidence" else v) for k, v in asdict(geo).items()
             if k != "evidence_id"}
            if geo else None
        )
        horizon = horizons.get(item.id)
        entry["horizon"] = (
            {"y_left": horizon.y_left, "y_right": horizon.y_right} if horizon else None
        )
        entry["movements"] = by_item.get(item.id, [])
        if item.kind == "video":
            entry["video"] = video_summary(case, item)
        entry.update(signals.json_for(item.id))
        items.append(entry)
    return {
        "title": case.title,
        "description": case.description,
        "claims": claims,
        "evidence": items,
        "landmarks": [asdict(lm) for lm in landmarks],
        "movements": movements,
        "custody_entries": len(case.audit_entries()),
    }


def _verdict_json(verdict: Verdict) -> dict[str, object]:
    data: dict[str, object] = asdict(verdict)
    data["rating"] = str(data["rating"])
    data["confidence"] = str(data["confidence"])
    return data
