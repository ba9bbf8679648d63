"""Content credentials and near-duplicates of a case's items, read once, as JSON-ready values.

`desk info --json` and the dossier state the same facts in the same shape: `"c2pa"` (state,
signer, generator, actions, problems) and `"near_duplicates"` (ids, closest first). An item
imported before case format 1.5 was never read for either: both are null for it, which means
"not read", never "absent" or "none".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from desk.core.credentials import Credential, credentials
from desk.core.near_duplicates import (
    THRESHOLD,
    Group,
    Similar,
    case_hashes,
    group_ids,
    similar_to,
)

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile


@dataclass
class CaseSignals:
    """Every item's credential and hash, and the case's groups of near-duplicates."""

    credentials: dict[int, Credential]
    hashes: dict[int, int]
    groups: list[tuple[int, ...]]

    @classmethod
    def read(cls, case: CaseFile) -> CaseSignals:
        hashes = case_hashes(case)
        return cls(credentials(case), hashes, group_ids(hashes))

    def credential(self, evidence_id: int) -> Credential | None:
        return self.credentials.get(evidence_id)

    def similar(self, evidence_id: int) -> list[Similar] | None:
        """The item's near-duplicates, closest first; None when it has no hash (not read)."""
        own = self.hashes.get(evidence_id)
        if own is None:
            return None
        return similar_to(own, self.hashes, THRESHOLD, exclude=evidence_id)

    def group_of(self, evidence_id: int) -> tuple[int, ...] | None:
        return next((g for g in self.groups if evidence_id in g), None)

    def json_for(self, evidence_id: int) -> dict[str, object]:
        """The two keys an evidence entry of `desk info --json` gains."""
        credential = self.credential(evidence_id)
        similar = self.similar(evidence_id)
        return {
            "c2pa": credential.to_json() if credential is not None else None,
            "near_duplicates": [s.evidence_id for s in similar] if similar is not None
            else None,
        }


def group_json(group: Group, names: dict[int, str]) -> dict[str, object]:
    """A group of near-duplicates with its earliest copy and the rule that chose it."""
    return {
        "members": list(group.members),
        "names": [names.get(i, f"evidence-{i}") for i in group.members],
        "earliest": group.earliest,
        "earliest_by": group.earliest_by,
        "earliest_at": group.earliest_at or None,
    }
