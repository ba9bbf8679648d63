"""Toward, away or across, as the dossier prints it: numbers from `desk.core.movement`.

The window, `desk info --json` and the dossier must give a reader the same answer, so the
judgement itself lives in the core; this module only shapes it for the dossier's record.
"""

from __future__ import annotations

from dataclasses import dataclass

from desk.core import movement as core
from desk.core.model import Landmark, Movement

TOWARD_MAX_DEG = core.TOWARD_MAX_DEG
AWAY_MIN_DEG = core.AWAY_MIN_DEG
relation_for_angle = core.relation_for_angle


@dataclass(frozen=True)
class MovementFinding:
    """Numbers a reader can check: which way, how far off the reference bearing, how far."""

    relation: str  # "toward" | "away" | "across"
    bearing: float  # direction of movement, degrees from true north
    bearing_source: str  # "track" (start -> end on the map)
    bearing_to_reference: float  # from the start of the track to the reference
    angle: float  # between the two bearings, 0..180
    distance_start_m: float
    distance_end_m: float
    track_length_m: float

    @property
    def distance_change_m(self) -> float:
        return self.distance_end_m - self.distance_start_m

    def to_json(self) -> dict[str, object]:
        return {
            "relation": self.relation,
            "bearing": round(self.bearing, 1),
            "bearing_source": self.bearing_source,
            "bearing_to_reference": round(self.bearing_to_reference, 1),
            "angle": round(self.angle, 1),
            "distance_start_m": round(self.distance_start_m),
            "distance_end_m": round(self.distance_end_m),
            "distance_change_m": round(self.distance_change_m),
            "track_length_m": round(self.track_length_m),
            "rule": f"toward <= {TOWARD_MAX_DEG:g} deg, away >= {AWAY_MIN_DEG:g} deg, else across",
        }


def movement_finding(movement: Movement, reference: Landmark | None) -> MovementFinding | None:
    """The core's finding for a ground track, or None when there is no track or reference."""
    if reference is None or not core.has_track(movement):
        return None
    try:
        finding = core.assess(movement, reference)
        length = core.track_length_m(movement)
    except ValueError:  # coordinates off the globe: no finding rather than a wrong one
        return None
    if finding is None or length is None or finding.start_distance_m is None \
            or finding.end_distance_m is None:
        return None
    return MovementFinding(
        relation=finding.relation,
        bearing=finding.bearing,
        bearing_source="track",
        bearing_to_reference=finding.bearing_to_reference,
        angle=finding.angle,
        distance_start_m=finding.start_distance_m,
        distance_end_m=finding.end_distance_m,
        track_length_m=length,
    )
