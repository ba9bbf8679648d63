"""What the map shows, as plain JSON-ready data: points, the selected frame's camera, view cone
and sight lines, landmarks, movement arrows, and the selected frame's sun: the sun's azimuth
ray at the claimed time (or in the middle of the first window that fits) and the directions
its shadows point, from the camera.

All geometry and every label is computed here with desk.core.geo (geodesic, bearings clockwise
from true north), so the page's script only draws. Text from the case (names, labels) is passed
as data and the script puts it in with `textContent`; it is never HTML.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from desk.core import geo
from desk.core import movement as movements_
from desk.core.arrow_style import ArrowStyle, arrow_colour, arrow_styles, short_label
from desk.core.model import Confidence, Evidence, Geolocation, Gps, Landmark, Movement, Shadow
from desk.core.movement import reference_for as reference_for  # the one rule, re-exported
from desk.core.shadow_names import shadow_names
from desk.core.view_cone import DEFAULT_FOV, cone_range

#: Point kinds, as small integers so 10,000 points stay compact in JSON.
CLAIMED = 0
KIND_BY_CONFIDENCE = {Confidence.HIGH: 1, Confidence.MODERATE: 2, Confidence.LOW: 3}

#: Landmarks farther than this from the camera get no sight line (they would only clutter).
SIGHT_LINE_MAX_M = 50_000.0
MAX_SIGHT_LINES = 12

#: The sun's ray reaches this much farther than the view cone, so its end stands clear of it.
SUN_RAY_FACTOR = 1.25

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.chronolocation import Chronolocation

@dataclass(frozen=True)
class Item:
    """What the map needs of one evidence item (so callers can cache it between drags)."""

    id: int
    name: str
    gps: Gps | None


def item_of(evidence: Evidence) -> Item:
    return Item(evidence.id, evidence.name, evidence.metadata.gps)


def _r(value: float) -> float:
    return round(float(value), 7)


def _ll(point: Sequence[float]) -> list[float]:
    return [_r(point[0]), _r(point[1])]


def _valid(lat: float | None, lon: float | None) -> bool:
    if lat is None or lon is None:
        return False
    try:
        geo.check_point((lat, lon))
    except (TypeError, ValueError):
        return False
    return True


def build_scene(items: Sequence[Item], geolocations: Iterable[Geolocation],
                landmarks: Sequence[Landmark], movements: Iterable[Movement] = (),
                selected: int | None = None, shadows: Iterable[Shadow] = (),
                answer: Chronolocation | None = None) -> dict[str, Any]:
    """The whole map's data. Points are columns (id, lat, lon, kind, heading) for speed.
    `shadows` and `answer` (the selected frame's chronolocation) give its sun."""
    found = {g.evidence_id: g for g in geolocations if _valid(g.lat, g.lon)}
    ids: list[int] = []
    lats: list[float] = []
    lons: list[float] = []
    kinds: list[int] = []
    headings: list[float | None] = []
    names: dict[str, str] = {}
    for item in items:
        gps = item.gps
        if gps is not None and _valid(gps.lat, gps.lon):
            ids.append(item.id)
            lats.append(_r(gps.lat))
            lons.append(_r(gps.lon))
            kinds.append(CLAIMED)
            headings.append(None)
            names[str(item.id)] = item.name
        location = found.get(item.id)
        if location is not None:
            ids.append(item.id)
            lats.append(_r(location.lat))
            lons.append(_r(location.lon))
            kinds.append(KIND_BY_CONFIDENCE.get(location.confidence, 3))
            headings.append(None if location.heading is None else round(location.heading, 2))
            names[str(item.id)] = item.name
    valid_landmarks = [lm for lm in landmarks if _valid(lm.lat, lm.lon)]
    by_id = {item.id: item for item in items}
    movements = list(movements)
    detail = None
    if selected is not None and selected in by_id:
        detail = selection_detail(by_id[selected], found.get(selected), valid_landmarks,
                                  [mv for mv in movements if mv.evidence_id == selected],
                                  [s for s in shadows if s.evidence_id == selected], answer)
    styles = arrow_styles(movements)
    arrows = [movement_data(mv, reference_for(mv, valid_landmarks), found.get(mv.evidence_id),
                            styles[mv.id])
              for mv in movements]
    return {
        "points": {"id": ids, "lat": lats, "lon": lons, "kind": kinds, "heading": headings},
        "names": names,
        "landmarks": [landmark_data(lm) for lm in valid_landmarks],
        "movements": [m for m in arrows if m is not None],
        "selected": detail,
        "bounds": _bounds(lats, lons, valid_landmarks),
    }


def scene_for_case(case: CaseFile, selected: int | None = None) -> dict[str, Any]:
    """The scene of an open case (what the window's map shows), the selected frame's sun
    worked out here (a long range of days takes a second or two)."""
    shadows = case.shadows(selected) if selected is not None else []
    answer = None
    if shadows and selected is not None:
        from desk.core.frame_time import chronolocation_for

        answer = chronolocation_for(case, selected)
    return build_scene([item_of(e) for e in case.list_evidence()], case.geolocations(),
                       case.landmarks(), case.movements(), selected, shadows, answer)


def landmark_data(landmark: Landmark) -> dict[str, Any]:
    return {"id": landmark.id, "name": landmark.name, "at": _ll((landmark.lat, landmark.lon)),
            "kind": landmark.kind, "reference": bool(landmark.is_reference)}


def _bounds(lats: list[float], lons: list[float], landmarks: Sequence[Landmark]
            ) -> list[list[float]] | None:
    all_lats = lats + [lm.lat for lm in landmarks]
    all_lons = lons + [lm.lon for lm in landmarks]
    if not all_lats:
        return None
    return [[min(all_lats), min(all_lons)], [max(all_lats), max(all_lons)]]


def selection_detail(item: Item, location: Geolocation | None,
                     landmarks: Sequence[Landmark], movements: Sequence[Movement] = (),
                     shadows: Sequence[Shadow] = (), answer: Chronolocation | None = None
                     ) -> dict[str, Any]:
    """The selected frame: camera, precision, cone, drag handles, sight lines, EXIF claim,
    its movements' ground tracks (draggable ends, line to the reference point) and its sun
    (`sun_data`, from its shadows and chronolocation)."""
    detail: dict[str, Any] = {"id": item.id, "name": item.name, "camera": None, "claimed": None,
                              "sights": [], "cone": None, "handles": None, "sun": None}
    detail["tracks"] = [t for t in (track_data(mv, reference_for(mv, landmarks))
                                    for mv in movements if mv.evidence_id == item.id)
                        if t is not None]
    gps = item.gps
    if location is not None and _valid(location.lat, location.lon):
        camera = (location.lat, location.lon)
        fov = location.fov if location.fov is not None else DEFAULT_FOV
        reach = cone_range(location, landmarks)
        detail.update({
            "camera": _ll(camera),
            "precision_m": float(location.precision_m or 0.0),
            "heading": location.heading,
            "fov": location.fov,
            "confidence": str(location.confidence),
            "range_m": round(reach, 1),
            "label": camera_label(location),
        })
        heading = location.heading if location.heading is not None else 0.0
        handles: dict[str, Any] = {"heading": _ll(geo.destination(camera, heading, reach)),
                                   "heading_set": location.heading is not None}
        if location.heading is not None:
            detail["cone"] = [_ll(p) for p in geo.view_cone(camera, location.heading, fov, reach,
                                                             steps=24)]
            handles["left"] = _ll(geo.destination(camera, heading - fov / 2, reach))
            handles["right"] = _ll(geo.destination(camera, heading + fov / 2, reach))
        detail["handles"] = handles
        detail["sights"] = sight_lines(location, landmarks)
        detail["sun"] = sun_data(location, [s for s in shadows if s.evidence_id == item.id],
                                 answer, reach * SUN_RAY_FACTOR)
    if gps is not None and _valid(gps.lat, gps.lon):
        claimed: dict[str, Any] = {"at": _ll((gps.lat, gps.lon)),
                                   "label": "Claimed by metadata (EXIF GPS)"}
        if detail["camera"] is not None:
            gap = geo.distance_m((gps.lat, gps.lon), detail["camera"])
            claimed["label"] += f" · {geo.format_distance(gap)} from the camera"
            claimed["gap_m"] = round(gap, 1)
        detail["claimed"] = claimed
    return detail


def camera_label(location: Geolocation) -> str:
    parts = [f"{location.lat:.6f}, {location.lon:.6f}", f"±{location.precision_m:.0f} m"]
    if location.heading is not None:
        parts.append(f"heading {location.heading:.0f}° {geo.compass_label(location.heading)}")
    if location.fov is not None:
        parts.append(f"FOV {location.fov:.0f}°")
    return " · ".join(parts)


def sight_lines(location: Geolocation, landmarks: Sequence[Landmark]) -> list[dict[str, Any]]:
    """From the camera to each landmark: geodesic path, distance and bearing, in view or not."""
    camera = (location.lat, location.lon)
    fov = location.fov if location.fov is not None else DEFAULT_FOV
    lines: list[dict[str, Any]] = []
    for landmark in landmarks:
        target = (landmark.lat, landmark.lon)
        distance = geo.distance_m(camera, target)
        if distance > SIGHT_LINE_MAX_M or distance < 0.5:
            continue
        bearing = geo.initial_bearing(camera, target)
        view = None
        if location.heading is not None:
            view = geo.in_view(location.heading, fov, bearing)
        text = (f"{geo.format_distance(distance)} · {bearing:.0f}° {geo.compass_label(bearing)}")
        if view is not None:
            text += " · in view" if view else " · out of view"
        lines.append({
            "landmark": landmark.id,
            "name": landmark.name,
            "path": [_ll(p) for p in geo.geodesic_path(camera, target, max_segment_m=5_000)],
            "distance_m": round(distance, 1),
            "bearing": round(bearing, 2),
            "in_view": view,
            "reference": bool(landmark.is_reference),
            "label": text,
        })
    lines.sort(key=lambda line: line["distance_m"])
    return lines[:MAX_SIGHT_LINES]


def _track_ends(movement: Movement) -> tuple[tuple[float, float], tuple[float, float]] | None:
    track = movement.track
    if track is None or not (_valid(*track.start) and _valid(*track.end)):
        return None
    return track.start, track.end


def movement_data(movement: Movement, reference: Landmark | None = None,
                  camera: Geolocation | None = None, style: ArrowStyle | None = None
                  ) -> dict[str, Any] | None:
    """An arrow on the ground, if the movement has a track: named and coloured like the frame
    arrow (`style`, from `arrow_styles` over the frame's arrows) and labelled with its bearing
    and, given its reference point (as `reference_for` gives it), toward / away / across: the
    core's finding, the one the window and the dossier state."""
    ends = _track_ends(movement)
    if ends is None:
        return None
    start, end = ends
    length = geo.distance_m(start, end)
    if length < 0.5:
        return None
    style = style or arrow_styles([movement])[movement.id]
    finding = movements_.assess(movement, reference, camera) if reference is not None else None
    if finding is not None:
        bearing = finding.bearing
    else:
        bearing = movement.bearing if movement.bearing is not None else geo.initial_bearing(
            start, end)
    arrival = geo.final_bearing(start, end)
    head = min(max(length * 0.2, 4.0), 60.0)
    label = f"{bearing:.0f}° {geo.compass_label(bearing)}"
    if finding is not None:
        label += f" · {finding.relation}"
    return {
        "id": movement.id,
        "evidence": movement.evidence_id,
        "path": [_ll(p) for p in geo.geodesic_path(start, end, max_segment_m=5_000)],
        "head": [_ll(geo.destination(end, arrival + 180 - 25, head)), _ll(end),
                 _ll(geo.destination(end, arrival + 180 + 25, head))],
        "colour": style.colour,
        "name": style.label,
        "label": label,
        "relation": finding.relation if finding is not None else None,
    }


def track_data(movement: Movement, reference: Landmark | None) -> dict[str, Any] | None:
    """A selected frame's ground track as the map edits it: both ends (draggable) and the
    dashed line from its start to the reference point the finding is measured against."""
    ends = _track_ends(movement)
    if ends is None:
        return None
    start, end = ends
    data: dict[str, Any] = {"id": movement.id, "start": _ll(start), "end": _ll(end),
                            "colour": arrow_colour(movement), "reference": None}
    if reference is not None and _valid(reference.lat, reference.lon):
        target = (reference.lat, reference.lon)
        if geo.distance_m(start, target) >= 0.5:
            bearing = geo.initial_bearing(start, target)
            data["reference"] = {
                "id": reference.id,
                "path": [_ll(p) for p in geo.geodesic_path(start, target, max_segment_m=5_000)],
                "bearing": round(bearing, 2),
                "label": f"{bearing:.0f}° to {reference.name}",
            }
    return data


def _ray(camera: tuple[float, float], bearing: float, length_m: float) -> list[list[float]]:
    return [_ll(p) for p in geo.geodesic_path(camera, geo.destination(camera, bearing, length_m),
                                               max_segment_m=5_000)]


def _wedge(camera: tuple[float, float], bearing: float, tolerance: float, length_m: float
           ) -> list[list[float]]:
    """The fan of bearings bearing ± tolerance from the camera, as a closed outline."""
    steps = max(2, min(24, int(tolerance * 2 / 3) + 2))
    edge = [_ll(geo.destination(camera, bearing - tolerance + 2 * tolerance * k / steps,
                                length_m)) for k in range(steps + 1)]
    return [_ll(camera), *edge]


def _shadow_label(shadow: Shadow, name: str) -> str:
    """'Shadow 314° NW ± 4° · fence post' (the numbers first: a long label is cut at its end,
    never the bearing), or 'Shadow 2 · 314° NW ± 4°' for one without a label."""
    numbers = (f"{shadow.bearing:.0f}° {geo.compass_label(shadow.bearing)}"
               f" ± {shadow.tolerance:.0f}°")
    if not shadow.label.strip():
        return f"{name} · {numbers}"
    return f"Shadow {numbers} · {short_label(name)}"


def sun_moment(answer: Chronolocation) -> tuple[datetime, str] | None:
    """The instant the map shows the sun at, and why that one: the claimed time, else the
    middle of the first window that fits; None when there is neither."""
    if answer.claim is not None:
        return answer.claim.at, "claimed"
    if answer.windows:
        window = answer.windows[0]
        return window.start + (window.end - window.start) / 2, "window"
    return None


def sun_data(location: Geolocation, shadows: Sequence[Shadow],
             answer: Chronolocation | None, length_m: float) -> dict[str, Any] | None:
    """The selected frame's sun on the map, from the camera: each shadow's direction with its
    ± fan, and the sun's azimuth ray (with where shadows would point then) at the claimed
    time, or in the middle of the first window that fits. None without shadows."""
    if not shadows:
        return None
    camera = (location.lat, location.lon)
    names = shadow_names(shadows)
    lines: list[dict[str, Any]] = []
    for shadow in sorted(shadows, key=lambda s: s.id):
        lines.append({
            "id": shadow.id,
            "path": _ray(camera, shadow.bearing, length_m * 0.8),
            "wedge": _wedge(camera, shadow.bearing, min(shadow.tolerance, 90.0),
                            length_m * 0.8),
            "label": _shadow_label(shadow, names[shadow.id]),
        })
    data: dict[str, Any] = {"shadows": lines, "ray": None}
    moment = sun_moment(answer) if answer is not None else None
    if answer is None or moment is None:
        return data
    from desk.core.sun import sun_position

    instant, why = moment
    sun = sun_position(instant, answer.place)
    local = instant.astimezone(answer.zone.zone)
    # The day is said when several were asked about (the Sun tab names it anyway).
    when = f"{local:%H:%M}" if answer.first == answer.last else f"{local:%Y-%m-%d %H:%M}"
    if why == "claimed":
        assert answer.claim is not None
        consistent = answer.claim.consistent
        said = f"claimed {when}: " + ("consistent" if consistent else "inconsistent")
    else:
        consistent = True
        said = f"{when}, middle of the first window"
    height = (f"{sun.elevation:.0f}° high" if sun.elevation > 0
              else f"{-sun.elevation:.0f}° below the horizon")
    data["ray"] = {
        "path": _ray(camera, sun.azimuth, length_m),
        "cast": _ray(camera, sun.shadow_bearing, length_m * 0.65),
        "azimuth": round(sun.azimuth, 2),
        "elevation": round(sun.elevation, 2),
        "shadow_bearing": round(sun.shadow_bearing, 2),
        "at": instant.isoformat(timespec="seconds"),
        "why": why,
        "consistent": consistent,
        "up": sun.elevation > 0,
        # Two lines on the map: where the sun was, then when and what that says.
        "label": f"Sun {sun.azimuth:.0f}° {geo.compass_label(sun.azimuth)}, {height}\n{said}",
        "cast_label": (f"shadows then point {sun.shadow_bearing:.0f}°"
                       f" {geo.compass_label(sun.shadow_bearing)}"),
    }
    return data
