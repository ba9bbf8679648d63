"""Toward, away or across: a movement's relation to a reference point as numbers.

Kept in this one small function so it can move to `desk.core` when movement findings get
their own issue; the dossier only renders what it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from desk.core.model import Landmark, Movement
from desk.dossier.geometry import angle_between, inverse

#: A movement within this many degrees of the bearing to the reference goes toward it.
TOWARD_MAX_DEG = 45.0
#: A movement at least this many degrees off that bearing goes away from it.
AWAY_MIN_DEG = 135.0


@dataclass(frozen=True)
class MovementFinding:
    """Numbers a reader can check: which way, how far off the reference bearing, how far."""

    relation: str  # "toward" | "away" | "across"
    bearing: float  # direction of movement, degrees from true north
    bearing_source: str  # "recorded" (drawn on the map) or "track" (start -> end)
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


def relation_for_angle(angle: float) -> str:
    if angle <= TOWARD_MAX_DEG:
        return "toward"
    if angle >= AWAY_MIN_DEG:
        return "away"
    return "across"


def movement_finding(movement: Movement, reference: Landmark | None) -> MovementFinding | None:
    """The relation of a ground track to its reference, or None when a number is missing.

    The recorded bearing (what the reviewer drew) wins over the start->end track, because the
    track's two ends are often only a few metres apart and less precise than the drawn arrow.
    """
    if (
        reference is None
        or movement.start_lat is None
        or movement.start_lon is None
        or movement.end_lat is None
        or movement.end_lon is None
    ):
        return None
    try:
        track_length, track_bearing = inverse(
            movement.start_lat, movement.start_lon, movement.end_lat, movement.end_lon
        )
        start_distance, to_reference = inverse(
            movement.start_lat, movement.start_lon, reference.lat, reference.lon
        )
        end_distance, _ = inverse(movement.end_lat, movement.end_lon, reference.lat,
                                  reference.lon)
    except ValueError:  # coordinates off the globe: no finding rather than a wrong one
        return None
    if movement.bearing is not None and math.isfinite(movement.bearing):
        bearing, source = float(movement.bearing) % 360.0, "recorded"
    elif track_length > 0:
        bearing, source = track_bearing, "track"
    else:
        return None
    angle = angle_between(bearing, to_reference)
    return MovementFinding(
        relation=relation_for_angle(angle),
        bearing=bearing,
        bearing_source=source,
        bearing_to_reference=to_reference,
        angle=angle,
        distance_start_m=start_distance,
        distance_end_m=end_distance,
        track_length_m=track_length,
    )
