"""Raw bytes of one untrusted file in, a checked image and its metadata out, or a reason.

This runs inside a worker process (see `desk.core.isolation`) and is pure: no files, no
database, no Qt. The order of work is chosen so that a hostile file costs little: format
by magic bytes, size and pixel limits from the header before anything is decoded, a
reduced-size decode for the thumbnail, and EXIF read from the EXIF block alone, without
maker notes, once its reading cost is known to be bounded. Every failure becomes a
`Rejected` reason a reviewer can read ("truncated JPEG"), never a traceback.
"""

from __future__ import annotations

import io
import math
import re
import struct
import warnings
from dataclasses import dataclass, replace

from PIL import Image, ImageFile, UnidentifiedImageError

from desk.core import heif
from desk.core.c2pa_reading import read_credential
from desk.core.credentials import Credential
from desk.core.errors import Rejected
from desk.core.jpeg_segments import header_segments
from desk.core.limits import MAX_FILE_BYTES, MAX_PIXELS, THUMB_EDGE
from desk.core.metadata import embedded_blocks, read_metadata
from desk.core.model import Flag, Metadata
from desk.core.perceptual_hash import dct_hash, to_text
from desk.core.sanitize import clean_text
from desk.core.sniff import SNIFF_BYTES, sniff_format

# Pillow's own bomb check uses the same limit, as a second line behind the header check.
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

THUMB_QUALITY = 82

#: Our format name -> Pillow's format id, so each file is opened by exactly one decoder.
_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF", "heic": "HEIF"}
#: Our format name -> how a reviewer writes it.
_LABELS = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "tiff": "TIFF", "heic": "HEIC"}

#: EXIF orientation -> the transpose that shows the picture upright (as ImageOps.exif_transpose).
_ORIENTATION = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}

#: JPEG start-of-frame markers (all but DHT C4, JPG C8 and DAC CC in the C0-CF range).
_JPEG_SOF = frozenset(
    {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}
)
#: Bound on marker-walking steps, so a file of 0xFF padding cannot keep the header check busy.
_JPEG_MAX_STEPS = 65536
#: Bound on TIFF directory entries looked at for the width and height tags.
_TIFF_MAX_ENTRIES = 4096

#: Markers that end a scan's entropy-coded data (all but stuffed FF 00, RST0-7 and fill FF).
_JPEG_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def dimensions_unverified(width: int, height: int) -> Flag:
    return Flag(
        "dimensions_unverified",
        f"Header dimensions not verified: the file is too small to hold a {width}x{height}"
        " picture, so the size is only what its header claims (the picture may be mostly"
        " filler).",
    )


_TRUNCATION_HINTS = ("truncat", "end of file", "eof", "not enough data", "premature end")


@dataclass(frozen=True)
class ParsedImage:
    """What intake stores about one accepted image.

    `width` and `height` are as displayed, i.e. after the EXIF orientation is applied, so
    they have the same aspect as the thumbnail. `thumbnail` is a JPEG no larger than
    `THUMB_EDGE` on its longest edge.
    """

    format: str
    width: int
    height: int
    metadata: Metadata
    thumbnail: bytes
    thumb_width: int
    thumb_height: int
    #: C2PA content credentials (embedded or from a sidecar); None: not read.
    credential: Credential | None = None
    #: Perceptual hash of the upright picture (`desk.core.perceptual_hash`), "" when none.
    perceptual_hash: str = ""


def parse_image(data: bytes, sidecar: bytes | None = None) -> ParsedImage:
    """Check, decode (reduced) and describe one untrusted image file.

    Raises `Rejected` with a plain reason for anything that is not an acceptable image.
    A malformed EXIF block does not reject the image; it becomes a flag instead, and a bad
    C2PA manifest (embedded, or the `sidecar` .c2pa bytes) an invalid credential.
    """
    if not data:
        raise Rejected("empty file")
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(f"file too large: {len(data) / 1e6:.0f} MB")
    fmt = sniff_format(data[:SNIFF_BYTES])
    header_size = _header_size(data, fmt)
    if header_size is not None:
        _check_size(*header_size)

    with warnings.catch_warnings():
        # Warnings raised by crafted files are noise to a reviewer, except one: a decompression
        # bomb warning must stop the work, so it is turned into an error.
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = _open(data, fmt, header_size)
        try:
            width, height = image.size
            _check_size(width, height)
            unverified = fmt == "jpeg" and not _jpeg_holds_its_size(data, image)
            thumb, orientation = _thumbnail(image, fmt, len(data))
            thumbnail = _encode_jpeg(thumb)
            phash = to_text(dct_hash(thumb))  # from the decoded thumbnail: no second decode
            exif_block = data if fmt == "tiff" else image.info.get("exif")
            xmp, iptc = embedded_blocks(image)
        finally:
            image.close()
        metadata = read_metadata(exif_block if isinstance(exif_block, bytes) else None, xmp, iptc)
    if unverified:
        metadata = replace(metadata, flags=(*metadata.flags, dimensions_unverified(width, height)))

    if orientation in (5, 6, 7, 8):  # the picture is shown turned by a quarter
        width, height = height, width
    return ParsedImage(
        format=fmt,
        width=width,
        height=height,
        metadata=metadata,
        thumbnail=thumbnail,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        credential=read_credential(data, fmt, sidecar),
        perceptual_hash=phash,
    )


# --- limits --------------------------------------------------------------------------------------


def _check_size(width: int, height: int) -> None:
    """Refuse images without pixels and images too large to decode safely."""
    if width <= 0 or height <= 0:
        raise Rejected(f"invalid image size: {width}x{height}")
    if width * height > MAX_PIXELS:
        raise Rejected(f"image too large: {width}x{height}")


def _too_large(size: tuple[int, int] | None) -> str:
    if size is None:
        return f"image too large: over {MAX_PIXELS // 1_000_000} megapixels"
    return f"image too large: {size[0]}x{size[1]}"


def _header_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """Width and height as the file header states them, read without any decoder.

    None when this reader cannot tell (HEIC, odd layouts): Pillow's own check then applies.
    """
    try:
        if fmt == "jpeg":
            return _jpeg_size(data)
        if fmt == "png":
            return struct.unpack_from(">II", data, 16) if data[12:16] == b"IHDR" else None
        if fmt == "webp":
            return _webp_size(data)
        if fmt == "tiff":
            return _tiff_size(data)
    except struct.error:
        return None
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """Largest frame size among the SOF markers before the image data starts."""
    best: tuple[int, int] | None = None
    for marker, pos, _length in header_segments(data, _JPEG_MAX_STEPS):
        if marker in _JPEG_SOF:
            height, width = struct.unpack_from(">HH", data, pos + 5)
            if best is None or width * height > best[0] * best[1]:
                best = (width, height)
    return best


def _jpeg_holds_its_size(data: bytes, image: Image.Image) -> bool:
    """Whether the scans hold enough bytes to code every 8x8 block the frame header claims.

    libjpeg fills missing data with grey and says nothing, so a 600-byte file with a header of
    10000x10000 decodes "fine". Every block of every component costs at least one bit in a
    Huffman-coded scan (its DC code), so fewer scan bytes than blocks / 8 cannot be the
    picture the header states. Arithmetic coding can go lower; such files are rare and get
    the flag too, which only says the size was not verified.
    """
    width, height = image.size
    layers = getattr(image, "layer", None) or [("", 1, 1, 0)]
    h_max = max(max(int(h), 1) for _, h, _, _ in layers)
    v_max = max(max(int(v), 1) for _, _, v, _ in layers)
    blocks = sum(
        math.ceil(math.ceil(width * max(int(h), 1) / h_max) / 8)
        * math.ceil(math.ceil(height * max(int(v), 1) / v_max) / 8)
        for _, h, v, _ in layers
    )
    needed = blocks // 8
    return len(data) >= needed and _jpeg_scan_bytes(data, needed) >= needed


def _jpeg_scan_bytes(data: bytes, enough: int) -> int:
    """Bytes of entropy-coded data in the file's scans, counted until `enough` is reached.

    Segments between scans and anything after the end-of-image marker do not count, so
    padding cannot make a small picture pass for a large one.
    """
    total = 0
    pos = 2
    for _ in range(_JPEG_MAX_STEPS):
        if total >= enough or pos + 4 > len(data) or data[pos] != 0xFF:
            break
        marker = data[pos + 1]
        if marker == 0xFF:
            pos += 1
            continue
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            pos += 2
            continue
        if marker == 0xD9:
            break
        (length,) = struct.unpack_from(">H", data, pos + 2)
        if length < 2:
            break
        pos += 2 + length
        if marker == 0xDA:
            # Search only as far as still needed: a real photo's first scan settles it.
            limit = min(len(data), pos + enough - total)
            found = _JPEG_MARKER.search(data, pos, limit + 1)
            end = found.start() if found else limit
            total += end - pos
            pos = end
    return total


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X":
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8L" and data[20:21] == b"\x2f":
        bits = int.from_bytes(data[21:25], "little")
        return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    return None


def _tiff_size(data: bytes) -> tuple[int, int] | None:
    """ImageWidth and ImageLength of the first directory (the frame Pillow opens)."""
    order = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack_from(order + "I", data, 4)
    (count,) = struct.unpack_from(order + "H", data, ifd)
    found: dict[int, int] = {}
    for index in range(min(count, _TIFF_MAX_ENTRIES)):
        tag, kind = struct.unpack_from(order + "HH", data, ifd + 2 + 12 * index)
        if tag in (256, 257) and kind in (3, 4):
            fmt = order + ("H" if kind == 3 else "I")
            found[tag] = struct.unpack_from(fmt, data, ifd + 2 + 12 * index + 8)[0]
    if 256 in found and 257 in found:
        return found[256], found[257]
    return None


# --- decoding ------------------------------------------------------------------------------------


def _enable_heic() -> None:
    """Register the HEIF opener, and only when a HEIC file actually arrives."""
    if not heif.enable_heif():
        raise Rejected("HEIC support is not installed")


def _open(data: bytes, fmt: str, header_size: tuple[int, int] | None) -> ImageFile.ImageFile:
    """Open lazily (header only) with the one decoder the magic bytes chose."""
    if fmt == "heic":
        _enable_heic()
    try:
        return Image.open(io.BytesIO(data), formats=[_PIL_FORMATS[fmt]])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Rejected(_too_large(header_size)) from exc
    except MemoryError:
        raise
    except Exception as exc:  # any decoder failure becomes a reason
        raise Rejected(_decoder_reason(fmt, exc)) from exc


def _thumbnail(image: ImageFile.ImageFile, fmt: str, data_len: int) -> tuple[Image.Image, int]:
    """Decode (reduced when the format allows) into an upright RGB thumbnail.

    Returns the thumbnail and the EXIF orientation that was applied to it.
    """
    try:
        if fmt == "jpeg":
            # DCT scaling: libjpeg decodes at 1/2, 1/4 or 1/8 size, so a 12 MP photo never
            # exists at full resolution in memory. Feeding the decoder the whole file in one
            # block spares libjpeg restarting partial rows at every 64 KiB chunk boundary.
            image.draft("RGB", (THUMB_EDGE, THUMB_EDGE))
            image.decodermaxblock = max(image.decodermaxblock, data_len)
        image.load()
        orientation = _orientation(image)
        frame = _resizable(image)
        frame.thumbnail((THUMB_EDGE, THUMB_EDGE))
        frame = _flatten(frame)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise Rejected(_too_large(image.size)) from exc
    except MemoryError:
        raise
    except Exception as exc:  # any decoder failure becomes a reason
        raise Rejected(_decoder_reason(fmt, exc)) from exc
    transpose = _ORIENTATION.get(orientation)
    return (frame.transpose(transpose) if transpose is not None else frame), orientation


def _orientation(image: Image.Image) -> int:
    """EXIF orientation 1-8; 1 when absent or unreadable (a bad tag must not reject)."""
    try:
        value = image.getexif().get(0x0112, 1)
    except Exception:  # noqa: BLE001 - malformed EXIF is the metadata reader's business
        return 1
    return value if isinstance(value, int) and value in range(1, 9) else 1


def _resizable(image: Image.Image) -> Image.Image:
    """The image in a mode Pillow can resample well (8-bit L/LA/RGB/RGBA)."""
    mode = image.mode
    if "transparency" in image.info and mode in ("P", "L", "RGB"):
        return image.convert("RGBA")
    if mode in ("L", "LA", "RGB", "RGBA"):
        return image
    if mode == "P":
        return image.convert("RGB")
    if mode in ("PA", "RGBa", "La"):
        return image.convert("RGBA")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I") or mode == "F":
        return _to_8bit(image)
    return image.convert("RGB")  # CMYK, YCbCr, LAB, HSV, RGBX...


def _to_8bit(image: Image.Image) -> Image.Image:
    """16/32-bit and float grey as 8-bit grey, scaled rather than clipped to white."""
    if image.mode.startswith("I;16"):
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    work = image if image.mode in ("I", "F") else image.convert("I")
    low, high = _extrema(work)
    if image.mode == "F" and low >= 0 and high <= 1:
        low, high = 0.0, 1.0
    elif image.mode == "I" and low >= 0 and high <= 255:
        return work.convert("L")
    scale = 255 / (high - low) if high > low else 1.0
    return work.point(lambda value: value * scale - low * scale).convert("L")


def _extrema(image: Image.Image) -> tuple[float, float]:
    """(lowest, highest) value of a one-band image (Pillow's type also covers several bands)."""
    low, high = image.getextrema()
    if isinstance(low, tuple) or isinstance(high, tuple):
        raise ValueError(f"{image.mode} image has more than one band")
    return low, high


def _flatten(frame: Image.Image) -> Image.Image:
    """RGB for JPEG: transparent areas become white, as a viewer shows them on paper."""
    if frame.mode in ("RGBA", "LA"):
        rgba = frame.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return frame if frame.mode == "RGB" else frame.convert("RGB")


def _encode_jpeg(frame: Image.Image) -> bytes:
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.getvalue()


def _decoder_reason(fmt: str, exc: BaseException) -> str:
    """A decoder exception as a reviewer-facing reason, with at most a short cleaned hint."""
    label = _LABELS[fmt]
    message = str(exc).lower()
    if isinstance(exc, EOFError) or any(hint in message for hint in _TRUNCATION_HINTS):
        return f"truncated {label}"
    hint = _hint(exc)
    return f"truncated or corrupt {label}" + (f" ({hint})" if hint else "")


def _hint(exc: BaseException) -> str:
    """The decoder's own words when they are plain words: no reprs, addresses or paths."""
    if isinstance(exc, UnidentifiedImageError):
        return "header unreadable"
    # Keep the leading phrase only ("broken PNG file (chunk b'...')" -> "broken PNG file").
    text = clean_text(re.split(r"[(\[<:'\"/\\]", str(exc), maxsplit=1)[0], 60).rstrip(" .,;-")
    return text if re.fullmatch(r"[A-Za-z][A-Za-z0-9 ,.-]*", text) else ""
