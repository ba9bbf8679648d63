"""A dossier exported with a tile pack: its map picture shows the pack's imagery (pixels
checked) and its caption credits the pack as the pack states it."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest

pytest.importorskip("PySide6.QtWebEngineCore")

from PIL import Image

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.dossier import export_dossier
from desk.mapping.tilepacks import reference_for
from tests.dossier.conftest import build_case
from tests.mapping.packs import write_mbtiles

pytestmark = pytest.mark.slow

SURVEY = (37, 160, 90)  # the pack's one colour: a green no other part of the map uses


def _around(lat: float, lon: float, zooms: range, radius: int = 4) -> list[tuple[int, int, int]]:
    tiles = []
    for z in zooms:
        n = 1 << z
        cx = int((lon + 180.0) / 360.0 * n)
        cy = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
        tiles += [(z, x, y) for x in range(cx - radius, cx + radius + 1)
                  for y in range(cy - radius, cy + radius + 1)]
    return tiles


def test_the_dossier_map_shows_the_packs_imagery_and_credits_it(tmp_path: Path) -> None:
    from desk.ui.map.map_snapshot import MapSnapshotter

    built = build_case(tmp_path / "case.deskcase")
    solid = io.BytesIO()
    Image.new("RGB", (256, 256), SURVEY).save(solid, "PNG")
    pack = write_mbtiles(tmp_path / "survey.mbtiles", _around(49.7159, 37.5928, range(12, 18)),
                         metadata={"name": "Kupiansk drone survey",
                                   "attribution": "<a href='https://x.test'>© Survey team</a>"},
                         data=lambda z, x, y: solid.getvalue())
    with CaseFile.open(built.path) as case:
        commands.add_tile_pack(case, reference_for(pack)).apply(case)
    with CaseFile.open(built.path) as case, MapSnapshotter(case) as snapshots:
        geolocated = case.geolocations()[0].evidence_id
        picture = snapshots.png(geolocated)
        assert picture is not None
        with Image.open(io.BytesIO(picture)) as image:
            rgb = image.convert("RGB")
            colours = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
        share = sum(n for n, c in colours if c == SURVEY) / (rgb.width * rgb.height)
        assert share > 0.4, share  # the pack under the drawing, not the offline grid
        result = export_dossier(case, built.claim_id, tmp_path / "out", ("html", "json"),
                                map_image=snapshots.png)
    html = (result.out_dir / "dossier.html").read_text(encoding="utf-8")
    assert "Imagery: Kupiansk drone survey (© Survey team)." in html
    assert "x.test" not in html  # the pack's markup is not carried into the dossier


def test_desk_export_on_the_command_line_draws_the_case_pack(tmp_path: Path) -> None:
    """`desk export` (rendered maps, the default) uses the packs the case names and this
    machine has, as the window's export does."""
    import base64
    import re

    from desk.cli import main

    built = build_case(tmp_path / "case.deskcase")
    solid = io.BytesIO()
    Image.new("RGB", (256, 256), SURVEY).save(solid, "PNG")
    pack = write_mbtiles(tmp_path / "survey.mbtiles", _around(49.7159, 37.5928, range(12, 18)),
                         metadata={"name": "Kupiansk drone survey", "attribution": "Survey team"},
                         data=lambda z, x, y: solid.getvalue())
    assert main(["tiles", "add", str(built.path), str(pack)]) == 0
    out = tmp_path / "out"
    assert main(["export", str(built.path), "--claim", str(built.claim_id), "--out", str(out),
                 "--format", "html", "--no-originals"]) == 0
    html = (out / "dossier.html").read_text(encoding="utf-8")
    assert "Imagery: Kupiansk drone survey (Survey team)." in html
    shares = []
    for data in re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]+)", html):
        with Image.open(io.BytesIO(base64.b64decode(data))) as image:
            rgb = image.convert("RGB")
            colours = rgb.getcolors(maxcolors=rgb.width * rgb.height) or []
        shares.append(sum(n for n, c in colours if c == SURVEY) / (rgb.width * rgb.height))
    assert shares and max(shares) > 0.4, shares  # a map picture drawn on the pack
