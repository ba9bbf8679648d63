"""The dossier's chronolocation finding for one frame: when the sun could have cast its shadows.

Plain data for dossier.json and the HTML partial `_chronolocation.html.j2`: the inputs (the
place the sun is seen from, the time zone and the assumption it makes, each shadow with its
bearing ± tolerance and any height and length), the windows in the words every view uses
(`Chronolocation.sentence`), the verdict on the claimed time, and the day chart as SVG text.
A frame with shadows or a time question but no answer says why, in the same words as the
window. Everything is a function of the case, so the same case gives the same bytes.
"""

from __future__ import annotations

from datetime import datetime, time

from desk.core.casefile import CaseFile
from desk.core.chronolocation import Chronolocation, elevation_range
from desk.core.day_chart import chart_day, finding_chart_svg
from desk.core.frame_time import answer_for
from desk.core.model import Shadow
from desk.core.sun import Place, sun_position
from desk.dossier.mapsketch import SunSketch

#: What every chronolocation rests on, said once per finding in the dossier.
ASSUMPTIONS = (
    "Shadows are taken to fall on level ground from upright objects, pointing away from the"
    " sun's azimuth; the sun is seen from the camera's recorded position at sea level, its"
    " apparent elevation refracted by a standard atmosphere (NREL SPA, accurate to"
    " ±0.0003°). A window is every time at which the sun stands above the horizon within the"
    " shadows' bearing range (and the elevation their lengths give), scanned minute by minute"
    " and refined to the second."
)


def anchor_for(evidence_id: int) -> str:
    """The id of a frame's chronolocation section (the checklist's "Date checked" links it)."""
    return f"chronolocation-{evidence_id}"


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def shadow_json(shadow: Shadow) -> dict[str, object]:
    span = elevation_range(shadow)
    return {
        "id": shadow.id,
        "label": shadow.label,
        "bearing": round(shadow.bearing, 2),
        "tolerance": round(shadow.tolerance, 2),
        "object_height_m": _round(shadow.object_height_m),
        "shadow_length_m": _round(shadow.shadow_length_m),
        "size_tolerance": round(shadow.size_tolerance, 3),
        "sun_elevation_range": None if span is None else [round(v, 2) for v in span],
        "drawn": shadow.drawn,
        "frame_line": ({"x1": shadow.x1, "y1": shadow.y1, "x2": shadow.x2, "y2": shadow.y2}
                       if shadow.drawn else None),
    }


def _assumption(finding: Chronolocation) -> str:
    """The time-zone assumption: the claimed time's when it was read in the zone, else the
    zone's on the first day asked about."""
    if finding.claim is not None and finding.claim.assumption:
        return finding.claim.assumption
    noon = datetime.combine(finding.first, time(12), tzinfo=finding.zone.zone)
    return finding.zone.assumption(noon)


def frame_chronolocation(case: CaseFile, evidence_id: int) -> dict[str, object] | None:
    """The frame's chronolocation entry for dossier.json; None when the frame has neither
    shadows nor a time question (nothing was asked of the sun)."""
    shadows = case.shadows(evidence_id)
    question = case.time_question(evidence_id)
    if not shadows and question is None:
        return None
    answer = answer_for(case, evidence_id)
    finding = answer if isinstance(answer, Chronolocation) else None
    entry: dict[str, object] = {
        "place": None, "zone": None, "first": None, "last": None, "constraint": None,
        "windows": [], "claimed": None, "sentence": None,
    }
    if finding is not None:
        entry.update(finding.to_json())
    claim = None if finding is None else finding.claim
    entry.update({
        "anchor": anchor_for(evidence_id),
        "question": (None if question is None else
                     {"first": question.first.isoformat(), "last": question.last.isoformat(),
                      "claimed_at": question.claimed_at}),
        "shadows": [shadow_json(s) for s in shadows],
        "no_finding": None if finding is not None else str(answer),
        "window_text": None if finding is None else finding.window_text(),
        # The windows as wall-clock spans when one day was asked about and it has few.
        "window_clocks": ([w.clock_text() for w in finding.windows]
                          if finding is not None and finding.first == finding.last
                          and len(finding.windows) <= 2 else []),
        "claim_text": None if finding is None or claim is None else finding.claim_text(),
        "verdict": (None if claim is None
                    else "consistent" if claim.consistent else "inconsistent"),
        "assumption": None if finding is None else _assumption(finding),
        "assumptions": ASSUMPTIONS,
        "chart": (None if finding is None else
                  {"day": chart_day(finding).isoformat(), "svg": finding_chart_svg(finding)}),
    })
    return entry



def sun_sketch(chrono: object) -> SunSketch | None:
    """What the map sketch draws of a frame's chronolocation entry: its shadows' directions
    and the sun's azimuth at the claimed time, else in the middle of the first window (the
    rule of the window's map, `desk.mapping.scene.sun_moment`). None without shadows."""
    if not isinstance(chrono, dict) or not chrono.get("shadows"):
        return None
    shadows = tuple((float(s["bearing"]), float(s["tolerance"])) for s in chrono["shadows"])
    claimed, windows, place = chrono.get("claimed"), chrono.get("windows"), chrono.get("place")
    if claimed:
        at = datetime.fromisoformat(str(claimed["at"]))
        return SunSketch(shadows, float(claimed["sun_azimuth"]), f"claimed {at:%H:%M}")
    if windows and place:
        start = datetime.fromisoformat(str(windows[0]["start"]))
        end = datetime.fromisoformat(str(windows[0]["end"]))
        middle = start + (end - start) / 2
        sun = sun_position(middle, Place(float(place["lat"]), float(place["lon"])))
        return SunSketch(shadows, sun.azimuth, f"{middle:%H:%M}, mid-window")
    return SunSketch(shadows)
