"""Builders of test images as bytes, well-formed and hostile, shared by core and intake tests.

Well-formed files come from Pillow. Hostile EXIF structures Pillow refuses to write (zero
denominators, absurd counts, dangling pointers) come from a small TIFF writer here, so
each test states exactly which bytes it feeds the parser.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PIL import ExifTags, Image, TiffImagePlugin

# EXIF field types, as numbered in the TIFF specification.
BYTE, ASCII, SHORT, LONG, RATIONAL, UNDEFINED, SRATIONAL = 1, 2, 3, 4, 5, 7, 10
EXIF_IFD_POINTER = 0x8769
GPS_IFD_POINTER = 0x8825
MAKER_NOTE = 0x927C

#: Tags that live in IFD0 (the rest of `Base` goes to the EXIF sub-IFD).
IFD0_TAGS = frozenset(
    {0x010E, 0x010F, 0x0110, 0x0112, 0x011A, 0x011B, 0x0128, 0x0131, 0x0132, 0x013B, 0x8298}
)

Dms = tuple[tuple[int, int], tuple[int, int], tuple[int, int]]

# Greenwich-ish sample position used across tests: 51°30'26.53"N, 0°7'39.86"W.
LONDON_LAT: Dms = ((51, 1), (30, 1), (2653, 100))
LONDON_LON: Dms = ((0, 1), (7, 1), (3986, 100))
LONDON_LAT_DEG = 51 + 30 / 60 + 26.53 / 3600
LONDON_LON_DEG = -(7 / 60 + 39.86 / 3600)


# --- well-formed images through Pillow ---------------------------------------------------------


def rational(numerator: int, denominator: int = 1) -> TiffImagePlugin.IFDRational:
    return TiffImagePlugin.IFDRational(numerator, denominator)


def dms(value: Dms) -> tuple[TiffImagePlugin.IFDRational, ...]:
    return tuple(rational(n, d) for n, d in value)


def _tag_id(key: int | str, names: Mapping[str, int]) -> int:
    return key if isinstance(key, int) else names[key]


def make_exif(
    exif: Mapping[int | str, object] | None = None,
    gps: Mapping[int | str, object] | None = None,
) -> Image.Exif:
    """An `Image.Exif` from tag ids or names (`ExifTags.Base` / `ExifTags.GPS`).

    IFD0 tags (Make, Model, Software, DateTime, Orientation...) go to IFD0, other `Base`
    tags to the EXIF sub-IFD, `gps` to the GPS sub-IFD.
    """
    result = Image.Exif()
    base_names = {tag.name: tag.value for tag in ExifTags.Base}
    gps_names = {tag.name: tag.value for tag in ExifTags.GPS}
    for key, value in (exif or {}).items():
        tag = _tag_id(key, base_names)
        if tag in IFD0_TAGS:
            result[tag] = value
        else:
            result.get_ifd(EXIF_IFD_POINTER)[tag] = value
    if gps is not None:
        gps_ifd = result.get_ifd(GPS_IFD_POINTER)
        for key, value in gps.items():
            gps_ifd[_tag_id(key, gps_names)] = value
    return result


def picture(width: int = 640, height: int = 480, mode: str = "RGB") -> Image.Image:
    """A gradient with a red block in the top-left corner, so orientation is visible."""
    ramp = Image.linear_gradient("L").resize((width, height))
    image = Image.merge("RGB", (ramp, ramp.transpose(Image.Transpose.ROTATE_180), ramp))
    image.paste((255, 0, 0), (0, 0, max(1, width // 4), max(1, height // 4)))
    if mode == "RGBA":
        image.putalpha(ramp)
    elif mode != "RGB":
        image = image.convert(mode)
    return image


def make_jpeg(
    width: int = 640,
    height: int = 480,
    exif: Mapping[int | str, object] | None = None,
    gps: Mapping[int | str, object] | None = None,
    quality: int = 90,
    *,
    mode: str = "RGB",
    progressive: bool = False,
) -> bytes:
    """A JPEG with the given EXIF (see `make_exif`); no EXIF at all when both are None."""
    out = io.BytesIO()
    options: dict[str, object] = {"quality": quality, "progressive": progressive}
    if exif is not None or gps is not None:
        options["exif"] = make_exif(exif, gps).tobytes()
    picture(width, height, mode).save(out, "JPEG", **options)
    return out.getvalue()


def _save(
    image: Image.Image, fmt: str, exif: Mapping[int | str, object] | None, **options: object
) -> bytes:
    out = io.BytesIO()
    if exif is not None:
        options["exif"] = make_exif(exif).tobytes()
    image.save(out, fmt, **options)
    return out.getvalue()


def make_png(
    width: int = 64,
    height: int = 48,
    mode: str = "RGBA",
    exif: Mapping[int | str, object] | None = None,
) -> bytes:
    """A PNG, with an alpha gradient by default; `mode` may be any Pillow PNG mode."""
    if mode in ("RGB", "RGBA"):
        image = picture(width, height, mode)
    elif mode == "I;16":
        image = Image.linear_gradient("L").resize((width, height)).convert("I")
        image = image.point(lambda value: value * 256).convert("I;16")
    else:
        image = picture(width, height).convert(mode)
    return _save(image, "PNG", exif)


def make_webp(
    width: int = 64, height: int = 48, exif: Mapping[int | str, object] | None = None
) -> bytes:
    return _save(picture(width, height), "WEBP", exif, quality=80)


def make_tiff(
    width: int = 64,
    height: int = 48,
    mode: str = "RGB",
    exif: Mapping[int | str, object] | None = None,
) -> bytes:
    return _save(picture(width, height, mode), "TIFF", exif)


def apple_heic() -> bytes:
    """A 160x120 HEIC with Make "Apple" and DateTimeOriginal 2024:05:01 10:20:30 in its EXIF.

    desk only decodes HEIC (pi-heif has no encoder), so this one was written once with
    pillow-heif 1.8.1: `make_exif({...})` saved by Pillow as "HEIF" at quality 60.
    """
    return (Path(__file__).parent / "data" / "apple_160x120.heic").read_bytes()


# --- raw TIFF / EXIF crafting ------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One IFD entry written verbatim: `data` goes inline (≤ 4 bytes) or to the data area.

    `offset`, when given, is written as the value/offset field as is, whatever `count`
    says: that is how dangling pointers and absurd counts are made.
    """

    tag: int
    kind: int
    count: int
    data: bytes = b""
    offset: int | None = None


def ascii_entry(tag: int, text: str | bytes) -> Entry:
    raw = (text.encode() if isinstance(text, str) else text) + b"\x00"
    return Entry(tag, ASCII, len(raw), raw)


def byte_entry(tag: int, *values: int) -> Entry:
    return Entry(tag, BYTE, len(values), bytes(values))


def short_entry(tag: int, *values: int, little: bool = True) -> Entry:
    return Entry(
        tag, SHORT, len(values), struct.pack(("<" if little else ">") + "H" * len(values), *values)
    )


def long_entry(tag: int, *values: int, little: bool = True) -> Entry:
    return Entry(
        tag, LONG, len(values), struct.pack(("<" if little else ">") + "I" * len(values), *values)
    )


def rational_entry(tag: int, *pairs: tuple[int, int], little: bool = True) -> Entry:
    """RATIONAL values written as given, zero denominators included."""
    flat = [number for pair in pairs for number in pair]
    return Entry(
        tag, RATIONAL, len(pairs), struct.pack(("<" if little else ">") + "I" * len(flat), *flat)
    )


@dataclass
class _Layout:
    little: bool
    data_start: int
    area: bytearray = field(default_factory=bytearray)

    def ifd(self, entries: Sequence[Entry]) -> bytes:
        order = "<" if self.little else ">"
        out = bytearray(struct.pack(order + "H", len(entries)))
        for entry in sorted(entries, key=lambda item: item.tag):
            out += struct.pack(order + "HHI", entry.tag, entry.kind, entry.count)
            if entry.offset is not None:
                out += struct.pack(order + "I", entry.offset)
            elif len(entry.data) <= 4:
                out += entry.data.ljust(4, b"\x00")
            else:
                out += struct.pack(order + "I", self.data_start + len(self.area))
                self.area += entry.data + b"\x00" * (len(entry.data) % 2)
        return bytes(out + struct.pack(order + "I", 0))


def build_tiff(
    ifd0: Sequence[Entry] = (),
    exif: Sequence[Entry] | None = None,
    gps: Sequence[Entry] | None = None,
    *,
    little: bool = True,
) -> bytes:
    """A TIFF structure (what follows "Exif\\0\\0" in a JPEG APP1) with up to three IFDs.

    Pointers to the EXIF and GPS IFDs are added to IFD0 when those are given; an empty
    sequence writes an IFD with zero entries.
    """
    order = "<" if little else ">"
    main = list(ifd0)
    sizes = [len(main) + (exif is not None) + (gps is not None)]
    sizes += [len(exif)] if exif is not None else []
    sizes += [len(gps)] if gps is not None else []
    starts = [8]
    for count in sizes[:-1]:
        starts.append(starts[-1] + 2 + 12 * count + 4)
    data_start = starts[-1] + 2 + 12 * sizes[-1] + 4
    position = 1
    if exif is not None:
        main.append(Entry(EXIF_IFD_POINTER, LONG, 1, struct.pack(order + "I", starts[position])))
        position += 1
    if gps is not None:
        main.append(Entry(GPS_IFD_POINTER, LONG, 1, struct.pack(order + "I", starts[position])))
    layout = _Layout(little, data_start)
    body = layout.ifd(main)
    if exif is not None:
        body += layout.ifd(exif)
    if gps is not None:
        body += layout.ifd(gps)
    header = (b"II*\x00" if little else b"MM\x00*") + struct.pack(order + "I", 8)
    return header + body + bytes(layout.area)


def exif_app1(tiff: bytes) -> bytes:
    """The APP1 payload for a TIFF structure."""
    return b"Exif\x00\x00" + tiff


def gps_ifd_bytes(
    lat: Dms | None = LONDON_LAT,
    lat_ref: str | None = "N",
    lon: Dms | None = LONDON_LON,
    lon_ref: str | None = "W",
    *,
    extra: Sequence[Entry] = (),
    ifd0: Sequence[Entry] = (ascii_entry(0x010F, "TestCam"),),
) -> bytes:
    """An APP1 payload whose GPS IFD holds exactly these values (None leaves a tag out).

    Rationals are written verbatim, so `lat=((51, 0), (30, 1), (0, 1))` really carries a
    zero denominator, which Pillow's writer would not produce.
    """
    gps: list[Entry] = [byte_entry(0x0000, 2, 3, 0, 0)]
    if lat_ref is not None:
        gps.append(ascii_entry(0x0001, lat_ref))
    if lat is not None:
        gps.append(rational_entry(0x0002, *lat))
    if lon_ref is not None:
        gps.append(ascii_entry(0x0003, lon_ref))
    if lon is not None:
        gps.append(rational_entry(0x0004, *lon))
    gps.extend(extra)
    return exif_app1(build_tiff(ifd0, exif=[], gps=gps))


def make_jpeg_with_raw_app1(
    app1_payload: bytes, width: int = 64, height: int = 48, quality: int = 90
) -> bytes:
    """A valid JPEG carrying `app1_payload` verbatim as its first segment after SOI."""
    if len(app1_payload) > 0xFFFF - 2:
        raise ValueError("an APP1 segment holds at most 65533 bytes")
    plain = make_jpeg(width, height, quality=quality)
    segment = b"\xff\xe1" + struct.pack(">H", len(app1_payload) + 2) + app1_payload
    return plain[:2] + segment + plain[2:]


# --- other hostile or foreign content ----------------------------------------------------------


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def png_with_header_size(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims `width` x `height` but which carries only one row of data."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png_bomb(width: int = 30_000, height: int = 30_000) -> bytes:
    """A real, complete 1-bit PNG of `width` x `height` zeros: ~100 KB that inflates to GBs."""
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    chunks = [packer.compress(row * 1000) for _ in range(height // 1000)]
    chunks.append(packer.compress(row * (height % 1000)))
    chunks.append(packer.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", b"".join(chunks))
        + _png_chunk(b"IEND", b"")
    )


def truncated(data: bytes, keep: float = 0.5) -> bytes:
    """The first `keep` fraction of `data`, as a download cut short leaves it."""
    return data[: int(len(data) * keep)]


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n"
        b"%%EOF\n"
    )


def eps_bytes() -> bytes:
    return b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto showpage\n"


def binary_eps_bytes() -> bytes:
    """DOS EPS binary header (C5 D0 D3 C6) followed by PostScript."""
    body = eps_bytes()
    return b"\xc5\xd0\xd3\xc6" + struct.pack("<IIIIIIH", 30, len(body), 0, 0, 0, 0, 0xFFFF) + body
