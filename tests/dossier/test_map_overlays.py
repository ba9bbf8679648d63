"""A dossier of a case with a reference overlay: the frame's map picture shows the overlay's
pixels where its placement puts them, drawn by the window's page code, and its caption names
the overlay beside the imagery credit; an overlay far from the frame is not named."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWebEngineCore")

import numpy as np
from PIL import Image

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Metadata, Provenance
from desk.dossier import export_dossier
from tests.dossier.conftest import add_still, build_case

pytestmark = pytest.mark.slow

OLD_STILL = (200, 40, 170)  # a magenta the map draws nowhere else
CAMERA = (49.7159, 37.5928)  # build_case's geolocated frame


def _png(colour: tuple[int, int, int], size: tuple[int, int] = (300, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def _pairs_round(lat: float, lon: float, half_m: float) -> list[list[float]]:
    """A 300 × 200 still placed north up, centred on (lat, lon), `half_m` metres each side."""
    from desk.core import geo

    west = geo.destination((lat, lon), 270.0, half_m)[1]
    east = geo.destination((lat, lon), 90.0, half_m)[1]
    north = geo.destination((lat, lon), 0.0, half_m * 2 / 3)[0]
    south = geo.destination((lat, lon), 180.0, half_m * 2 / 3)[0]
    return [[0, 0, north, west], [300, 0, north, east], [0, 200, south, west]]


def test_the_dossier_map_draws_the_overlay_and_names_it(tmp_path: Path) -> None:
    from desk.ui.map.map_snapshot import MapSnapshotter

    built = build_case(tmp_path / "case.deskcase")
    with CaseFile.open(built.path) as case:
        old = add_still(case, _png(OLD_STILL), Metadata(),
                        Provenance(original_name="survey_2019.png"))
        commands.place_overlay(case, old, _pairs_round(*CAMERA, 150.0), 0.9,
                               "2019 survey still").apply(case)
        far = add_still(case, _png((10, 10, 10)), Metadata(),
                        Provenance(original_name="elsewhere.png"))
        commands.place_overlay(case, far, _pairs_round(49.80, 37.70, 50.0), 0.9,
                               "somewhere else").apply(case)
    with CaseFile.open(built.path) as case, MapSnapshotter(case) as snapshots:
        geolocated = case.geolocations()[0].evidence_id
        picture = snapshots.png(geolocated)
        assert picture is not None
        with Image.open(io.BytesIO(picture)) as image:
            rgb = np.asarray(image.convert("RGB")).astype(int)
        # At 0.9 opacity over the light grey map the magenta stays close to itself.
        mask = np.all(np.abs(rgb - np.array(OLD_STILL)) <= 30, axis=2)
        share = mask.mean()
        assert share > 0.02, share
        ys, xs = np.nonzero(mask)
        height, width = mask.shape
        # All of it in the picture, north up, 300 m by 200 m: as wide again as it is high.
        assert 0 < xs.min() < xs.max() < width - 1 and 0 < ys.min() < ys.max() < height - 1
        aspect = (xs.max() - xs.min() + 1) / (ys.max() - ys.min() + 1)
        assert aspect == pytest.approx(1.5, rel=0.1), aspect
        result = export_dossier(case, built.claim_id, tmp_path / "out", ("html", "json"),
                                map_image=snapshots.png)
    html = (result.out_dir / "dossier.html").read_text(encoding="utf-8")
    assert "Reference overlay: 2019 survey still (placed by 3 point pairs)." in html
    assert "somewhere else" not in html
    data = json.loads((result.out_dir / "dossier.json").read_text(encoding="utf-8"))
    maps = [e["map"] for e in data["evidence"] if e.get("map")]
    assert any(m.get("imagery") == "Reference overlay: 2019 survey still (placed by 3 point"
               " pairs)" for m in maps), maps
