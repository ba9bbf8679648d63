"""A case's map data for the tools a desk already uses: KML for Google Earth, GeoJSON for QGIS
and web maps.

What leaves is what the map shows: every camera position with its precision, every view cone
(heading and field of view, drawn as far as the map draws it), every landmark with the default
reference point marked, and every movement track from start to end in the arrow's own label and
colour (desk.core.arrow_style), so a reader meets one arrow under one name in every tool.

Both writers are pure functions of the case (no clocks, no randomness): the same case gives the
same bytes. Untrusted text from the case (file names, landmark names, labels, methods) stays
text: XML-escaped by ElementTree, with the characters XML 1.0 cannot carry replaced, and in KML
descriptions (which Google Earth renders as HTML) escaped once more so markup shows as typed.
"""

from __future__ import annotations

import html
import json
import math
import os
import re
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desk.core import geo
from desk.core.arrow_style import ArrowStyle, arrow_styles
from desk.core.casefile import CaseFileError
from desk.core.model import Geolocation, Landmark, Movement
from desk.core.movement import finding_for
from desk.core.view_cone import DEFAULT_FOV
from desk.core.view_cone import cone_range as cone_length_m

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

FORMATS = ("kml", "geojson")
KML_NS = "http://www.opengis.net/kml/2.2"

CONE_STEPS = 24

#: Feature kinds, in GeoJSON's `kind` property and KML's ExtendedData; desk's own import skips
#: every kind but landmarks, so an export read back brings in its landmarks only.
CAMERA, VIEW_CONE, LANDMARK, TRACK = "camera", "view_cone", "landmark", "track"

#: Every GeoJSON feature carries all of these (null where they do not apply), so a GIS sees
#: one attribute table.
PROPERTY_KEYS = ("kind", "id", "evidence_id", "name", "label", "colour", "precision_m",
                 "heading", "fov", "range_m", "confidence", "camera_height_m", "method",
                 "bearing", "reference", "reference_id", "landmark_kind", "notes", "finding")


class GeoExportError(CaseFileError):
    """The export could not be written (said for the reviewer; nothing was overwritten)."""


class ExportExists(GeoExportError):
    """The target file is there already and replacing it was not asked for."""


@dataclass(frozen=True)
class Feature:
    """One thing on the map, in desk's terms, before either format writes it."""

    kind: str
    geometry: str  # "Point", "LineString" or "Polygon"
    coordinates: tuple[tuple[float, float], ...]  # (lat, lon) pairs
    properties: dict[str, Any]
    #: KML only: the arrowhead at a track's end, drawn as a second line.
    head: tuple[tuple[float, float], ...] = ()
    altitude_m: float | None = None  # KML only: the camera above the ground


@dataclass(frozen=True)
class MapData:
    """Everything a case puts on the map, and what could not be drawn."""

    title: str
    features: tuple[Feature, ...]
    #: Arrows with no track on the ground (a frame arrow or a typed bearing only).
    arrows_without_track: int = 0
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    counts: dict[str, int]
    arrows_without_track: int
    bytes: int
    replaced: bool


# --------------------------------------------------------------------------- the case's map


def _props(**values: Any) -> dict[str, Any]:
    return {key: values.get(key) for key in PROPERTY_KEYS}


def _camera(location: Geolocation, name: str) -> Feature:
    return Feature(CAMERA, "Point", ((location.lat, location.lon),), _props(
        kind=CAMERA, id=location.evidence_id, evidence_id=location.evidence_id, name=name,
        label=f"Camera of {name}", precision_m=location.precision_m, heading=location.heading,
        fov=location.fov, confidence=str(location.confidence),
        camera_height_m=location.camera_height_m, method=location.method,
    ), altitude_m=location.camera_height_m)


def _cone(location: Geolocation, name: str, landmarks: Sequence[Landmark]) -> Feature | None:
    if location.heading is None:
        return None
    fov = location.fov if location.fov is not None else DEFAULT_FOV
    reach = cone_length_m(location, landmarks)
    ring = geo.view_cone((location.lat, location.lon), location.heading, fov, reach,
                         steps=CONE_STEPS)
    return Feature(VIEW_CONE, "Polygon", tuple(ring), _props(
        kind=VIEW_CONE, id=location.evidence_id, evidence_id=location.evidence_id, name=name,
        label=f"View of {name}", precision_m=location.precision_m, heading=location.heading,
        fov=location.fov, range_m=round(reach, 1), confidence=str(location.confidence),
    ))


def _landmark(landmark: Landmark) -> Feature:
    label = landmark.name + (" (reference point)" if landmark.is_reference else "")
    return Feature(LANDMARK, "Point", ((landmark.lat, landmark.lon),), _props(
        kind=LANDMARK, id=landmark.id, name=landmark.name, label=label,
        reference=bool(landmark.is_reference), landmark_kind=landmark.kind,
        notes=landmark.notes,
    ))


def _arrowhead(path: Sequence[tuple[float, float]], length_m: float
               ) -> tuple[tuple[float, float], ...]:
    """Two barbs at the track's end, so Google Earth shows which way it runs."""
    end = path[-1]
    back = geo.normalize_bearing(geo.final_bearing(path[-2], end) + 180.0)
    barb = min(200.0, max(5.0, length_m * 0.15))
    left = geo.destination(end, back - 25.0, barb)
    right = geo.destination(end, back + 25.0, barb)
    return (left, end, right)


def _track(movement: Movement, style: ArrowStyle, landmarks: Sequence[Landmark],
           camera: Geolocation | None) -> Feature | None:
    track = movement.track
    if track is None:
        return None
    try:
        inner = geo.geodesic_path(track.start, track.end, max_segment_m=2_000.0)[1:-1]
        path = [track.start, *inner, track.end]  # the ends exactly as recorded
        length = geo.distance_m(track.start, track.end)
    except ValueError:
        return None  # a track off the globe cannot be drawn (the core refuses to store one)
    finding = finding_for(movement, landmarks, camera)
    return Feature(TRACK, "LineString", tuple(path), _props(
        kind=TRACK, id=movement.id, evidence_id=movement.evidence_id, name=style.label,
        label=style.label, colour=style.colour, bearing=movement.bearing,
        reference_id=movement.reference_id,
        finding=finding.sentence() if finding is not None else None,
    ), head=_arrowhead(path, length) if length > 0 else ())


def map_data(case: CaseFile) -> MapData:
    """What the case puts on the map, in the order a reader looks for it."""
    landmarks = case.landmarks()
    locations = sorted(case.geolocations(), key=lambda g: g.evidence_id)
    names: dict[int, str] = {}
    for location in locations:
        try:
            names[location.evidence_id] = case.get_evidence(location.evidence_id).name
        except KeyError:
            names[location.evidence_id] = f"evidence-{location.evidence_id}"
    cameras = [_camera(g, names[g.evidence_id]) for g in locations]
    cones = [c for c in (_cone(g, names[g.evidence_id], landmarks) for g in locations)
             if c is not None]
    movements = case.movements()
    styles = arrow_styles(movements)
    by_frame = {g.evidence_id: g for g in locations}
    tracks = [t for t in (_track(m, styles[m.id], landmarks, by_frame.get(m.evidence_id))
                          for m in movements) if t is not None]
    features = (*cameras, *cones, *(_landmark(lm) for lm in landmarks), *tracks)
    counts = {"cameras": len(cameras), "view_cones": len(cones), "landmarks": len(landmarks),
              "tracks": len(tracks)}
    return MapData(case.title, tuple(features), len(movements) - len(tracks), counts)


# --------------------------------------------------------------------------- GeoJSON


def _position(point: tuple[float, float]) -> list[float]:
    lat, lon = point
    return [float(lon), float(lat)]  # RFC 7946: longitude first


def _geojson_geometry(feature: Feature) -> dict[str, Any]:
    coords = [_position(p) for p in feature.coordinates]
    if feature.geometry == "Point":
        return {"type": "Point", "coordinates": coords[0]}
    if feature.geometry == "LineString":
        return {"type": "LineString", "coordinates": coords}
    # A polygon's outer ring runs counterclockwise (RFC 7946 §3.1.6); the cone is drawn
    # clockwise from its left edge, so it is reversed.
    return {"type": "Polygon", "coordinates": [list(reversed(coords))]}


def to_geojson(data: MapData) -> str:
    """An RFC 7946 FeatureCollection: WGS 84 longitude/latitude, no `crs` member."""
    features = [{
        "type": "Feature",
        "id": f"{f.kind}-{f.properties['id']}",
        "geometry": _geojson_geometry(f),
        "properties": {k: _json_value(v) for k, v in f.properties.items()},
    } for f in data.features]
    collection = {"type": "FeatureCollection", "title": data.title, "features": features}
    return json.dumps(collection, ensure_ascii=False, indent=1, allow_nan=False) + "\n"


def _json_value(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------------- KML

#: What XML 1.0 cannot carry at all (most C0 controls, lone surrogates, U+FFFE/U+FFFF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Any text as XML 1.0 can hold it: characters it forbids become U+FFFD."""
    return _NOT_XML.sub("\ufffd", str(value))


def kml_colour(colour: str, alpha: int = 0xFF) -> str:
    """#rrggbb as KML's aabbggrr."""
    rr, gg, bb = colour[1:3], colour[3:5], colour[5:7]
    return f"{alpha:02x}{bb}{gg}{rr}".lower()


def _number(value: float) -> str:
    text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _kml_coords(points: Sequence[tuple[float, float]], altitude: float | None = None) -> str:
    tail = "" if altitude is None else f",{_number(altitude)}"
    return " ".join(f"{_number(lon)},{_number(lat)}{tail}" for lat, lon in points)


def _sub(parent: ET.Element, tag: str, text: object | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = xml_text(text)
    return element


#: Styles shared by every placemark of a kind (camera, cone, landmark, reference point).
_STYLES = {
    "camera": {"icon": "ff1f8fff", "scale": "1.0"},
    "landmark": {"icon": "ffb4693c", "scale": "0.9"},
    "reference": {"icon": "ff2e57e4", "scale": "1.3"},
}


def _balloon(style: ET.Element) -> None:
    """The balloon shows the (escaped) description only: Google Earth's default balloon would
    also render the ExtendedData values, as HTML."""
    _sub(_sub(style, "BalloonStyle"), "text", "$[description]")


def _styles(document: ET.Element, colours: Sequence[str]) -> None:
    for name, values in _STYLES.items():
        style = _sub(document, "Style", id=name)
        icon = _sub(style, "IconStyle")
        _sub(icon, "color", values["icon"])
        _sub(icon, "scale", values["scale"])
        _balloon(style)
    cone = _sub(document, "Style", id="cone")
    line = _sub(cone, "LineStyle")
    _sub(line, "color", "cc1f8fff")
    _sub(line, "width", "1.5")
    poly = _sub(cone, "PolyStyle")
    _sub(poly, "color", "401f8fff")
    _balloon(cone)
    for colour in colours:
        style = _sub(document, "Style", id=f"arrow-{colour[1:]}")
        line = _sub(style, "LineStyle")
        _sub(line, "color", kml_colour(colour))
        _sub(line, "width", "3")
        _balloon(style)


def _description(feature: Feature) -> str:
    """Plain lines for a reader, HTML-escaped: Google Earth renders a description as HTML."""
    p = feature.properties
    lines: list[str] = [str(p["label"])]
    if feature.kind == CAMERA:
        lines.append(f"Camera position of {p['name']}, ±{p['precision_m']:g} m"
                     f" ({p['confidence']} confidence)")
        if p["heading"] is not None:
            lines.append(f"Heading {p['heading']:g}° {geo.compass_label(p['heading'])}"
                         + (f", field of view {p['fov']:g}°" if p["fov"] is not None else ""))
        lines.append(f"Camera height {p['camera_height_m']:g} m")
        if p["method"]:
            lines.append(f"Method: {p['method']}")
    elif feature.kind == VIEW_CONE:
        fov = (f"field of view {p['fov']:g}°" if p["fov"] is not None
               else f"field of view not recorded, drawn {DEFAULT_FOV:g}°")
        lines.append(f"View of {p['name']}: heading {p['heading']:g}°, {fov}, drawn to"
                     f" {geo.format_distance(p['range_m'])}")
    elif feature.kind == LANDMARK:
        if p["reference"]:
            lines.append("The case's reference point: movements are judged toward or away"
                         " from it.")
        if p["landmark_kind"]:
            lines.append(f"Kind: {p['landmark_kind']}")
        if p["notes"]:
            lines.append(str(p["notes"]))
    elif feature.kind == TRACK:
        lines.append(f"Movement track of arrow {p['label']} (evidence {p['evidence_id']}),"
                     " from its start to its end")
        if p["finding"]:
            lines.append(str(p["finding"]))
    head, *rest = (html.escape(line) for line in lines)
    return "<br>".join([f"<b>{head}</b>", *rest])


def _extended(placemark: ET.Element, feature: Feature) -> None:
    extended = _sub(placemark, "ExtendedData")
    for key, value in feature.properties.items():
        if value is None:
            continue
        data = _sub(extended, "Data", name=key)
        text = ("true" if value else "false") if isinstance(value, bool) else value
        _sub(data, "value", text)


def _placemark(folder: ET.Element, feature: Feature, style: str) -> None:
    placemark = _sub(folder, "Placemark", id=f"{feature.kind}-{feature.properties['id']}")
    _sub(placemark, "name", feature.properties["label"])
    _sub(placemark, "description", _description(feature))
    _sub(placemark, "styleUrl", f"#{style}")
    _extended(placemark, feature)
    if feature.geometry == "Point":
        point = _sub(placemark, "Point")
        if feature.altitude_m is not None:
            _sub(point, "altitudeMode", "relativeToGround")
        _sub(point, "coordinates", _kml_coords(feature.coordinates, feature.altitude_m))
    elif feature.geometry == "Polygon":
        polygon = _sub(placemark, "Polygon")
        _sub(polygon, "tessellate", "1")
        ring = _sub(_sub(polygon, "outerBoundaryIs"), "LinearRing")
        _sub(ring, "coordinates", _kml_coords(feature.coordinates))
    else:
        parent = _sub(placemark, "MultiGeometry") if feature.head else placemark
        for points in (feature.coordinates, feature.head):
            if points:
                line = _sub(parent, "LineString")
                _sub(line, "tessellate", "1")
                _sub(line, "coordinates", _kml_coords(points))


_FOLDERS = ((CAMERA, "Camera positions"), (VIEW_CONE, "View cones"),
            (LANDMARK, "Landmarks"), (TRACK, "Movement tracks"))


def _style_of(feature: Feature) -> str:
    if feature.kind == TRACK:
        return f"arrow-{str(feature.properties['colour'])[1:]}"
    if feature.kind == LANDMARK:
        return "reference" if feature.properties["reference"] else "landmark"
    return "cone" if feature.kind == VIEW_CONE else "camera"


def to_kml(data: MapData) -> str:
    """KML 2.2 for Google Earth: one Folder per kind, shared Styles, arrows in their colours."""
    root = ET.Element("kml", xmlns=KML_NS)
    document = _sub(root, "Document")
    _sub(document, "name", data.title)
    _sub(document, "description", html.escape(
        "Exported by desk: camera positions, view cones, landmarks and movement tracks."))
    colours = sorted({str(f.properties["colour"]) for f in data.features if f.kind == TRACK})
    _styles(document, colours)
    for kind, title in _FOLDERS:
        members = [f for f in data.features if f.kind == kind]
        if not members:
            continue
        folder = _sub(document, "Folder")
        _sub(folder, "name", title)
        for feature in members:
            _placemark(folder, feature, _style_of(feature))
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


# --------------------------------------------------------------------------- writing


def render(case: CaseFile, fmt: str) -> tuple[bytes, MapData]:
    """The export's bytes in `fmt` ("kml" or "geojson") and what went into them."""
    if fmt not in FORMATS:
        raise GeoExportError(f"desk exports map data as {' or '.join(FORMATS)} (got {fmt!r}).")
    data = map_data(case)
    text = to_kml(data) if fmt == "kml" else to_geojson(data)
    return text.encode("utf-8"), data


def write_file(path: Path, content: bytes, *, replace: bool = False) -> bool:
    """Write `content` to `path` whole or not at all (temp file, fsync, rename); an existing
    file is kept unless `replace`. Returns whether a file was replaced."""
    path = Path(path)
    if path.is_dir():
        raise GeoExportError(f"{path} is a folder; give the name of the file to write.")
    existed = path.exists() or path.is_symlink()
    if existed and not replace:
        raise ExportExists(f"{path.name} exists already.")
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise GeoExportError(f"Cannot write in {folder}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp's 0600 would hide the export from the desk's tools
        if replace:
            os.replace(temp, path)
        else:
            try:
                os.link(temp, path)  # fails if a file appeared meanwhile: never clobbers
            except FileExistsError:
                raise ExportExists(f"{path.name} exists already.") from None
            except OSError:
                if path.exists():
                    raise ExportExists(f"{path.name} exists already.") from None
                os.replace(temp, path)  # a file system without hard links
    except GeoExportError:
        raise
    except OSError as exc:
        raise GeoExportError(f"{path.name} could not be written ({exc.strerror or exc});"
                             " nothing was changed.") from None
    finally:
        if os.path.exists(temp):
            os.unlink(temp)
    return existed


def export_map(case: CaseFile, fmt: str, out: Path, *, replace: bool = False) -> ExportResult:
    """Write the case's map data to `out` in `fmt`."""
    content, data = render(case, fmt)
    replaced = write_file(Path(out), content, replace=replace)
    return ExportResult(Path(out), fmt, dict(data.counts), data.arrows_without_track,
                        len(content), replaced)


_COUNT_WORDS = (("cameras", "camera position"), ("view_cones", "view cone"),
                ("landmarks", "landmark"), ("tracks", "movement track"))


def counts_text(counts: dict[str, int]) -> str:
    """What an export holds, as the window and the command line say it."""
    return ", ".join(f"{counts.get(key, 0)} {word}{'' if counts.get(key, 0) == 1 else 's'}"
                     for key, word in _COUNT_WORDS)


def format_for(path: Path) -> str | None:
    """The format a file name asks for (.kml, .geojson or .json), if it names one."""
    suffix = Path(path).suffix.lower()
    return {".kml": "kml", ".geojson": "geojson", ".json": "geojson"}.get(suffix)
