"""A frame's chronolocation from what the case holds: its geolocation (where the sun is seen
from), its shadows (what the sun did) and its time question (which days to solve, which
claimed time to test). Every view asks here, so the window, the command line and the dossier
give the same answer, or the same reason for having none.

The shadows are used as stored: a shadow drawn on the frame has the bearing and tolerance
the shadow tool wrote after projecting it (`desk.core.shadow_projection`), a typed one the
reviewer's numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

from desk.core.casefile import CaseFile
from desk.core.chronolocation import (
    MAX_DAYS,
    Chronolocation,
    ShadowsDisagree,
    chronolocate,
    combine,
    place_of,
)
from desk.core.model import Geolocation, Shadow, TimeQuestion
from desk.core.timezones import Instant, LocalZone, ZoneUnknown, parse_instant, zone_at


def _inputs(geolocation: Geolocation | None, shadows: Sequence[Shadow],
            question: TimeQuestion | None) -> tuple[LocalZone, Instant | None] | str:
    """The zone and the claimed instant when everything needed is there, else the reason;
    cheap (no windows are solved)."""
    if geolocation is None:
        return ("No geolocation: the sun's place depends on where the frame was filmed;"
                " geolocate the frame first.")
    if not shadows:
        return "No shadows: draw or type a shadow on the frame to date it by the sun."
    if question is None:
        return ("No days to test: give the date (or range of dates) and any claimed time to"
                " test the shadows against.")
    try:
        place = place_of(geolocation)
        zone = zone_at(place.lat, place.lon)
    except (ZoneUnknown, ValueError) as exc:
        return f"No time zone for the frame's geolocation: {exc}"
    claimed = None
    if question.claimed_at:
        try:
            claimed = parse_instant(question.claimed_at, zone)
        except ValueError as exc:
            return f"The claimed time cannot be read: {exc}"
    try:
        combine(shadows)
    except ShadowsDisagree as exc:
        return str(exc)
    days = (question.last - question.first).days + 1
    if not 1 <= days <= MAX_DAYS:
        return f"The days to test run forward and cover at most {MAX_DAYS} days (got {days})."
    return zone, claimed


def frame_chronolocation(geolocation: Geolocation | None, shadows: Sequence[Shadow],
                         question: TimeQuestion | None, delta_t: float | None = None
                         ) -> Chronolocation | str:
    """The finding, or the reason there is none (in the words every view uses)."""
    inputs = _inputs(geolocation, shadows, question)
    if isinstance(inputs, str):
        return inputs
    assert geolocation is not None and question is not None
    zone, claimed = inputs
    try:
        return chronolocate(geolocation, shadows, question.first, question.last, claimed,
                            delta_t, zone)
    except ValueError as exc:
        return f"The frame cannot be dated: {exc}"


def answer_for(case: CaseFile, evidence_id: int, delta_t: float | None = None
               ) -> Chronolocation | str:
    """`frame_chronolocation` for a frame of the case."""
    return frame_chronolocation(case.geolocation(evidence_id), case.shadows(evidence_id),
                                case.time_question(evidence_id), delta_t)


def chronolocation_for(case: CaseFile, evidence_id: int, delta_t: float | None = None
                       ) -> Chronolocation | None:
    """The frame's finding, or None when something is missing (`why_no_chronolocation`)."""
    answer = answer_for(case, evidence_id, delta_t)
    return answer if isinstance(answer, Chronolocation) else None


def why_no_chronolocation(case: CaseFile, evidence_id: int) -> str:
    """Why the frame has no finding ('' when it has one), without solving its windows."""
    inputs = _inputs(case.geolocation(evidence_id), case.shadows(evidence_id),
                     case.time_question(evidence_id))
    return inputs if isinstance(inputs, str) else ""
