"""KML and GeoJSON out of a case, landmarks back in: round trips, the formats' own rules
(the OGC KML 2.2 schema, a KML reader, RFC 7946), and files made to hurt."""

from __future__ import annotations

import io
import json
import math
import os
import zipfile
from itertools import pairwise
from pathlib import Path

import fastkml  # test extra: reads KML, and ships the OGC KML 2.2 schema
import pytest
from lxml import etree as lxml_etree  # test extra: validates against that schema

from desk.core import commands, geo_export, geo_import
from desk.core.casefile import CaseFile
from desk.core.geo_export import ExportExists, export_map, kml_colour
from desk.core.geo_import import GeoImportError, plan_import
from desk.core.model import Geolocation, Landmark, Movement
from tests.dossier.conftest import XSS, Built, build_case

KML_NS = "{http://www.opengis.net/kml/2.2}"


@pytest.fixture
def rich(tmp_path: Path) -> Built:
    """The dossier test case (two landmarks, one the reference point; a geolocated still with
    an arrow and its track) plus a second, red, labelled arrow and a camera without a heading."""
    built = build_case(tmp_path / "rich.deskcase", hostile=True)
    with CaseFile.open(built.path) as case:
        commands.add_movement(case, Movement(
            0, built.evidence_ids[0], label="", color="#ff0000", x1=0.1, y1=0.1, x2=0.2,
            y2=0.2, start_lat=49.7150, start_lon=37.5930, end_lat=49.7140,
            end_lon=37.5960)).apply(case)
        commands.set_geolocation(Geolocation(built.evidence_ids[1], 49.70001, 37.60002,
                                             precision_m=12.5)).apply(case)
        commands.add_landmark(case, Landmark(0, "Bridge & <road>", 49.7031234, 37.6012345,
                                             notes="line one\nline two")).apply(case)
    return built


def _fresh(tmp_path: Path, name: str) -> CaseFile:
    return CaseFile.create(tmp_path / f"{name}.deskcase", "Fresh")


def _export(built: Built, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"map.{fmt}"
    with CaseFile.open(built.path, read_only=True) as case:
        export_map(case, fmt, out)
    return out


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("fmt", ["kml", "geojson"])
def test_landmarks_come_back_the_same_in_a_fresh_case(rich: Built, tmp_path: Path,
                                                       fmt: str) -> None:
    out = _export(rich, tmp_path, fmt)
    with CaseFile.open(rich.path, read_only=True) as case:
        before = case.landmarks()
    with _fresh(tmp_path, fmt) as fresh:
        plan = plan_import(fresh, out)
        assert plan.command is not None
        plan.command.apply(fresh)
        after = fresh.landmarks()
        assert [(lm.name, lm.kind, lm.notes, lm.is_reference) for lm in after] == [
            (lm.name, lm.kind, lm.notes, lm.is_reference) for lm in before]
        for old, new in zip(before, after, strict=True):
            assert abs(old.lat - new.lat) < 1e-7 and abs(old.lon - new.lon) < 1e-7
        # The cameras, cones and tracks are desk's own and are not landmarks.
        assert plan.skipped == {"desk_cameras": 2, "desk_view_cones": 1, "desk_tracks": 2}
        assert plan.complete
        assert "3 landmarks imported" in plan.summary()
        # One custody entry names the file and its hash, then one per landmark added.
        entries = fresh.audit_entries()
        names = [e.action for e in entries]
        assert names.count("import landmarks") == 1 and names.count("add landmark") == 3
        record = json.loads(next(e for e in entries if e.action == "import landmarks").detail)
        assert record["file"] == out.name and len(record["sha256"]) == 64


def test_an_import_undoes_as_one_step_and_a_second_import_finds_only_duplicates(
        rich: Built, tmp_path: Path) -> None:
    out = _export(rich, tmp_path, "geojson")
    with _fresh(tmp_path, "undo") as fresh:
        commands.add_landmark(fresh, Landmark(0, "Own place", 1.0, 2.0)).apply(fresh)
        plan = plan_import(fresh, out)
        assert plan.command is not None
        inverse = plan.command.apply(fresh)
        assert len(fresh.landmarks()) == 4
        again = plan_import(fresh, out)
        assert again.command is None and again.skipped["duplicates"] == 3
        assert "3 duplicates skipped" in again.summary()
        inverse.apply(fresh)
        assert [lm.name for lm in fresh.landmarks()] == ["Own place"]


def test_a_file_reference_point_does_not_take_the_cases_role(rich: Built,
                                                              tmp_path: Path) -> None:
    out = _export(rich, tmp_path, "kml")
    with _fresh(tmp_path, "ref") as fresh:
        commands.add_landmark(fresh, Landmark(0, "Our centre", 1.0, 2.0,
                                              is_reference=True)).apply(fresh)
        plan = plan_import(fresh, out)
        assert plan.command is not None
        plan.command.apply(fresh)
        references = [lm.name for lm in fresh.landmarks() if lm.is_reference]
        assert references == ["Our centre"]
        assert "came in as a plain landmark" in plan.summary()


def test_a_landmark_added_after_reading_refuses_the_stale_import(rich: Built,
                                                                 tmp_path: Path) -> None:
    out = _export(rich, tmp_path, "kml")
    with _fresh(tmp_path, "stale") as fresh:
        plan = plan_import(fresh, out)
        commands.add_landmark(fresh, Landmark(0, "Meanwhile", 3.0, 4.0)).apply(fresh)
        assert plan.command is not None
        with pytest.raises(commands.CommandError, match="Import the file again"):
            plan.command.apply(fresh)
        assert [lm.name for lm in fresh.landmarks()] == ["Meanwhile"]


# --------------------------------------------------------------------------- KML


def test_exported_kml_is_valid_against_the_ogc_kml_22_schema(rich: Built,
                                                             tmp_path: Path) -> None:
    # fastkml ships the OGC schema files (ogckml22.xsd with atom, xAL and gx): nothing is
    # fetched at test time.
    schema_file = Path(fastkml.__file__).parent / "schema" / "ogckml22.xsd"
    schema = lxml_etree.XMLSchema(lxml_etree.parse(str(schema_file)))
    document = lxml_etree.parse(str(_export(rich, tmp_path, "kml")))
    assert schema.validate(document), schema.error_log


def test_a_kml_reader_finds_the_folders_placemarks_and_arrow_colours(rich: Built,
                                                                     tmp_path: Path) -> None:
    from fastkml import kml

    text = _export(rich, tmp_path, "kml").read_text(encoding="utf-8")
    parsed = kml.KML.from_string(text.encode("utf-8"))
    (document,) = parsed.features
    folders = {f.name: f for f in document.features}
    assert list(folders) == ["Camera positions", "View cones", "Landmarks", "Movement tracks"]
    placemarks = {f.name: f for folder in folders.values() for f in folder.features}
    assert len(folders["Camera positions"].features) == 2
    assert len(folders["Landmarks"].features) == 3
    # Names arrive as the text they were, markup and all, never as markup.
    assert f"Mast{XSS}" in placemarks
    assert f"Centre{XSS} (reference point)" in placemarks
    mast = placemarks[f"Mast{XSS}"].geometry
    assert (mast.x, mast.y) == (37.5882, 49.7165)  # lon, lat
    camera = placemarks[f"Camera of frame_0{XSS}.jpg"].geometry
    assert (camera.x, camera.y, camera.z) == (37.5928, 49.7159, 1.7)
    cone = folders["View cones"].features[0].geometry
    assert cone.exterior.coords[0][:2] == (37.5928, 49.7159)
    # The arrows: label and colour as desk.core.arrow_style gives them, KML's aabbggrr.
    styles = {s.id: s for s in document.styles}
    tracks = {p.name: p for p in folders["Movement tracks"].features}
    assert set(tracks) == {f"group{XSS}", "Arrow 2"}
    assert tracks["Arrow 2"].style_url.url == "#arrow-ff0000"
    assert styles["arrow-ff0000"].styles[0].color == "ff0000ff"
    assert styles["arrow-e4572e"].styles[0].color == kml_colour("#e4572e") == "ff2e57e4"


def test_kml_descriptions_are_escaped_for_the_html_google_earth_renders(
        rich: Built, tmp_path: Path) -> None:
    root = lxml_etree.parse(str(_export(rich, tmp_path, "kml"))).getroot()
    descriptions = [d.text or "" for d in root.iter(f"{KML_NS}description")]
    assert descriptions and not any("<script" in d or "<img" in d for d in descriptions)
    assert any("&lt;script&gt;" in d for d in descriptions)
    # The balloon shows only the escaped description, never the ExtendedData values raw.
    balloons = {b.text for b in root.iter(f"{KML_NS}text")}
    assert balloons == {"$[description]"}


def test_text_xml_cannot_hold_is_replaced_not_written(tmp_path: Path) -> None:
    with CaseFile.create(tmp_path / "ctl.deskcase", "Bell\x07 and \x1b[31m") as case:
        commands.add_landmark(case, Landmark(0, "Null\x00byte\x0bplace", 10.0, 20.0)).apply(
            case)
        content, _ = geo_export.render(case, "kml")
    root = lxml_etree.fromstring(content)  # well-formed, or this raises
    names = [n.text for n in root.iter(f"{KML_NS}name")]
    assert "Null\ufffdbyte\ufffdplace" in names


def test_the_view_cone_reaches_as_far_as_the_maps(rich: Built) -> None:
    from desk.mapping.scene import cone_range

    with CaseFile.open(rich.path, read_only=True) as case:
        landmarks = case.landmarks()
        for location in case.geolocations():
            assert geo_export.cone_length_m(location, landmarks) == cone_range(location,
                                                                                landmarks)


# --------------------------------------------------------------------------- GeoJSON


def test_exported_geojson_follows_rfc_7946(rich: Built, tmp_path: Path) -> None:
    data = json.loads(_export(rich, tmp_path, "geojson").read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and "crs" not in data
    kinds = [f["properties"]["kind"] for f in data["features"]]
    assert kinds == ["camera"] * 2 + ["view_cone"] + ["landmark"] * 3 + ["track"] * 2
    for feature in data["features"]:
        assert feature["type"] == "Feature"
        assert set(feature["properties"]) == set(geo_export.PROPERTY_KEYS)
        geometry = feature["geometry"]
        assert geometry["type"] in {"Point", "LineString", "Polygon"}
        positions = {"Point": lambda c: [c], "LineString": lambda c: c,
                     "Polygon": lambda c: [p for ring in c for p in ring]}[geometry["type"]](
                         geometry["coordinates"])
        for lon, lat, *rest in positions:
            assert -180 <= lon <= 180 and -90 <= lat <= 90 and not rest
        if geometry["type"] == "Polygon":
            ring = geometry["coordinates"][0]
            assert ring[0] == ring[-1] and len(ring) >= 4
            # RFC 7946 §3.1.6: exterior rings counterclockwise (positive shoelace area).
            area = sum(a[0] * b[1] - b[0] * a[1] for a, b in pairwise(ring))
            assert area > 0
        if geometry["type"] == "LineString":
            assert len(geometry["coordinates"]) >= 2
    by_id = {f["id"]: f for f in data["features"]}
    mast = by_id["landmark-1"]
    assert mast["geometry"]["coordinates"] == [37.5882, 49.7165]  # longitude first
    assert mast["properties"]["landmark_kind"] == "tower"
    camera = by_id["camera-1"]["properties"]
    assert (camera["precision_m"], camera["heading"], camera["fov"], camera["confidence"]) == (
        40.0, 262.0, 62.0, "moderate")
    assert by_id["camera-2"]["properties"]["heading"] is None
    assert "view_cone-2" not in by_id  # no heading, no cone
    track = by_id["track-1"]
    assert track["properties"]["colour"] == "#e4572e"
    start, end = track["geometry"]["coordinates"][0], track["geometry"]["coordinates"][-1]
    assert start == [37.5924, 49.71585] and end == [37.5899, 49.7156]
    assert track["properties"]["finding"].startswith("Moving at 261° (W)")
    assert by_id["track-2"]["properties"]["label"] == "Arrow 2"
    assert by_id["landmark-2"]["properties"]["reference"] is True


def test_the_same_case_exports_the_same_bytes(rich: Built, tmp_path: Path) -> None:
    with CaseFile.open(rich.path, read_only=True) as case:
        for fmt in geo_export.FORMATS:
            assert geo_export.render(case, fmt)[0] == geo_export.render(case, fmt)[0]


# --------------------------------------------------------------------------- writing


def test_an_existing_file_is_never_overwritten_without_replace(rich: Built,
                                                                tmp_path: Path) -> None:
    out = tmp_path / "keep.kml"
    out.write_text("mine")
    with CaseFile.open(rich.path, read_only=True) as case:
        with pytest.raises(ExportExists):
            export_map(case, "kml", out)
        assert out.read_text() == "mine"
        result = export_map(case, "kml", out, replace=True)
    assert result.replaced and out.read_text(encoding="utf-8").startswith("<?xml")
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


# --------------------------------------------------------------------------- hostile files


def _import(tmp_path: Path, name: str, content: bytes) -> geo_import.ImportPlan:
    path = tmp_path / name
    path.write_bytes(content)
    with _fresh(tmp_path, f"into-{name.replace('.', '-')}") as case:
        plan = plan_import(case, path)
        if plan.command is not None:
            plan.command.apply(case)
        assert len(case.landmarks()) == plan.imported
        return plan


def _refused(tmp_path: Path, name: str, content: bytes) -> str:
    with pytest.raises(GeoImportError) as caught:
        _import(tmp_path, name, content)
    message = str(caught.value)
    assert "Traceback" not in message and "\n" not in message
    return message


def _kml(body: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<kml xmlns="http://www.opengis.net/kml/2.2">'
            f"<Document>{body}</Document></kml>").encode()


def _point(name: str, coords: str) -> str:
    return f"<Placemark><name>{name}</name><Point><coordinates>{coords}</coordinates></Point>" \
           "</Placemark>"


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&lol9;</name>
<Point><coordinates>1,2</coordinates></Point></Placemark></kml>"""


def test_a_billion_laughs_is_refused_before_any_entity_is_read(tmp_path: Path) -> None:
    assert "DOCTYPE" in _refused(tmp_path, "laughs.kml", BILLION_LAUGHS)


def test_an_external_entity_is_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    content = (f'<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY xxe SYSTEM "file://{secret}">]>'
               '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&xxe;</name>'
               "<Point><coordinates>1,2</coordinates></Point></Placemark></kml>").encode()
    message = _refused(tmp_path, "xxe.kml", content)
    assert "TOP SECRET" not in message and "DOCTYPE" in message
    # Without a DOCTYPE an entity reference is simply undefined: refused, nothing read.
    bare = _kml("<Placemark><name>&xxe;</name><Point><coordinates>1,2</coordinates></Point>"
                "</Placemark>")
    assert "entity that is not defined" in _refused(tmp_path, "bare.kml", bare)


def test_points_off_the_globe_or_not_numbers_are_skipped_and_named(tmp_path: Path) -> None:
    body = "".join([
        _point("Good", "37.5,49.5,120"), _point("North of north", "10,91"),
        _point("Far east", "181,10"), _point("Not a number", "east,north"),
        _point("Infinite", "inf,10"), _point("Two points", "1,2 3,4"), _point("NaN", "nan,nan"),
    ])
    plan = _import(tmp_path, "range.kml", _kml(body))
    assert plan.imported == 1 and plan.landmarks[0].name == "Good"
    assert (plan.landmarks[0].lat, plan.landmarks[0].lon) == (49.5, 37.5)
    assert plan.skipped == {"bad_position": 6}
    assert not plan.complete
    assert "6 points with unusable coordinates skipped" in plan.summary()
    assert any(d.startswith("North of north:") for d in plan.details)


def test_lines_areas_and_links_are_skipped_and_counted(tmp_path: Path) -> None:
    line = ("<Placemark><name>Road</name><LineString><coordinates>1,2 3,4</coordinates>"
            "</LineString></Placemark>")
    area = ("<Placemark><name>Field</name><Polygon><outerBoundaryIs><LinearRing><coordinates>"
            "1,2 3,4 5,6 1,2</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>")
    link = ("<NetworkLink><Link><href>http://127.0.0.1:9/steal.kml</href></Link>"
            "</NetworkLink>")
    body = "<Folder>" + _point("Mast", "1,2") + line * 3 + area + link + "</Folder>"
    plan = _import(tmp_path, "mixed.kml", _kml(body))
    assert plan.imported == 1
    assert plan.skipped == {"lines": 3, "areas": 1, "links": 1}
    assert plan.summary() == (
        "1 landmark imported, 3 lines and 1 area skipped (only points become landmarks),"
        " 1 network link not followed (desk fetches nothing a file points to) from mixed.kml.")


def test_fifty_thousand_placemarks_are_refused_whole(tmp_path: Path) -> None:
    body = _point("P", "1,2") * 50_000
    message = _refused(tmp_path, "huge.kml", _kml(body))
    assert "more than 10,000 placemarks" in message and "Nothing was imported" in message
    features = [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]},
                 "properties": {}}] * 50_000
    collection = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    assert "more than 10,000 features" in _refused(tmp_path, "huge.geojson", collection)


def test_a_file_over_50_mb_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "big.kml"
    with path.open("wb") as out:
        out.truncate(geo_import.MAX_FILE_BYTES + 1)
    with _fresh(tmp_path, "big") as case, pytest.raises(GeoImportError, match="larger than 50"):
        plan_import(case, path)


def test_bytes_that_are_not_utf8(tmp_path: Path) -> None:
    latin = _kml(_point("Caf\xe9", "1,2")).replace("Caf\xe9".encode(), b"Caf\xe9")
    message = _refused(tmp_path, "latin.kml", latin)
    assert "line 2" in message and "UTF-8" in message
    # Declared honestly, another encoding reads fine.
    declared = latin.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    assert _import(tmp_path, "declared.kml", declared).landmarks[0].name == "Café"
    geojson = b'{"type": "Feature", "geometry": {"type": "Point", "coordinates": [1, 2]},' \
              b' "properties": {"name": "Caf\xe9"}}'
    assert "not UTF-8" in _refused(tmp_path, "latin.geojson", geojson)
    assert "neither KML" in _refused(tmp_path, "noise.bin", b"\x00\x9f\x92\x96 random")


def test_geojson_with_a_string_where_a_number_belongs(tmp_path: Path) -> None:
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": ["37.5", 49.5]},
         "properties": {"name": "Quoted"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [True, 49.5]},
         "properties": {"name": "Boolean"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [1e999, 49.5]},
         "properties": {"name": "Huge"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": "37.5,49.5"},
         "properties": {"name": "Text"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [37.5, 49.5]},
         "properties": {"name": ["not", "text"], "kind": ["unhashable"]}},
        {"type": "Feature", "geometry": "Point", "properties": None},
        {"type": "Feature", "geometry": None, "properties": {"name": "Nowhere"}},
        "not a feature",
    ]
    # 1e999 as a file would write it (a number too large for a float, not JSON's NaN).
    content = json.dumps({"type": "FeatureCollection", "features": features}).replace(
        "Infinity", "1e999").encode()
    plan = _import(tmp_path, "types.geojson", content)
    assert [lm.name for lm in plan.landmarks] == ["Unnamed point 1"]
    assert plan.skipped == {"no_position": 1, "bad_position": 4, "unknown": 2}
    assert "NaN" not in plan.summary()
    assert "not valid JSON" in _refused(tmp_path, "nan.geojson",
                                        b'{"type": "Point", "coordinates": [NaN, 1]}')


def test_deep_nesting_is_refused_in_both_formats(tmp_path: Path) -> None:
    deep_json = b'{"type": "FeatureCollection", "features": ' + b"[" * 200_000 + b"]" * 200_000 \
        + b"}"
    assert "too deeply" in _refused(tmp_path, "deep.geojson", deep_json)
    deep_kml = _kml("<Folder>" * 5_000 + _point("Deep", "1,2") + "</Folder>" * 5_000)
    assert "more than 100 deep" in _refused(tmp_path, "deep.kml", deep_kml)


def test_a_geojson_in_another_coordinate_system_is_refused(tmp_path: Path) -> None:
    content = json.dumps({
        "type": "FeatureCollection",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        "features": [{"type": "Feature", "properties": {"name": "Metres"},
                      "geometry": {"type": "Point", "coordinates": [4186000.0, 6395000.0]}}],
    }).encode()
    assert "EPSG:4326" in _refused(tmp_path, "mercator.geojson", content)


def test_long_names_are_cut_and_stay_text(tmp_path: Path) -> None:
    name = "<b>" + "x" * 5000 + "\u202e\x1b[2J"
    features = [{"type": "Feature", "properties": {"name": name, "description": "<i>hi</i>"},
                 "geometry": {"type": "Point", "coordinates": [1, 2]}}]
    plan = _import(tmp_path, "long.geojson", json.dumps(
        {"type": "FeatureCollection", "features": features}).encode())
    (landmark,) = plan.landmarks
    assert len(landmark.name) == geo_import.MAX_NAME_CHARS and landmark.name.startswith("<b>x")
    assert "\x1b" not in landmark.name
    assert landmark.notes == "hi"  # a foreign description's markup dropped, its words kept


def test_kmz_is_read_within_limits(tmp_path: Path) -> None:
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("images/pin.png", b"\x89PNG")
        archive.writestr("doc.kml", _kml(_point("Zipped", "30.5,50.25")))
    plan = _import(tmp_path, "places.kmz", packed.getvalue())
    assert plan.format == "kmz" and [lm.name for lm in plan.landmarks] == ["Zipped"]
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("doc.kml", b" " * (geo_import.MAX_FILE_BYTES + 10))
    assert "larger than 50" in _refused(tmp_path, "bomb.kmz", bomb.getvalue())
    assert "not a readable KMZ" in _refused(tmp_path, "broken.kmz", b"PK\x03\x04garbage")


def test_a_google_earth_description_becomes_plain_notes(tmp_path: Path) -> None:
    body = ("<Placemark><name>Church</name><description><![CDATA[<p>Seen from the"
            " <b>east</b>&amp;north</p><script>x()</script>]]></description>"
            "<Point><coordinates>37.61,49.71,0</coordinates></Point></Placemark>")
    (landmark,) = _import(tmp_path, "ge.kml", _kml(body)).landmarks
    assert landmark.notes.startswith("Seen from the east&north")
    assert math.isclose(landmark.lat, 49.71) and math.isclose(landmark.lon, 37.61)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_or_a_folder_is_refused_without_waiting(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.kml"
    os.mkfifo(pipe)  # nobody writes: a blocking open or read would hang here
    with _fresh(tmp_path, "pipe") as case:
        with pytest.raises(GeoImportError, match="not a regular file"):
            plan_import(case, pipe)
        with pytest.raises(GeoImportError, match="is a folder"):
            plan_import(case, tmp_path)
