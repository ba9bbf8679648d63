"""A shadow drawn on a frame, laid onto the ground: which way it points, and how sure that is.

The reviewer draws a line from an object's base to its shadow's tip; desk projects both ends
with the camera model every arrow uses (`desk.core.movement.project_point`: heading, field of
view, horizon, camera height) and takes the geodesic bearing from base to tip.

How far off that bearing may be is worked out, not typed. Each input the projection uses is
moved by its own uncertainty, one at a time, both ways, and the larger change of the bearing
each move makes is kept. The drawing's and the lens's terms are independent of each other, so
they are combined as the root of their sum of squares (all six at their worst together is
too unlikely to set the range by); the heading's term is one systematic error and is added
in full. The result is the ± range `desk.core.chronolocation` treats as hard. The inputs:

* the drawing: each end of the line by ± `drawing_px` pixels across and along the frame, and
  the horizon (drawn by the same hand) by ± `drawing_px` up and down;
* the field of view, by ± a fraction that follows the geolocation's confidence
  (`FOV_FRACTION`);
* the heading. Turning the camera turns everything it sees on the ground, so a heading error
  moves the shadow's bearing by exactly as much: it is added directly. The heading is judged
  good to the degrees `HEADING_DEG` gives for the geolocation's confidence, plus the angle a
  misplaced camera makes on a landmark `HEADING_REFERENCE_M` away, atan(precision_m / that):
  a heading is found by lining up something seen far off, and a camera placed `precision_m`
  to the side lines it up that much askew.

The camera's height scales the whole ground picture without turning it, and moving the camera
moves it without turning it, so neither changes the bearing (beyond the heading term above).
A shorter drawn shadow, or one lying nearer the horizon, is turned more by the same few
pixels: its tolerance grows, as it should.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from desk.core import geo
from desk.core.commands import MAX_SHADOW_TOLERANCE
from desk.core.model import Confidence, Geolocation, Horizon
from desk.core.movement import GroundPoint, focal_length_px, project_point

#: How far (±, degrees) a heading is trusted for each confidence of the geolocation.
HEADING_DEG: dict[Confidence, float] = {Confidence.HIGH: 1.0, Confidence.MODERATE: 2.0,
                                        Confidence.LOW: 5.0}
#: How far (±, as a fraction) the field of view is trusted for each confidence.
FOV_FRACTION: dict[Confidence, float] = {Confidence.HIGH: 0.02, Confidence.MODERATE: 0.05,
                                         Confidence.LOW: 0.10}
#: The distance of the landmark a heading is taken to be lined up on (metres).
HEADING_REFERENCE_M = 1000.0
#: The least tolerance a projected bearing is given (±, degrees): the camera model itself
#: (flat ground, a pinhole lens) is not better than this.
MIN_TOLERANCE_DEG = 1.0
#: Beyond this tolerance (±, degrees) a shadow says too little of the sun to be relied on.
MAX_RELIABLE_DEG = 30.0


@dataclass(frozen=True)
class ProjectedShadow:
    """A drawn shadow on the ground (or why it cannot be put there)."""

    bearing: float | None      # on the ground, base -> tip, degrees clockwise from true north
    tolerance: float | None    # ± degrees: from the drawing's precision and the camera model's
    length_m: float | None     # ground length base -> tip, when both ends project reliably
    reliable: bool
    note: str = ""             # why not reliable / not projectable, in plain words


def heading_uncertainty(camera: Geolocation) -> float:
    """± degrees the camera's heading may be off (the rule in the module's docstring)."""
    base = HEADING_DEG.get(camera.confidence, HEADING_DEG[Confidence.LOW])
    precision = max(float(camera.precision_m), 0.0) if math.isfinite(camera.precision_m) else 0.0
    return base + math.degrees(math.atan(precision / HEADING_REFERENCE_M))


def _ground_bearing(base: GroundPoint, tip: GroundPoint) -> float | None:
    if None in (base.lat, base.lon, tip.lat, tip.lon):
        return None
    a = (float(base.lat), float(base.lon))  # type: ignore[arg-type]
    b = (float(tip.lat), float(tip.lon))  # type: ignore[arg-type]
    if geo.distance_m(a, b) < 1e-6:
        return None
    return geo.initial_bearing(a, b)


def project_shadow(camera: Geolocation, horizon: Horizon | None, width: int, height: int,
                   x1: float, y1: float, x2: float, y2: float,
                   drawing_px: float = 3.0) -> ProjectedShadow:
    """The ground bearing (base -> tip) of a shadow drawn from (x1, y1) to (x2, y2)
    (normalized frame coordinates, 0..1), ± the tolerance its inputs allow (see the module's
    docstring), and its length on the ground when both ends lie reliably on it."""
    if camera.heading is None or camera.fov is None:
        return ProjectedShadow(None, None, None, False,
                               "The frame has no camera heading and field of view yet, so the"
                               " shadow cannot be laid on the ground.")
    if horizon is None:
        return ProjectedShadow(None, None, None, False,
                               "The horizon is not marked on the frame, so the shadow cannot be"
                               " laid on the ground.")
    if width <= 0 or height <= 0:
        return ProjectedShadow(None, None, None, False, "The frame has no size.")
    try:
        finite = all(math.isfinite(float(v)) for v in (x1, y1, x2, y2, drawing_px))
    except (TypeError, ValueError):
        finite = False
    if not finite:
        return ProjectedShadow(None, None, None, False, "The shadow's ends are not numbers.")
    if math.hypot((x2 - x1) * width, (y2 - y1) * height) < 1.0:
        return ProjectedShadow(None, None, None, False,
                               "The shadow has no length on the frame: draw it from the"
                               " object's base to the shadow's tip.")

    def bearing_of(cam: Geolocation, hor: Horizon, ax: float, ay: float, bx: float,
                   by: float) -> float | None:
        return _ground_bearing(project_point(cam, hor, width, height, ax, ay),
                               project_point(cam, hor, width, height, bx, by))

    base = project_point(camera, horizon, width, height, x1, y1)
    tip = project_point(camera, horizon, width, height, x2, y2)
    if base.lat is None:
        return ProjectedShadow(None, None, None, False,
                               "The shadow's base is on or above the horizon, so it is not on"
                               " the ground: start the line at the foot of the object.")
    if tip.lat is None:
        return ProjectedShadow(None, None, None, False,
                               "The shadow's tip is on or above the horizon, so it is not on"
                               " level ground: end the line where the shadow ends.")
    bearing = _ground_bearing(base, tip)
    if bearing is None:
        return ProjectedShadow(None, None, None, False,
                               "The shadow has no length on the ground.")

    dx, dy = drawing_px / width, drawing_px / height
    dh = drawing_px / height
    fov = camera.fov
    fov_step = fov * FOV_FRACTION.get(camera.confidence, FOV_FRACTION[Confidence.LOW])
    moves: list[Callable[[float], float | None]] = [
        lambda s: bearing_of(camera, horizon, x1 + s * dx, y1, x2, y2),
        lambda s: bearing_of(camera, horizon, x1, y1 + s * dy, x2, y2),
        lambda s: bearing_of(camera, horizon, x1, y1, x2 + s * dx, y2),
        lambda s: bearing_of(camera, horizon, x1, y1, x2, y2 + s * dy),
        lambda s: bearing_of(camera, replace(horizon, y_left=horizon.y_left + s * dh,
                                             y_right=horizon.y_right + s * dh),
                             x1, y1, x2, y2),
        lambda s: bearing_of(replace(camera, fov=min(max(fov + s * fov_step, 1.0),
                                                     179.0)), horizon, x1, y1, x2, y2),
    ]
    squares = 0.0
    lost = False
    for move in moves:
        worst = 0.0
        for sign in (-1.0, 1.0):
            moved = move(sign)
            if moved is None:
                lost = True
                continue
            worst = max(worst, abs(geo.bearing_difference(bearing, moved)))
        squares += worst * worst
    tolerance = max(math.sqrt(squares) + heading_uncertainty(camera), MIN_TOLERANCE_DEG)

    notes: list[str] = []
    if lost:
        tolerance = MAX_SHADOW_TOLERANCE
        notes.append("Within the drawing's precision an end of the shadow reaches the horizon,"
                     " so its direction on the ground is barely known.")
    tolerance = min(tolerance, MAX_SHADOW_TOLERANCE)
    ends_reliable = base.reliable and tip.reliable
    if not ends_reliable:
        notes.append("An end of the shadow lies so near the horizon that its place on the"
                     " ground is very uncertain.")
    if tolerance > MAX_RELIABLE_DEG and not lost:
        notes.append(f"The drawn shadow is too short on the frame to give its direction"
                     f" better than ± {tolerance:.0f}°: draw a longer shadow or zoom in.")
    length: float | None = None
    if ends_reliable:
        length = geo.distance_m((base.lat, base.lon), (tip.lat, tip.lon))  # type: ignore[arg-type]
    reliable = ends_reliable and not lost and tolerance <= MAX_RELIABLE_DEG
    return ProjectedShadow(bearing, tolerance, length, reliable, " ".join(notes))


def frame_point(camera: Geolocation, horizon: Horizon, width: int, height: int,
                lat: float, lon: float) -> tuple[float, float] | None:
    """Where a point on the ground shows on the frame (normalized x, y): the inverse of
    `project_point`, for drawing known ground points (a sample, a test, a shadow's tip) with
    the same camera model. None when the point is behind the camera or at its foot."""
    if camera.heading is None or camera.fov is None:
        return None
    distance = geo.distance_m((camera.lat, camera.lon), (lat, lon))
    if distance <= 0.0:
        return None
    off = geo.bearing_difference(camera.heading, geo.initial_bearing((camera.lat, camera.lon),
                                                                     (lat, lon)))
    if abs(off) >= 90.0:
        return None
    f = focal_length_px(width, camera.fov)
    x = 0.5 + f * math.tan(math.radians(off)) / width
    y = horizon.y_at(x) + f * camera.camera_height_m / distance / height
    return x, y
