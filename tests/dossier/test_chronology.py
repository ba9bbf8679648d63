"""The dossier's chronolocation finding: a frame with a geolocation, shadows and a time
question gets its inputs, the window sentence, the verdict on the claimed time and the day
chart, in dossier.json and on the page; "Date checked" links to it; its custody is shown; a
frame that cannot be dated says why; hostile labels stay text."""

from __future__ import annotations

import base64
import json
import math
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime
from pathlib import Path
from urllib.parse import unquote

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Shadow
from desk.core.sun import Place, sun_position
from desk.dossier import export_dossier, verify_dossier
from tests.dossier.conftest import XSS, Built

DAY = date(2025, 11, 20)


def _eight_oclock_shadow() -> float:
    return sun_position(datetime.fromisoformat("2025-11-20T08:00:00+02:00"),
                        Place(49.7159, 37.5928)).shadow_bearing


def _date(built: Built, label: str = "lamp post", question: bool = True) -> None:
    with CaseFile.open(built.path) as case:
        frame = built.evidence_ids[0]
        commands.add_shadow(case, Shadow(0, frame, round(_eight_oclock_shadow(), 2), 4.0,
                                         label=label, object_height_m=1.5,
                                         shadow_length_m=10.0, size_tolerance=0.15,
                                         x1=0.2, y1=0.7, x2=0.7, y2=0.6)).apply(case)
        if question:
            commands.set_time_question(case, frame, DAY, DAY, "2025-11-20T15:00").apply(case)


def _export(built: Built, out: Path) -> tuple[dict, str]:
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, out, {"html", "json"})
    assert verify_dossier(out) == []
    return (json.loads((out / "dossier.json").read_text(encoding="utf-8")),
            (out / "dossier.html").read_text(encoding="utf-8"))


def test_a_dated_frame_has_its_finding_in_the_record_and_on_the_page(
        built: Built, tmp_path: Path) -> None:
    _date(built)
    record, html = _export(built, tmp_path / "d")
    frame, other = record["evidence"]
    chrono = frame["chronolocation"]
    assert other["chronolocation"] is None
    assert chrono["zone"] == "Europe/Kyiv" and chrono["first"] == chrono["last"] == "2025-11-20"
    assert chrono["assumption"] == "local time assumed Europe/Kyiv, UTC+2 in winter"
    (window,) = chrono["windows"]
    start, end = (datetime.fromisoformat(window[k]) for k in ("start", "end"))
    assert start <= datetime.fromisoformat("2025-11-20T08:00:00+02:00") <= end
    assert chrono["claimed"]["consistent"] is False and chrono["verdict"] == "inconsistent"
    assert chrono["question"] == {"first": "2025-11-20", "last": "2025-11-20",
                                  "claimed_at": "2025-11-20T15:00"}
    (shadow,) = chrono["shadows"]
    assert shadow["label"] == "lamp post" and shadow["tolerance"] == 4.0 and shadow["drawn"]
    assert shadow["sun_elevation_range"] is not None
    assert chrono["sentence"].startswith("shadows point ")
    assert "the claimed 15:00 is inconsistent" in chrono["sentence"]
    assert ET.fromstring(chrono["chart"]["svg"]).tag == "{http://www.w3.org/2000/svg}svg"

    section = html[html.index('id="chronolocation-1"'):]
    section = section[:section.index("</article>")]
    assert "INCONSISTENT" in section and window["start"][11:16] in section
    assert "The " + chrono["sentence"].replace("'", "&#39;") in section
    assert "local time assumed Europe/Kyiv, UTC+2 in winter" in section
    assert "lamp post" in section and "1.5 m" in section and "10.0 m" in section
    src = section[section.index('src="data:image/svg+xml;charset=utf-8,') + 5:]
    svg = unquote(src[src.index(",") + 1:src.index('"')])
    assert svg == chrono["chart"]["svg"]
    # The checklist's "Date checked" points to the finding.
    row = html[html.index("Date checked"):]
    assert row[:row.index("</li>")].count('href="#chronolocation-1"') == 1


def test_the_finding_and_its_custody_are_part_of_the_claims_dossier(
        built: Built, tmp_path: Path) -> None:
    _date(built)
    record, _ = _export(built, tmp_path / "d")
    shown = {e["action"] for e in record["custody_log"]["entries"] if "withheld" not in e}
    assert {"add shadow", "set time question"} <= shown
    again, _ = _export(built, tmp_path / "e")
    assert again["evidence"] == record["evidence"]  # the same case gives the same finding


def test_a_frame_that_cannot_be_dated_says_why_and_links_nothing(
        built: Built, tmp_path: Path) -> None:
    _date(built, question=False)
    record, html = _export(built, tmp_path / "d")
    chrono = record["evidence"][0]["chronolocation"]
    assert chrono["sentence"] is None and chrono["chart"] is None
    assert chrono["no_finding"].startswith("No days to test")
    assert "No time of filming was computed for this frame. No days to test" in html
    assert 'href="#chronolocation-' not in html


def test_hostile_shadow_labels_stay_text(hostile: Built, tmp_path: Path) -> None:
    _date(hostile, label="post" + XSS)
    record, html = _export(hostile, tmp_path / "d")
    assert record["evidence"][0]["chronolocation"]["shadows"][0]["label"] == "post" + " ".join(
        XSS.split())
    section = html[html.index('id="chronolocation-1"'):]
    section = section[:section.index("</article>")]
    assert "<script" not in section and "&lt;script&gt;" in section
    assert "onerror=" not in section.replace("onerror=&#34;", "")


def _sketch_lines(html: str) -> dict[str, float]:
    """The bearing of each sun line drawn on the first map sketch, by its class."""
    data = re.findall(r'src="data:image/svg\+xml;base64,([^"]+)"', html)[0]
    root = ET.fromstring(base64.b64decode(data))
    bearings: dict[str, float] = {}
    for line in root.iter("{http://www.w3.org/2000/svg}line"):
        kind = line.get("class")
        if kind in ("sun-ray", "shadow-line"):
            x1, y1, x2, y2 = (float(str(line.get(k))) for k in ("x1", "y1", "x2", "y2"))
            bearings[kind] = math.degrees(math.atan2(x2 - x1, y1 - y2)) % 360
    return bearings


def test_the_map_sketch_draws_the_shadow_and_the_sun_at_the_claimed_time(
        built: Built, tmp_path: Path) -> None:
    _date(built)
    with CaseFile.open(built.path) as case:
        export_dossier(case, 1, tmp_path / "d", {"html", "json"}, map_image=None)
    html = (tmp_path / "d" / "dossier.html").read_text(encoding="utf-8")
    record = json.loads((tmp_path / "d" / "dossier.json").read_text(encoding="utf-8"))
    chrono = record["evidence"][0]["chronolocation"]
    lines = _sketch_lines(html)
    assert abs(lines["shadow-line"] - chrono["shadows"][0]["bearing"]) < 0.5
    assert abs(lines["sun-ray"] - chrono["claimed"]["sun_azimuth"]) < 0.5
    assert "the amber ray ending in a disc is the sun's azimuth at the claimed time" in html
