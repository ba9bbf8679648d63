"""The offline map sketch: valid SVG, names escaped, same bytes every time."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from desk.core.model import Confidence, Geolocation, Landmark, Movement
from desk.dossier.mapsketch import sketch_svg

GEO = Geolocation(1, 49.7159, 37.5928, precision_m=40, heading=262, fov=62,
                  confidence=Confidence.MODERATE)
NAME = '</text><script>alert(1)</script><text x="0">&amp;'


def _sketch() -> tuple[str, float]:
    landmarks = [Landmark(1, NAME, 49.7165, 37.5882),
                 Landmark(2, "Centre", 49.7097, 37.6156, is_reference=True)]
    move = Movement(1, 1, start_lat=49.71585, start_lon=37.5924, end_lat=49.7156,
                    end_lon=37.5899, bearing=260.0, reference_id=2)
    return sketch_svg(GEO, landmarks, [move], exif_gps=(49.7160, 37.5930))


def test_sketch_is_well_formed_and_keeps_names_as_text() -> None:
    svg, step = _sketch()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert not [e for e in root.iter() if e.tag.endswith("script")]
    texts = ["".join(t.itertext()) for t in root.iter() if t.tag.endswith("text")]
    assert NAME[:40] in texts
    assert any(t.startswith("Centre (reference)") for t in texts)  # far: an edge arrow
    assert any("km at" in t for t in texts)
    assert "href" not in svg and "url(" not in svg
    assert step in (50, 100, 200, 500)


def test_sketch_is_deterministic() -> None:
    assert _sketch() == _sketch()


def test_a_lone_camera_without_heading_still_draws() -> None:
    svg, _ = sketch_svg(Geolocation(1, 10.0, 20.0), [], [])
    ET.fromstring(svg)
