"""XMP packets: found in the file, parsed without trust, reduced to the few values desk weighs.

An XMP packet is XML written by whoever made the file, so it is read the way hostile XML is
read: a size cap before any parsing, expat driven by hand with no document type, no entities
and no external references (billion laughs and external-entity attacks need one of them),
bounded depth and element count, and no tree built. Only the properties desk uses are kept
(dates, GPS, camera, creator tool, editing history); everything else is passed over.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from xml.parsers import expat

from desk.core.model import Flag
from desk.core.sanitize import clean_text

#: Largest packet read. Real packets are a few KB (Photoshop's with history: tens of KB).
MAX_PACKET_BYTES = 2 * 1024 * 1024
#: Elements and nesting depth a packet may have before it is given up.
MAX_ELEMENTS = 50_000
MAX_DEPTH = 64
#: Characters kept of one value, and editing steps kept of the history.
MAX_VALUE_CHARS = 512
MAX_HISTORY = 50

JPEG_XMP_PREFIX = b"http://ns.adobe.com/xap/1.0/\x00"
JPEG_EXTENDED_PREFIX = b"http://ns.adobe.com/xmp/extension/\x00"

_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XMP = "http://ns.adobe.com/xap/1.0/"
_XMP_MM = "http://ns.adobe.com/xap/1.0/mm/"
_ST_EVT = "http://ns.adobe.com/xap/1.0/sType/ResourceEvent#"
_PHOTOSHOP = "http://ns.adobe.com/photoshop/1.0/"
_EXIF = "http://ns.adobe.com/exif/1.0/"
_TIFF = "http://ns.adobe.com/tiff/1.0/"

#: Namespace URI + local name (expat's form, space-separated) -> the name desk gives the value.
WANTED: dict[str, str] = {
    f"{_XMP} CreateDate": "xmp:CreateDate",
    f"{_XMP} ModifyDate": "xmp:ModifyDate",
    f"{_XMP} MetadataDate": "xmp:MetadataDate",
    f"{_XMP} CreatorTool": "xmp:CreatorTool",
    f"{_PHOTOSHOP} DateCreated": "photoshop:DateCreated",
    f"{_PHOTOSHOP} City": "photoshop:City",
    f"{_PHOTOSHOP} Country": "photoshop:Country",
    f"{_EXIF} DateTimeOriginal": "exif:DateTimeOriginal",
    f"{_EXIF} DateTimeDigitized": "exif:DateTimeDigitized",
    f"{_EXIF} GPSLatitude": "exif:GPSLatitude",
    f"{_EXIF} GPSLongitude": "exif:GPSLongitude",
    f"{_TIFF} Make": "tiff:Make",
    f"{_TIFF} Model": "tiff:Model",
}
_HISTORY = f"{_XMP_MM} History"
_LI = f"{_RDF} li"
#: stEvt fields of one history step, by expat name.
_STEP_FIELDS = {f"{_ST_EVT} {name}": name for name in ("action", "softwareAgent", "when",
                                                        "changed")}


@dataclass(frozen=True)
class HistoryStep:
    """One xmpMM:History entry: what was done (created, saved, converted...), by what, when."""

    action: str = ""
    software_agent: str = ""
    when: str = ""
    changed: str = ""


@dataclass(frozen=True)
class Xmp:
    """The values desk reads from a packet (by `WANTED` name), its history, and any notice."""

    values: dict[str, str] = field(default_factory=dict)
    history: tuple[HistoryStep, ...] = ()
    flags: tuple[Flag, ...] = ()
    present: bool = False


class _Refused(Exception):
    """The packet is not read; the message says why in a reviewer's words."""


def packet_of(info: Mapping[str, object], applist: object = None) -> tuple[bytes | None,
                                                                           tuple[Flag, ...]]:
    """The XMP packet Pillow found (JPEG APP1, PNG iTXt, TIFF tag 700, WebP "XMP " chunk,
    HEIF), and a notice when a JPEG's extended XMP segments were passed over."""
    flags: tuple[Flag, ...] = ()
    if isinstance(applist, list):
        extended = [s for app, s in applist[:1000] if app == "APP1" and isinstance(s, bytes)
                    and s.startswith(JPEG_EXTENDED_PREFIX)]
        if extended:
            size = sum(len(s) for s in extended)
            flags = (Flag("xmp_extended_skipped",
                          f"Extended XMP ({len(extended)} segments, {_size(size)}) was not read:"
                          " desk reads the main XMP packet only."),)
    value = info.get("xmp")
    if isinstance(value, tuple) and len(value) == 1:
        value = value[0]
    if isinstance(value, str):
        value = value.encode("utf-8", "replace")
    if isinstance(value, bytes | bytearray) and value:
        return bytes(value), flags
    return None, flags


def read_xmp(packet: bytes | None) -> Xmp:
    """The wanted values of one packet; a refused or broken packet gives a flag saying why."""
    if packet is None:
        return Xmp()
    if len(packet) > MAX_PACKET_BYTES:
        return Xmp(present=True, flags=(Flag(
            "xmp_too_large",
            f"XMP packet of {_size(len(packet))} is over desk's {_size(MAX_PACKET_BYTES)} limit"
            " and was not read."),))
    reader = _Reader()
    try:
        reader.parse(packet)
    except _Refused as why:
        return Xmp(present=True, flags=(Flag("xmp_refused", f"XMP packet refused: {why}"),))
    except (expat.ExpatError, ValueError, UnicodeError) as exc:
        # Values read before the break are still what the file says; the flag says the rest
        # was not read.
        hint = clean_text(expat.ErrorString(exc.code) if isinstance(exc, expat.ExpatError)
                          else type(exc).__name__, 80)
        return Xmp(reader.values, tuple(reader.history), present=True, flags=(Flag(
            "xmp_malformed", f"XMP packet is malformed ({hint}); what followed the error was"
            " not read."),))
    return Xmp(reader.values, tuple(reader.history), present=True)


def _size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    if size >= 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size} bytes"


class _Reader:
    """expat by hand: refuses document types and entities, counts elements and depth, keeps
    the first value of each wanted property (attribute or element form) and history steps."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {}
        self.history: list[HistoryStep] = []
        self._depth = 0
        self._elements = 0
        self._text_for: str | None = None  # the wanted name whose text is being collected
        self._text_depth = 0
        self._text: list[str] = []
        self._history_depth: int | None = None
        self._step: dict[str, str] | None = None
        self._step_depth = 0
        self._step_field: str | None = None

    def parse(self, packet: bytes) -> None:
        parser = expat.ParserCreate(namespace_separator=" ")
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._external
        parser.StartElementHandler = self._start
        parser.EndElementHandler = self._end
        parser.CharacterDataHandler = self._chars
        parser.buffer_text = True
        start = packet.find(b"<")
        parser.Parse(packet[max(start, 0):].rstrip(b"\x00 \t\r\n"), True)

    @staticmethod
    def _doctype(*_: object) -> None:
        raise _Refused("it declares a document type (DTD), which XMP never needs and entity"
                       " attacks rely on")

    @staticmethod
    def _entity(*_: object) -> None:
        raise _Refused("it declares entities, which XMP never needs")

    @staticmethod
    def _external(*_: object) -> int:
        raise _Refused("it refers to an external entity, which desk never fetches")

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        self._depth += 1
        self._elements += 1
        if self._depth > MAX_DEPTH:
            raise _Refused(f"it nests elements more than {MAX_DEPTH} deep")
        if self._elements > MAX_ELEMENTS:
            raise _Refused(f"it has more than {MAX_ELEMENTS:,} elements")
        for key, value in attrs.items():
            wanted = WANTED.get(key)
            if wanted is not None and wanted not in self.values:
                self._keep(wanted, value)
        if self._history_depth is not None:
            self._in_history(name, attrs)
        elif name == _HISTORY:
            self._history_depth = self._depth
        elif self._text_for is None and name in WANTED and WANTED[name] not in self.values:
            self._text_for, self._text_depth, self._text = WANTED[name], self._depth, []

    def _in_history(self, name: str, attrs: dict[str, str]) -> None:
        if self._step is None:
            if name == _LI and len(self.history) < MAX_HISTORY:
                self._step, self._step_depth = {}, self._depth
            else:
                return
        for key, value in attrs.items():
            if key in _STEP_FIELDS:
                self._step.setdefault(_STEP_FIELDS[key], clean_text(value, MAX_VALUE_CHARS))
        if name in _STEP_FIELDS:
            self._step_field, self._text = _STEP_FIELDS[name], []

    def _chars(self, data: str) -> None:
        if (self._text_for is not None or self._step_field is not None) and \
                sum(len(t) for t in self._text) < MAX_VALUE_CHARS:
            self._text.append(data)

    def _end(self, name: str) -> None:
        if self._step_field is not None and name in _STEP_FIELDS:
            assert self._step is not None
            self._step.setdefault(self._step_field, clean_text("".join(self._text),
                                                               MAX_VALUE_CHARS))
            self._step_field = None
        if self._step is not None and self._depth == self._step_depth:
            step = self._step
            self.history.append(HistoryStep(step.get("action", ""), step.get("softwareAgent", ""),
                                            step.get("when", ""), step.get("changed", "")))
            self._step = None
        if self._history_depth is not None and self._depth == self._history_depth:
            self._history_depth = None
        if self._text_for is not None and self._depth == self._text_depth:
            self._keep(self._text_for, "".join(self._text))
            self._text_for = None
        self._depth -= 1

    def _keep(self, wanted: str, value: str) -> None:
        text = clean_text(value, MAX_VALUE_CHARS)
        if text:
            self.values[wanted] = text
