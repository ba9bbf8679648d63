"""Landmarks from a KML, KMZ or GeoJSON file made elsewhere (Google Earth, QGIS, a colleague).

The file is untrusted input. It is read whole but never more than MAX_FILE_BYTES; KML goes
through expat with every DOCTYPE refused before its first declaration is read, so no entity is
ever defined or expanded and nothing external is fetched (no DTD, no entity, no NetworkLink);
elements nest at most MAX_DEPTH deep; a file with more than MAX_PLACEMARKS placemarks is
refused whole; KMZ is a zip read for one KML member within the same limits. Every point is
checked on the globe; names are cut to MAX_NAME_CHARS and stay text.

Only points become landmarks. Everything else (lines, areas, desk's own cameras, cones and
tracks when a desk export is read back, points already in the case) is skipped and counted, so
the report says what came in and what did not, and why. The landmarks arrive through
desk.core.commands.add_landmark in one transaction with a custody entry naming the file and
its SHA-256: one undo step removes them all.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
import re
import stat
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.parsers import expat

from desk.core import commands, geo
from desk.core.casefile import CaseFileError
from desk.core.commands import Batch, Command, CommandError, created_id
from desk.core.model import Landmark

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PLACEMARKS = 10_000
MAX_DEPTH = 100
MAX_NAME_CHARS = 200
MAX_NOTES_CHARS = 4000
#: Members a KMZ may list (icons and photos beside its KML); more is not a KMZ desk reads.
MAX_ZIP_MEMBERS = 1000
#: Same name and nearer than this to a landmark already there: the same place, skipped.
DUPLICATE_M = 1.0
#: How many skipped features the report names one by one.
MAX_DETAILS = 20

#: The custody-log action that records where imported landmarks came from.
IMPORT_ACTION = "import landmarks"

# Why a feature was not imported: the key, and how the report says it (singular, plural).
LINES, AREAS, MULTI, TRACKS, MODELS, OVERLAYS, LINKS = (
    "lines", "areas", "multi", "tracks", "models", "overlays", "links")
NO_POSITION, BAD_POSITION, DUPLICATE, UNKNOWN = (
    "no_position", "bad_position", "duplicates", "unknown")
#: A desk export read back: its cameras, cones and tracks belong to frames, not landmarks.
DESK_CAMERA, DESK_CONE, DESK_TRACK = "desk_cameras", "desk_view_cones", "desk_tracks"
_DESK_WHY = "desk's own, kept with their frames"

_SKIP_WORDS: dict[str, tuple[str, str, str]] = {
    LINES: ("line", "lines", "only points become landmarks"),
    AREAS: ("area", "areas", "only points become landmarks"),
    MULTI: ("multi-part feature", "multi-part features", "only single points become landmarks"),
    TRACKS: ("GPS track", "GPS tracks", "only points become landmarks"),
    MODELS: ("3D model", "3D models", "only points become landmarks"),
    OVERLAYS: ("image overlay", "image overlays", "only points become landmarks"),
    LINKS: ("network link", "network links", "desk fetches nothing a file points to"),
    NO_POSITION: ("placemark without a position", "placemarks without a position", ""),
    BAD_POSITION: ("point with unusable coordinates", "points with unusable coordinates",
                   "not numbers, or off the globe"),
    DESK_CAMERA: ("camera position", "camera positions", _DESK_WHY),
    DESK_CONE: ("view cone", "view cones", _DESK_WHY),
    DESK_TRACK: ("movement track", "movement tracks", _DESK_WHY),
    DUPLICATE: ("duplicate", "duplicates",
                f"same name within {DUPLICATE_M:g} m of a landmark already there"),
    UNKNOWN: ("feature of a kind desk does not know", "features of kinds desk does not know", ""),
}

_DESK_KINDS = {"camera": DESK_CAMERA, "view_cone": DESK_CONE, "track": DESK_TRACK}
#: Skips that lose nothing the reviewer asked for (exit 0 on the command line).
HARMLESS_SKIPS = frozenset({DESK_CAMERA, DESK_CONE, DESK_TRACK, DUPLICATE})


class GeoImportError(CaseFileError):
    """The file cannot be read as map data; said for the reviewer, nothing was imported."""


@dataclass(frozen=True)
class Place:
    """One point read from the file, before it is checked against the case."""

    name: str
    lat: float
    lon: float
    notes: str = ""
    kind: str = ""
    reference: bool = False


@dataclass
class Reading:
    """What a file held: its points and what was skipped (by reason), with details."""

    format: str
    places: list[Place] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    details: list[str] = field(default_factory=list)
    unnamed: int = 0

    def skip(self, reason: str, detail: str = "") -> None:
        self.skipped[reason] += 1
        if detail and len(self.details) < MAX_DETAILS:
            self.details.append(detail)


@dataclass(frozen=True)
class ImportPlan:
    """The landmarks a file brings and the one command that adds them (None: nothing to add).

    Push `command` on the window's undo stack, or apply it on the command line.
    """

    file: str
    sha256: str
    format: str
    landmarks: tuple[Landmark, ...]
    skipped: dict[str, int]
    details: tuple[str, ...]
    command: Command | None
    #: The file's reference point, imported as a plain landmark (the case has one already).
    reference_not_taken: str = ""

    @property
    def imported(self) -> int:
        return len(self.landmarks)

    @property
    def complete(self) -> bool:
        """Whether every point the file offered is in the case now (or was there already)."""
        return all(reason in HARMLESS_SKIPS for reason in self.skipped)

    def summary(self) -> str:
        """One sentence: "12 landmarks imported, 3 lines skipped (only points become ...)"."""
        n = self.imported
        parts = [f"{n} landmark{'s' if n != 1 else ''} imported" if n
                 else "No landmarks imported"]
        groups: dict[tuple[str, str], list[str]] = {}
        for reason, count in self.skipped.items():
            one, many, why = _SKIP_WORDS[reason]
            verb = "not followed" if reason == LINKS else "skipped"
            groups.setdefault((verb, why), []).append(f"{count} {one if count == 1 else many}")
        for (verb, why), counts in groups.items():
            listed = (counts[0] if len(counts) == 1
                      else f"{', '.join(counts[:-1])} and {counts[-1]}")
            parts.append(f"{listed} {verb}" + (f" ({why})" if why else ""))
        text = ", ".join(parts) + f" from {self.file}."
        if self.reference_not_taken:
            text += (f" Its reference point {self.reference_not_taken} came in as a plain"
                     " landmark: the case keeps its own.")
        return text


# --------------------------------------------------------------------------- text


_SPACE = re.compile(r"\s+")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff]")


def clean_name(value: str) -> str:
    """On one line, without controls, and no longer than MAX_NAME_CHARS."""
    text = _SPACE.sub(" ", _CONTROL.sub("", value)).strip()
    return text if len(text) <= MAX_NAME_CHARS else text[:MAX_NAME_CHARS - 1].rstrip() + "…"


def clean_notes(value: str) -> str:
    text = _CONTROL.sub("", value).strip()
    return text if len(text) <= MAX_NOTES_CHARS else text[:MAX_NOTES_CHARS - 1].rstrip() + "…"


class _TextOnly(HTMLParser):
    """A KML description's words: Google Earth's HTML, with the markup dropped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")


def html_to_text(value: str) -> str:
    if "<" not in value and "&" not in value:
        return value
    parser = _TextOnly()
    parser.feed(value)
    parser.close()
    return "\n".join(" ".join(line.split()) for line in "".join(parser.parts).splitlines()
                     ).strip()


def _position(lat: object, lon: object) -> tuple[float, float] | None:
    """A point on the globe, or None for anything else (strings, booleans, NaN, 91°)."""
    if isinstance(lat, bool) or isinstance(lon, bool):
        return None
    if not isinstance(lat, int | float) or not isinstance(lon, int | float):
        return None
    try:
        return geo.check_point((float(lat), float(lon)))
    except (ValueError, OverflowError):
        return None


# --------------------------------------------------------------------------- reading a file


def read_bytes(path: Path) -> bytes:
    """The file's bytes, refused when it is not a plain file or larger than MAX_FILE_BYTES."""
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise GeoImportError(f"There is no file {path}.") from None
    except IsADirectoryError:
        raise GeoImportError(f"{path.name} is a folder; choose a KML or GeoJSON file.") from None
    except OSError as exc:
        raise GeoImportError(f"{path.name} cannot be opened ({exc.strerror or exc}).") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise GeoImportError(f"{path.name} is a folder; choose a KML or GeoJSON file.")
        if not stat.S_ISREG(info.st_mode):
            raise GeoImportError(f"{path.name} is not a regular file; desk reads map data from"
                                 " files only.")
        if info.st_size > MAX_FILE_BYTES:
            raise GeoImportError(_too_big(path.name))
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= MAX_FILE_BYTES:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise GeoImportError(_too_big(path.name))
        return b"".join(chunks)
    except OSError as exc:
        raise GeoImportError(f"{path.name} could not be read ({exc.strerror or exc}).") from None
    finally:
        os.close(fd)


def _too_big(name: str) -> str:
    return (f"{name} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, more than desk reads"
            " as map data; split it into smaller files.")


def sniff(data: bytes, name: str) -> str:
    """"kml", "kmz" or "geojson", from the content first and the file name second."""
    if data.startswith(b"PK\x03\x04"):
        return "kmz"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return "geojson"
    if head.startswith(b"<") or data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "kml"
    suffix = Path(name).suffix.lower()
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".kml", ".kmz"):
        return "kml" if suffix == ".kml" else "kmz"
    raise GeoImportError(f"{name} is neither KML, KMZ nor GeoJSON; desk imports landmarks from"
                         " those three.")


def read_places(data: bytes, name: str) -> Reading:
    """Every point a file holds and everything skipped, or GeoImportError for a bad file."""
    fmt = sniff(data, name)
    if fmt == "kmz":
        reading = read_kml(kml_from_kmz(data, name), name)
        reading.format = "kmz"
        return reading
    if fmt == "geojson":
        return read_geojson(data, name)
    return read_kml(data, name)


# --------------------------------------------------------------------------- KMZ


def kml_from_kmz(data: bytes, name: str) -> bytes:
    """The KML inside a KMZ (doc.kml, else the first .kml), read within the size limit."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise GeoImportError(f"{name} is not a readable KMZ (zip) file.") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise GeoImportError(f"{name} holds more than {MAX_ZIP_MEMBERS:,} files; desk does"
                                 " not read it as a KMZ.")
        kmls = [m for m in members if m.filename.lower().endswith(".kml") and not m.is_dir()]
        if not kmls:
            raise GeoImportError(f"{name} is a zip file with no KML inside.")
        kmls.sort(key=lambda m: (m.filename.lower() != "doc.kml", "/" in m.filename,
                                 m.filename))
        member = kmls[0]
        if member.flag_bits & 0x1:
            raise GeoImportError(f"{name} is encrypted; desk cannot read it.")
        if member.file_size > MAX_FILE_BYTES:
            raise GeoImportError(_too_big(f"The KML inside {name}"))
        try:
            with archive.open(member) as stream:
                content = stream.read(MAX_FILE_BYTES + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError,
                RuntimeError):
            raise GeoImportError(f"The KML inside {name} cannot be unpacked.") from None
        if len(content) > MAX_FILE_BYTES:  # the header understated it
            raise GeoImportError(_too_big(f"The KML inside {name}"))
        return content


# --------------------------------------------------------------------------- KML

_GEOMETRY_SKIPS = {"LineString": LINES, "LinearRing": LINES, "Polygon": AREAS,
                   "MultiGeometry": MULTI, "Track": TRACKS, "MultiTrack": TRACKS,
                   "Model": MODELS}
_OVERLAYS = {"GroundOverlay", "ScreenOverlay", "PhotoOverlay"}
#: Text kept of any one element while reading (enough for a name, a note or a point).
_CAPTURE_CHARS = {"name": 4 * MAX_NAME_CHARS, "description": 4 * MAX_NOTES_CHARS,
                  "coordinates": 1024, "value": 4 * MAX_NOTES_CHARS,
                  "SimpleData": 4 * MAX_NOTES_CHARS}


class _Refused(Exception):
    """Raised inside expat's callbacks to stop the parse at once."""


@dataclass
class _Placemark:
    depth: int
    name: str = ""
    description: str = ""
    data: dict[str, str] = field(default_factory=dict)
    geometry: str = ""
    coordinates: str = ""


class _KmlReader:
    """Streams expat's events into placemarks; keeps only what a landmark needs."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.reading = Reading("kml")
        self.stack: list[str] = []
        self.placemark: _Placemark | None = None
        self.count = 0
        self.capture: str | None = None
        self.data_name = ""
        self.text: list[str] = []
        self.text_len = 0

    # expat callbacks
    def doctype(self, *_: object) -> None:
        raise _Refused(f"{self.name} declares a document type (DOCTYPE). Map data needs none,"
                       " and one can define entities that expand without end or read other"
                       " files, so desk refuses the file.")

    def entity(self, *_: object) -> None:
        raise _Refused(f"{self.name} declares an entity; desk refuses such files.")

    def external(self, *_: object) -> int:
        raise _Refused(f"{self.name} refers to an external entity; desk refuses such files.")

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        local = tag.rpartition(" ")[2]
        self.stack.append(local)
        depth = len(self.stack)
        if depth > MAX_DEPTH:
            raise _Refused(f"{self.name} nests its elements more than {MAX_DEPTH} deep, which"
                           " no map data needs; desk refuses it.")
        mark = self.placemark
        if mark is None:
            if local == "Placemark":
                self.count += 1
                if self.count > MAX_PLACEMARKS:
                    raise _Refused(_too_many(self.name))
                self.placemark = _Placemark(depth)
            elif local == "NetworkLink":
                self.reading.skip(LINKS)
            elif local in _OVERLAYS:
                self.reading.skip(OVERLAYS)
            return
        inside = depth - mark.depth
        if inside == 1 and local in ("name", "description"):
            self._begin(local)
        elif inside == 1 and not mark.geometry and (local == "Point"
                                                    or local in _GEOMETRY_SKIPS):
            mark.geometry = local
        elif inside == 2 and local == "coordinates" and self.stack[-2] == "Point":
            self._begin(local)
        elif local == "Data" and "ExtendedData" in self.stack[mark.depth:]:
            self.data_name = str(attrs.get("name", ""))
        elif local == "value" and self.stack[-2:-1] == ["Data"]:
            self._begin(local)
        elif local == "SimpleData":
            self.data_name = str(attrs.get("name", ""))
            self._begin(local)

    def _begin(self, what: str) -> None:
        self.capture = what
        self.text = []
        self.text_len = 0

    def chars(self, data: str) -> None:
        if self.capture is None:
            return
        limit = _CAPTURE_CHARS[self.capture]
        if self.text_len < limit:
            self.text.append(data[:limit - self.text_len])
            self.text_len += len(data)

    def end(self, tag: str) -> None:
        local = self.stack.pop() if self.stack else tag
        mark = self.placemark
        if mark is None:
            return
        if self.capture == local:
            text = "".join(self.text)
            self.capture = None
            if local == "name":
                mark.name = text
            elif local == "description":
                mark.description = text
            elif local == "coordinates":
                mark.coordinates = text
            elif self.data_name and self.data_name not in mark.data:
                mark.data[self.data_name] = text
        if local == "Placemark" and len(self.stack) + 1 == mark.depth:
            self.placemark = None
            self._finish(mark)

    def _finish(self, mark: _Placemark) -> None:
        reading = self.reading
        label = clean_name(mark.name) or f"placemark {self.count}"
        kind = mark.data.get("kind", "").strip()
        if kind in _DESK_KINDS:
            reading.skip(_DESK_KINDS[kind])
            return
        if mark.geometry != "Point":
            if not mark.geometry:
                reading.skip(NO_POSITION, f"{label}: no position")
            else:
                reading.skip(_GEOMETRY_SKIPS[mark.geometry])
            return
        position = _kml_point(mark.coordinates)
        if position is None:
            reading.skip(BAD_POSITION, f"{label}: the coordinates"
                         f" {clean_name(mark.coordinates)[:60]!r} are not a point on the globe")
            return
        own = kind == "landmark"
        notes = (mark.data.get("notes", "") if own else html_to_text(mark.description))
        name = mark.data.get("name", "") if own else ""
        reading.places.append(Place(
            name=clean_name(name or mark.name), lat=position[0], lon=position[1],
            notes=clean_notes(notes), kind=clean_name(mark.data.get("landmark_kind", ""))
            if own else "", reference=own and mark.data.get("reference") == "true"))


def _too_many(name: str) -> str:
    return (f"{name} holds more than {MAX_PLACEMARKS:,} placemarks, more than desk imports at"
            " once; split it into smaller files. Nothing was imported.")


_COMMA = re.compile(r"\s*,\s*")


def _kml_point(text: str) -> tuple[float, float] | None:
    """KML's "lon,lat[,alt]" as (lat, lon); None unless it is exactly one point on the globe."""
    tuples = _COMMA.sub(",", text.strip()).split()
    if len(tuples) != 1:
        return None
    parts = tuples[0].split(",")
    if len(parts) not in (2, 3):
        return None
    try:
        lon, lat = float(parts[0]), float(parts[1])
    except ValueError:
        return None
    return _position(lat, lon)


def _code(message: str) -> int:
    return int(expat.errors.codes[message])


_XML_WORDS: dict[int, str] = {
    _code(expat.errors.XML_ERROR_INVALID_TOKEN): "a character or mark that is not allowed there",
    _code(expat.errors.XML_ERROR_UNCLOSED_TOKEN): "the file ends in the middle of a tag",
    _code(expat.errors.XML_ERROR_NO_ELEMENTS): "no XML at all",
    _code(expat.errors.XML_ERROR_TAG_MISMATCH): "a tag closed that was not the last one opened",
    _code(expat.errors.XML_ERROR_UNDEFINED_ENTITY): "an entity that is not defined",
    _code(expat.errors.XML_ERROR_JUNK_AFTER_DOC_ELEMENT): "more after the end of the document",
    _code(expat.errors.XML_ERROR_UNKNOWN_ENCODING): "an encoding desk does not know",
    _code(expat.errors.XML_ERROR_INCORRECT_ENCODING): "bytes not in the declared encoding",
}


def read_kml(data: bytes, name: str) -> Reading:
    """A KML document's placemarks. Refuses any DOCTYPE, so no entity is ever expanded."""
    reader = _KmlReader(name)
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = reader.doctype
    parser.EntityDeclHandler = reader.entity
    parser.UnparsedEntityDeclHandler = reader.entity
    parser.ExternalEntityRefHandler = reader.external
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.chars
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except _Refused as exc:
        raise GeoImportError(str(exc)) from None
    except expat.ExpatError as exc:
        words = _XML_WORDS.get(exc.code, "broken XML")
        hint = ""
        if exc.code in (_code(expat.errors.XML_ERROR_INVALID_TOKEN),
                        _code(expat.errors.XML_ERROR_INCORRECT_ENCODING)) and not _is_utf8(data):
            hint = " The file may not be saved as UTF-8."
        raise GeoImportError(f"{name} is not readable KML (line {exc.lineno}, column"
                             f" {exc.offset + 1}: {words}).{hint}") from None
    except (RecursionError, MemoryError, ValueError):
        raise GeoImportError(f"{name} is not readable KML.") from None
    return reader.reading


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- GeoJSON

_WGS84_CRS = ("crs84", "4326")


def _reject_constant(value: str) -> object:
    raise ValueError(f"{value} is not a JSON number")


def read_geojson(data: bytes, name: str) -> Reading:
    """A GeoJSON document's Point features (a FeatureCollection, a Feature or a geometry)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GeoImportError(f"{name} is not UTF-8 text (byte {exc.start + 1} is not), as"
                             " GeoJSON must be.") from None
    try:
        document = json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise GeoImportError(f"{name} nests its values too deeply to be GeoJSON.") from None
    except ValueError as exc:
        where = (f" at line {exc.lineno}, column {exc.colno}"
                 if isinstance(exc, json.JSONDecodeError) else "")
        raise GeoImportError(f"{name} is not valid JSON{where}.") from None
    if not isinstance(document, dict) or not isinstance(document.get("type"), str):
        raise GeoImportError(f"{name} is JSON but not GeoJSON: it has no \"type\".")
    _check_crs(document, name)
    reading = Reading("geojson")
    kind = document["type"]
    if kind == "FeatureCollection":
        features = document.get("features")
        if not isinstance(features, list):
            raise GeoImportError(f"{name} is a FeatureCollection without a list of features.")
        if len(features) > MAX_PLACEMARKS:
            raise GeoImportError(_too_many(name).replace("placemarks", "features"))
        for number, feature in enumerate(features, start=1):
            _geojson_feature(reading, feature, number)
    elif kind == "Feature":
        _geojson_feature(reading, document, 1)
    elif kind in _GEOJSON_GEOMETRIES:
        _geojson_feature(reading, {"type": "Feature", "geometry": document,
                                   "properties": {}}, 1)
    else:
        raise GeoImportError(f"{name} is JSON but not GeoJSON (its type is"
                             f" {clean_name(kind)[:40]!r}).")
    return reading


def _check_crs(document: dict[str, Any], name: str) -> None:
    """Old GeoJSON (2008) could name another coordinate system; desk reads WGS 84 only."""
    crs = document.get("crs")
    if crs is None:
        return
    props = crs.get("properties") if isinstance(crs, dict) else None
    label = props.get("name") if isinstance(props, dict) else None
    if isinstance(label, str) and any(k in label.lower() for k in _WGS84_CRS):
        return
    raise GeoImportError(f"{name} names a coordinate system other than WGS 84 longitude and"
                         " latitude; export it from your GIS as EPSG:4326 (RFC 7946 GeoJSON).")


_GEOJSON_GEOMETRIES = {"Point": "", "MultiPoint": MULTI, "LineString": LINES,
                       "MultiLineString": LINES, "Polygon": AREAS, "MultiPolygon": AREAS,
                       "GeometryCollection": MULTI}


def _text_of(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return str(value)
    return ""


def _geojson_feature(reading: Reading, feature: object, number: int) -> None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        reading.skip(UNKNOWN, f"feature {number}: not a GeoJSON Feature")
        return
    props = feature.get("properties")
    props = props if isinstance(props, dict) else {}
    raw_name = next((_text_of(props.get(k)) for k in ("name", "Name", "NAME", "title", "label")
                     if _text_of(props.get(k)).strip()), "")
    label = clean_name(raw_name) or f"feature {number}"
    kind = props.get("kind")
    if isinstance(kind, str) and kind in _DESK_KINDS:
        reading.skip(_DESK_KINDS[kind])
        return
    geometry = feature.get("geometry")
    if geometry is None:
        reading.skip(NO_POSITION, f"{label}: no geometry")
        return
    gtype = geometry.get("type") if isinstance(geometry, dict) else None
    if not isinstance(gtype, str) or gtype not in _GEOJSON_GEOMETRIES:
        reading.skip(UNKNOWN, f"{label}: not a GeoJSON geometry")
        return
    if gtype != "Point":
        reading.skip(_GEOJSON_GEOMETRIES[gtype])
        return
    assert isinstance(geometry, dict)
    coords = geometry.get("coordinates")
    position = None
    if isinstance(coords, list) and len(coords) in (2, 3):
        position = _position(coords[1], coords[0])  # longitude first
    if position is None:
        shown = json.dumps(coords, ensure_ascii=True)[:60] if _shallow(coords) else "…"
        reading.skip(BAD_POSITION, f"{label}: the coordinates {shown} are not longitude and"
                     " latitude numbers on the globe")
        return
    own = kind == "landmark"
    notes = _text_of(props.get("notes")) if own else next(
        (_text_of(props.get(k)) for k in ("description", "notes", "Description")
         if _text_of(props.get(k))), "")
    reading.places.append(Place(
        name=label if raw_name.strip() else "", lat=position[0], lon=position[1],
        notes=clean_notes(html_to_text(notes) if not own else notes),
        kind=clean_name(_text_of(props.get("landmark_kind"))) if own else "",
        reference=own and props.get("reference") is True))


def _shallow(value: object, depth: int = 0) -> bool:
    if depth > 3:
        return False
    if isinstance(value, list):
        return all(_shallow(v, depth + 1) for v in value[:4])
    return not isinstance(value, dict)


# --------------------------------------------------------------------------- planning


def _name_key(name: str) -> str:
    return " ".join(name.split()).casefold()


class _Known:
    """Landmarks by name, so a duplicate check looks only at places of the same name."""

    def __init__(self, landmarks: Sequence[Landmark]) -> None:
        self._by_name: dict[str, list[tuple[float, float]]] = {}
        for landmark in landmarks:
            self.add(landmark.name, landmark.lat, landmark.lon)

    def add(self, name: str, lat: float, lon: float) -> None:
        self._by_name.setdefault(_name_key(name), []).append((lat, lon))

    def has(self, name: str, lat: float, lon: float) -> bool:
        return any(geo.distance_m((lat, lon), point) <= DUPLICATE_M
                   for point in self._by_name.get(_name_key(name), ()))


def _names(reading: Reading) -> Iterator[tuple[Place, str]]:
    unnamed = 0
    for place in reading.places:
        if place.name:
            yield place, place.name
        else:
            unnamed += 1
            yield place, f"Unnamed point {unnamed}"


@dataclass(frozen=True)
class _Import:
    """The landmarks' adds and a custody entry naming the file, in one transaction."""

    batch: Batch
    detail: dict[str, object]

    @property
    def description(self) -> str:
        return self.batch.label

    @property
    def edits(self) -> tuple[Command, ...]:  # what `commands.touched` reads
        return self.batch.edits

    def mergeable_with(self, other: Command) -> bool:
        return False

    def apply(self, case: CaseFile) -> Command:
        with case.transaction():
            taken = {lm.id for lm in case.landmarks()}
            if any(created_id(edit) in taken for edit in self.batch.edits):
                raise CommandError("The case's landmarks changed after the file was read;"
                                   " nothing was imported. Import the file again.")
            case.log(IMPORT_ACTION, [f"file:{self.detail['file']}"], self.detail)
            return self.batch.apply(case)


@dataclass(frozen=True)
class FileRead:
    """A file read and parsed (on any thread): what `plan_landmarks` checks against a case."""

    name: str
    sha256: str
    reading: Reading


def read_file(path: Path) -> FileRead:
    """Read and parse `path`; GeoImportError says why a file cannot be used."""
    path = Path(path)
    data = read_bytes(path)
    reading = read_places(data, path.name)
    return FileRead(path.name, hashlib.sha256(data).hexdigest(), reading)


def plan_import(case: CaseFile, path: Path) -> ImportPlan:
    """Read `path` and build the one command that adds its new points as landmarks."""
    return plan_landmarks(case, read_file(path))


def plan_landmarks(case: CaseFile, read: FileRead) -> ImportPlan:
    """The landmarks a parsed file adds to this case (duplicates left out) and their command.

    A file's reference point becomes the case's only when the case has none yet.
    """
    reading = read.reading
    existing = case.landmarks()
    known = _Known(existing)
    has_reference = any(lm.is_reference for lm in existing)
    next_id = max((lm.id for lm in existing), default=0) + 1
    added: list[Landmark] = []
    skipped: Counter[str] = Counter(reading.skipped)
    details = list(reading.details)
    reference_plain = ""
    reference_taken = False
    for place, name in _names(reading):
        if known.has(name, place.lat, place.lon):
            skipped[DUPLICATE] += 1
            if len(details) < MAX_DETAILS:
                details.append(f"{name}: already in the case at the same place")
            continue
        known.add(name, place.lat, place.lon)
        reference = place.reference and not has_reference and not reference_taken
        if place.reference and not reference:
            reference_plain = reference_plain or name
        reference_taken = reference_taken or reference
        added.append(Landmark(next_id, name, place.lat, place.lon, kind=place.kind,
                              notes=place.notes, is_reference=reference))
        next_id += 1
    plan_skipped = {k: skipped[k] for k in _SKIP_WORDS if skipped.get(k)}
    command: Command | None = None
    if added:
        edits = tuple(commands.add_landmark(case, lm) for lm in added)
        label = (f"Import {len(added)} landmark{'s' if len(added) != 1 else ''} from"
                 f" {clean_name(read.name)}")
        detail: dict[str, object] = {
            "file": read.name, "sha256": read.sha256, "format": reading.format,
            "landmarks": [lm.id for lm in added], "skipped": plan_skipped}
        command = _Import(Batch(edits, label), detail)
    return ImportPlan(read.name, read.sha256, reading.format, tuple(added), plan_skipped,
                      tuple(details), command, reference_plain)
