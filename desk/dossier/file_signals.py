"""Each dossier item's content credentials and known near-duplicates, with the earliest copy.

A reader of the dossier learns what the file's C2PA manifest says (or that there is none, the
neutral common case, or that it was never read), and which other items of the case are the
same picture re-posted, with the one captured or published first. Near-duplicates that are not
evidence of this claim are named only by their number, hash and public publication facts: their
file names and notes belong to another part of the case.
"""

from __future__ import annotations

from typing import Any

from desk.core.casefile import CaseFile
from desk.core.credentials import STATE_TEXT, not_read_text
from desk.core.file_signals import CaseSignals
from desk.core.near_duplicates import group_of

#: What the dossier says for an item never compared (imported before desk 1.5).
NOT_COMPARED = ("Not compared with the rest of the case: imported before desk 1.5, so no"
                " perceptual hash was taken.")


def add_file_signals(case: CaseFile, evidence: list[dict[str, Any]]) -> None:
    """Give every evidence entry `content_credentials` and `near_duplicates` (in place)."""
    signals = CaseSignals.read(case)
    in_dossier = {int(e["id"]) for e in evidence}
    for entry in evidence:
        eid = int(entry["id"])
        credential = signals.credential(eid)
        if credential is None:
            entry["content_credentials"] = {
                "state": "not_read",
                "summary": not_read_text(str(entry.get("kind", "still")),
                                         entry.get("frame_of") is not None)}
        else:
            entry["content_credentials"] = {**credential.to_json(),
                                            "summary": STATE_TEXT[credential.state]}
        entry["near_duplicates"] = _near_duplicates(case, signals, eid, in_dossier)


def _near_duplicates(case: CaseFile, signals: CaseSignals, evidence_id: int,
                     in_dossier: set[int]) -> dict[str, Any]:
    similar = signals.similar(evidence_id)
    if similar is None:
        return {"compared": False, "note": NOT_COMPARED, "items": [], "earliest": None}
    items = []
    for near in similar:
        try:
            other = case.get_evidence(near.evidence_id)
        except KeyError:
            continue
        shown = near.evidence_id in in_dossier
        items.append({
            "id": other.id,
            "in_dossier": shown,
            "name": other.name if shown else None,
            "distance_bits": near.distance,
            "sha256": other.sha256,
            "captured_at": other.metadata.captured_at,
            "published_at": other.provenance.published_at or None,
            "platform": other.provenance.platform or None,
            "source_url": other.provenance.source_url or None,
        })
    earliest = None
    group = group_of(case, evidence_id) if items else None
    if group is not None:
        earliest = {"id": group.earliest, "by": group.earliest_by,
                    "at": group.earliest_at or None, "is_this_item": group.earliest == evidence_id,
                    "in_dossier": group.earliest in in_dossier, "group": list(group.members)}
    return {"compared": True, "note": None, "items": items, "earliest": earliest}
