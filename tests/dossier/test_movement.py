"""Toward, away or across: the relation a reader sees as a number (the core's one finding)."""

from __future__ import annotations

import pytest

from desk.core.model import Landmark, Movement
from desk.core.movement import assess, relation_for_angle
from desk.dossier.geometry import inverse

CENTRE = Landmark(2, "Centre", 49.7097, 37.6156, is_reference=True)


def _move(**kw: object) -> Movement:
    base = dict(id=1, evidence_id=1, start_lat=49.71585, start_lon=37.5924, end_lat=49.7156,
                end_lon=37.5899, bearing=260.0, reference_id=2)
    base.update(kw)
    return Movement(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(("angle", "relation"), [
    (0, "toward"), (45, "toward"), (45.1, "across"), (90, "across"), (134.9, "across"),
    (135, "away"), (180, "away"),
])
def test_thresholds(angle: float, relation: str) -> None:
    assert relation_for_angle(angle) == relation


def test_walking_west_out_of_town_is_away_with_growing_distance() -> None:
    finding = assess(_move(), CENTRE)
    assert finding is not None
    assert finding.relation == "away"
    assert 140 < finding.angle < 155
    assert 105 < finding.bearing_to_reference < 120
    assert finding.end_distance_m > finding.start_distance_m  # type: ignore[operator]
    assert finding.start_distance_m == pytest.approx(
        inverse(49.71585, 37.5924, CENTRE.lat, CENTRE.lon)[0])
    data = finding.to_json()
    assert data["relation"] == "away"
    # The dossier's older key names stay beside the core's (keys are only ever added).
    assert data["distance_start_m"] == data["start_distance_m"] == round(finding.start_distance_m)


def test_reversed_track_without_recorded_bearing_is_toward() -> None:
    finding = assess(_move(start_lat=49.7156, start_lon=37.5899, end_lat=49.71585,
                                     end_lon=37.5924, bearing=None), CENTRE)
    assert finding is not None
    assert finding.bearing_source == "track"
    assert finding.relation == "toward"


def test_no_reference_or_no_track_gives_no_finding() -> None:
    assert assess(_move(end_lat=None, bearing=None), CENTRE) is None
    assert assess(_move(start_lat=123.0), CENTRE) is None  # off the globe
