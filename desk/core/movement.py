"""Direction of movement as numbers: where an arrow on a frame lies on the ground, and whether
it runs toward or away from a reference point.

The answer to "into town or out of it?" must be a number a reader can check, so every result
carries its angle, its distances and the thresholds that turned the angle into a word.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from desk.core import geo
from desk.core.model import Geolocation, Horizon, Landmark, Movement, Track

#: Angles between the movement and the bearing to the reference that count as toward / away.
TOWARD_MAX_DEG = 45.0
AWAY_MIN_DEG = 135.0
#: Below this depression angle a point is so near the horizon that its distance is a guess.
MIN_DEPRESSION_DEG = 2.0

TOWARD, AWAY, ACROSS = "toward", "away", "across"


@dataclass(frozen=True)
class GroundPoint:
    """Where an image point lies on flat ground in front of the camera, if it can be said."""

    lat: float | None
    lon: float | None
    bearing: float | None
    distance_m: float | None
    reliable: bool
    note: str = ""


def focal_length_px(width: float, fov_deg: float) -> float:
    """Pinhole focal length in pixels from the image width and horizontal field of view."""
    return (width / 2.0) / math.tan(math.radians(fov_deg) / 2.0)


def project_point(
    camera: Geolocation, horizon: Horizon | None, width: int, height: int, x: float, y: float
) -> GroundPoint:
    """Project normalized image coordinates (0..1) onto the ground.

    bearing = heading + atan((x - cx) / f); distance = h / tan(atan((y - y_horizon) / f)),
    with f from the width and the horizontal field of view and h the camera height.
    """
    if camera.heading is None or camera.fov is None:
        return GroundPoint(None, None, None, None, False,
                           "the frame has no camera heading and field of view yet")
    if horizon is None:
        return GroundPoint(None, None, None, None, False, "the horizon is not marked on the frame")
    f = focal_length_px(width, camera.fov)
    dx = (x - 0.5) * width
    bearing = geo.normalize_bearing(camera.heading + math.degrees(math.atan(dx / f)))
    below = (y - horizon.y_at(x)) * height
    if below <= 0:
        return GroundPoint(None, None, bearing, None, False,
                           "the point is on or above the horizon, so it is not on the ground")
    depression = math.degrees(math.atan(below / f))
    distance = camera.camera_height_m / math.tan(math.radians(depression))
    lat, lon = geo.destination((camera.lat, camera.lon), bearing, distance)
    if depression < MIN_DEPRESSION_DEG:
        return GroundPoint(lat, lon, bearing, distance, False,
                           f"the point is {depression:.1f}° below the horizon: its distance"
                           " is very uncertain")
    return GroundPoint(lat, lon, bearing, distance, True)


@dataclass(frozen=True)
class GroundTrack:
    start: GroundPoint
    end: GroundPoint

    @property
    def usable(self) -> bool:
        return None not in (self.start.lat, self.end.lat)

    @property
    def reliable(self) -> bool:
        return self.usable and self.start.reliable and self.end.reliable

    @property
    def bearing(self) -> float | None:
        placed = projected_track(self)
        return None if placed is None else geo.initial_bearing(placed.start, placed.end)

    @property
    def notes(self) -> list[str]:
        return [n for n in (self.start.note, self.end.note) if n]


def project_arrow(
    camera: Geolocation, horizon: Horizon | None, width: int, height: int, movement: Movement
) -> GroundTrack:
    """The ground track of a frame arrow (start and end projected separately)."""
    return GroundTrack(project_point(camera, horizon, width, height, movement.x1, movement.y1),
                       project_point(camera, horizon, width, height, movement.x2, movement.y2))


def relation_for_angle(angle: float) -> str:
    if angle <= TOWARD_MAX_DEG:
        return TOWARD
    if angle >= AWAY_MIN_DEG:
        return AWAY
    return ACROSS


#: Where a finding's bearing comes from: the ground track, or a bearing the reviewer typed.
FROM_TRACK, FROM_TYPED = "track", "typed"


@dataclass(frozen=True)
class MovementFinding:
    """One movement judged against one reference point, with everything needed to check it.

    The one finding desk states: the window, `desk info --json`, the map and the dossier all
    show this value and its sentences, word for word.
    """

    movement_id: int
    evidence_id: int
    label: str
    bearing: float
    reference_id: int
    reference_name: str
    bearing_to_reference: float
    angle: float
    relation: str
    start_distance_m: float | None
    end_distance_m: float | None
    toward_max_deg: float = TOWARD_MAX_DEG
    away_min_deg: float = AWAY_MIN_DEG
    bearing_source: str = FROM_TRACK
    track_length_m: float | None = None

    @property
    def distance_change_m(self) -> float | None:
        if self.start_distance_m is None or self.end_distance_m is None:
            return None
        return self.end_distance_m - self.start_distance_m

    def relation_sentence(self) -> str:
        """Which way, against what, with the angle and the thresholds that made it a word."""
        return (f"Moving at {self.bearing:.0f}° ({geo.compass_label(self.bearing)}); the"
                f" bearing to {self.reference_name} is {self.bearing_to_reference:.0f}°. The angle"
                f" between them is {self.angle:.0f}°, so the movement is {self.relation}"
                f" (toward ≤ {self.toward_max_deg:.0f}°, away ≥ {self.away_min_deg:.0f}°).")

    def distance_sentence(self) -> str:
        """How the distance to the reference changes along the track (or why it is unknown)."""
        start, end = self.start_distance_m, self.end_distance_m
        if start is None or end is None:
            return (f"The distance to {self.reference_name} is not known: a typed bearing has"
                    " no track on the ground.")
        change = end - start
        verb = "grows" if change > 0 else "shrinks" if change < 0 else "stays"
        before, after = distance_pair(start, end)
        return (f"Distance to {self.reference_name} {verb} from {before} to {after}"
                f" ({change:+.0f} m).")

    def sentence(self) -> str:
        """The finding in words, numbers included."""
        return f"{self.relation_sentence()} {self.distance_sentence()}"

    def to_json(self) -> dict[str, object]:
        """JSON-ready, rounded as printed (0.1°, 1 m). Keys are only ever added."""
        data: dict[str, object] = asdict(self)
        data["bearing"] = round(self.bearing, 1)
        data["bearing_to_reference"] = round(self.bearing_to_reference, 1)
        data["angle"] = round(self.angle, 1)
        data["start_distance_m"] = _metres(self.start_distance_m)
        data["end_distance_m"] = _metres(self.end_distance_m)
        data["track_length_m"] = _metres(self.track_length_m)
        change = self.distance_change_m
        data["distance_change_m"] = None if change is None else round(change)
        # The dossier's names for the same numbers (desk-dossier/1 readers use them).
        data["distance_start_m"] = data["start_distance_m"]
        data["distance_end_m"] = data["end_distance_m"]
        data["rule"] = (f"toward <= {self.toward_max_deg:g} deg, away >= {self.away_min_deg:g}"
                        " deg, else across")
        data["sentence"] = self.sentence()
        return data


def distance_pair(start_m: float, end_m: float) -> tuple[str, str]:
    """Two distances with the precision their difference needs: "1.22 km" and "1.23 km",
    or "1.218 km" and "1.223 km" when two decimals would show the same number twice."""
    if max(start_m, end_m) < 1000:
        return f"{start_m:.0f} m", f"{end_m:.0f} m"
    decimals = 2 if f"{start_m / 1000:.2f}" != f"{end_m / 1000:.2f}" else 3
    return f"{start_m / 1000:.{decimals}f} km", f"{end_m / 1000:.{decimals}f} km"


def _metres(value: float | None) -> int | None:
    return None if value is None else round(value)


def reference_for(movement: Movement, landmarks: Sequence[Landmark]) -> Landmark | None:
    """The arrow's own reference point, else the case's default one (the one rule)."""
    if movement.reference_id is not None:
        for landmark in landmarks:
            if landmark.id == movement.reference_id:
                return landmark
    return default_reference(landmarks)


def assess(
    movement: Movement, reference: Landmark, camera: Geolocation | None = None
) -> MovementFinding | None:
    """Judge a movement against a reference point.

    With a ground track (start and end on the map) the bearing and both distances come from
    the track; with only a typed bearing, the camera position stands in for the start.
    None when the movement has neither a track nor a bearing, no place to start from, or
    coordinates off the globe (no finding rather than a wrong one).
    """
    try:
        return _assess(movement, reference, camera)
    except ValueError:
        return None


def _assess(movement: Movement, reference: Landmark, camera: Geolocation | None
            ) -> MovementFinding | None:
    ref = (reference.lat, reference.lon)
    track = movement.track
    length: float | None = None
    if track is not None:
        start = track.start
        bearing = geo.initial_bearing(track.start, track.end)
        start_d: float | None = geo.distance_m(track.start, ref)
        end_d: float | None = geo.distance_m(track.end, ref)
        length = geo.distance_m(track.start, track.end)
        source = FROM_TRACK
    elif movement.bearing is not None and camera is not None:
        start = (camera.lat, camera.lon)
        bearing = geo.normalize_bearing(movement.bearing)
        start_d = end_d = None
        source = FROM_TYPED
    else:
        return None
    to_ref = geo.initial_bearing(start, ref)
    angle = abs(geo.bearing_difference(bearing, to_ref))
    return MovementFinding(
        movement.id, movement.evidence_id, movement.label, bearing, reference.id, reference.name,
        to_ref, angle, relation_for_angle(angle), start_d, end_d,
        bearing_source=source, track_length_m=length,
    )


def finding_for(movement: Movement, landmarks: Sequence[Landmark],
                camera: Geolocation | None) -> MovementFinding | None:
    """The movement's finding against its reference point (its own, else the default)."""
    reference = reference_for(movement, landmarks)
    return assess(movement, reference, camera) if reference is not None else None


def why_no_finding(movement: Movement, landmarks: Sequence[Landmark],
                   camera: Geolocation | None) -> str:
    """Why a movement has no finding, in the words every view uses."""
    if reference_for(movement, landmarks) is None:
        return "No reference point: mark a landmark as the reference point."
    if movement.track is None and movement.bearing is None:
        return ("No direction on the ground yet: project the arrow, draw its track or type"
                " a bearing.")
    if movement.track is None and camera is None:
        return "A typed bearing needs the camera's position: geolocate the frame first."
    return "The movement's coordinates cannot be judged."


def default_reference(landmarks: Sequence[Landmark]) -> Landmark | None:
    """The landmark marked as the reference point, else None (the reviewer must choose)."""
    for landmark in landmarks:
        if landmark.is_reference:
            return landmark
    return None


def case_findings(
    movements: list[Movement], landmarks: list[Landmark], geolocations: dict[int, Geolocation]
) -> list[dict[str, object]]:
    """Every movement with its finding (or why there is none), as JSON-ready data."""
    result: list[dict[str, object]] = []
    for movement in movements:
        entry: dict[str, object] = {
            "id": movement.id, "evidence_id": movement.evidence_id, "label": movement.label,
            "bearing": movement.bearing, "reference": None, "angle": None, "relation": None,
        }
        camera = geolocations.get(movement.evidence_id)
        reference = reference_for(movement, landmarks)
        finding = assess(movement, reference, camera) if reference is not None else None
        found = finding.to_json() if finding is not None else None
        if found is not None and reference is not None:
            entry.update(found)
            entry["reference"] = {"id": reference.id, "name": reference.name,
                                  "lat": reference.lat, "lon": reference.lon}
        entry["finding"] = found
        entry["no_finding"] = (None if finding is not None
                               else why_no_finding(movement, landmarks, camera))
        result.append(entry)
    return result


# --------------------------------------------------------------------------- editing helpers

#: A line tilted more than this (in image pixels) is not taken for a horizon.
MAX_HORIZON_TILT_DEG = 30.0
#: Two ground tracks closer than this at both ends are the same track (metres).
SAME_TRACK_M = 1.0


def horizon_through(
    evidence_id: int, width: int, height: int, x1: float, y1: float, x2: float, y2: float
) -> Horizon | None:
    """The horizon through two normalized image points, extended to both image edges.

    The reviewer marks the horizon where it is visible; the case stores its heights at the
    left and right edges so `Horizon.y_at` works anywhere. None when the line is too steep
    to be a horizon (or the two points coincide).
    """
    dx = (x2 - x1) * width
    dy = (y2 - y1) * height
    if abs(dx) < 1e-9 or math.degrees(math.atan2(abs(dy), abs(dx))) > MAX_HORIZON_TILT_DEG:
        return None
    slope = (y2 - y1) / (x2 - x1)
    y_left = y1 - slope * x1
    return Horizon(evidence_id, y_left, y_left + slope)


def has_track(movement: Movement) -> bool:
    """Whether the movement has start and end positions on the ground."""
    return movement.track is not None


def track_length_m(movement: Movement) -> float | None:
    track = movement.track
    return None if track is None else geo.distance_m(track.start, track.end)


def track_fields(start: tuple[float, float], end: tuple[float, float]) -> dict[str, float]:
    """The movement columns for a ground track from `start` to `end`, its bearing included,
    so the stored bearing always agrees with the track."""
    return {"start_lat": start[0], "start_lon": start[1], "end_lat": end[0], "end_lon": end[1],
            "bearing": geo.initial_bearing(start, end)}


def projected_track(track: GroundTrack) -> Track | None:
    """The projection of a frame arrow as a track on the ground, or None if it cannot be placed."""
    s, e = track.start, track.end
    if s.lat is None or s.lon is None or e.lat is None or e.lon is None:
        return None
    return Track((s.lat, s.lon), (e.lat, e.lon))


def projected_fields(track: GroundTrack) -> dict[str, float] | None:
    """The movement columns for a projected track, or None when it cannot be placed."""
    placed = projected_track(track)
    return None if placed is None else track_fields(placed.start, placed.end)


def turned_track(movement: Movement, bearing: float) -> dict[str, float | None]:
    """The movement columns after the reviewer types a bearing.

    With a ground track the track turns about its start and keeps its length (the finding
    reads the track, so it must turn too); without one only the bearing is stored.
    """
    bearing = geo.normalize_bearing(bearing)
    track = movement.track
    length = track_length_m(movement)
    if track is None or length is None or length < 0.01:
        return {"bearing": bearing}
    end = geo.destination(track.start, bearing, length)
    return {"end_lat": end[0], "end_lon": end[1], "bearing": bearing}


def same_track(movement: Movement, track: GroundTrack, tolerance_m: float = SAME_TRACK_M
               ) -> bool:
    """Whether the movement's ground track is (still) this projection of its arrow."""
    stored, placed = movement.track, projected_track(track)
    if stored is None or placed is None:
        return False
    return (geo.distance_m(stored.start, placed.start) <= tolerance_m
            and geo.distance_m(stored.end, placed.end) <= tolerance_m)
