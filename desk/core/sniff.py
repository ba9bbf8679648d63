"""Which allow-listed image or video format a file is, decided by its first bytes only.

File names and extensions are chosen by whoever sent the file, so they are ignored. Anything
that is not one of the five accepted still formats is refused before a parser runs, and when the
content is recognizable the reason says what it looks like, so a reviewer knows that
"photo.jpg" was really a PDF or a program. `sniff_video` names the accepted video containers
(MP4/MOV/M4V/3GP, WebM/Matroska, AVI, MPEG-TS) the same way; a still stays a still.
"""

from __future__ import annotations

import struct

from desk.core.errors import Rejected

#: How many leading bytes `sniff_format` looks at (PDF and SVG markers may sit a little later).
SNIFF_BYTES = 1024

#: Brands of the HEIF family that carry HEVC-coded stills (what phones write as .heic).
_HEIC_BRANDS = frozenset({b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs"})
#: Generic HEIF brands: HEIC only when a HEIC brand is also listed.
_HEIF_GENERIC = frozenset({b"mif1", b"msf1", b"mif2", b"miaf"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_VIDEO_BRANDS = frozenset(
    {
        b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"mp71",
        b"qt  ", b"M4V ", b"M4VH", b"M4VP", b"avc1", b"dash", b"3gp4", b"3gp5", b"3gp6",
        b"3g2a", b"f4v ", b"MSNV", b"XAVC", b"mmp4",
    }
)  # fmt: skip

#: Other recognizable content, checked in order: (magic at offset 0, reason).
_KNOWN_PREFIXES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "not an image: looks like a PDF"),
    (b"%!PS", "not an image: looks like PostScript/EPS"),
    (b"\xc5\xd0\xd3\xc6", "not an image: looks like PostScript/EPS"),
    (b"PK\x03\x04", "not an image: looks like a ZIP archive"),
    (b"PK\x05\x06", "not an image: looks like a ZIP archive"),
    (b"PK\x07\x08", "not an image: looks like a ZIP archive"),
    (b"GIF87a", "unsupported format: GIF"),
    (b"GIF89a", "unsupported format: GIF"),
    (b"\x7fELF", "not an image: looks like a program (ELF executable)"),
    (b"MZ", "not an image: looks like a Windows program"),
    (b"\xcf\xfa\xed\xfe", "not an image: looks like a macOS program"),
    (b"\xce\xfa\xed\xfe", "not an image: looks like a macOS program"),
    (b"\xfe\xed\xfa\xcf", "not an image: looks like a macOS program"),
    (b"\xfe\xed\xfa\xce", "not an image: looks like a macOS program"),
    (b"#!", "not an image: looks like a script"),
    (b"\x1a\x45\xdf\xa3", "not a still image: looks like a video"),  # Matroska / WebM
    (b"\x00\x00\x01\xba", "not a still image: looks like a video"),  # MPEG program stream
    (b"\x1f\x8b", "not an image: looks like a compressed archive (gzip)"),
    (b"7z\xbc\xaf\x27\x1c", "not an image: looks like a compressed archive (7-Zip)"),
    (b"Rar!\x1a\x07", "not an image: looks like a compressed archive (RAR)"),
    (b"8BPS", "unsupported format: Photoshop document"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "unsupported format: JPEG 2000"),
    (b"\xff\x4f\xff\x51", "unsupported format: JPEG 2000"),
    (b"\xff\x0a", "unsupported format: JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "unsupported format: JPEG XL"),
    (b"\x00\x00\x01\x00", "unsupported format: icon (ICO)"),
    (b"II+\x00", "unsupported format: BigTIFF"),
    (b"MM\x00+", "unsupported format: BigTIFF"),
)

_HTML = "not an image: looks like a web page (HTML)"
_TEXT_MARKERS: tuple[tuple[bytes, str], ...] = (
    (b"<!doctype html", _HTML),
    (b"<html", _HTML),
    (b"<svg", "not an image: looks like an SVG drawing (vector graphics are not accepted)"),
    (b"<?xml", "not an image: looks like an XML document"),
    (b"<head", _HTML),
    (b"<body", _HTML),
    (b"<script", _HTML),
)


def sniff_format(head: bytes) -> str:
    """Return "jpeg", "png", "webp", "tiff" or "heic" for the file starting with `head`.

    `head` should be the first `SNIFF_BYTES` bytes (fewer is fine for a short file).
    Raises `Rejected` with a plain reason for anything else.
    """
    if not head:
        raise Rejected("empty file")
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head[4:8] == b"ftyp":
        return _sniff_iso_media(head)
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        raise Rejected("not a still image: looks like a video")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        raise Rejected("not an image: looks like audio (WAV)")
    if head[:2] == b"BM" and len(head) >= 18:
        (dib_size,) = struct.unpack_from("<I", head, 14)
        if dib_size in (12, 16, 40, 52, 56, 64, 108, 124):
            raise Rejected("unsupported format: BMP")
    for magic, reason in _KNOWN_PREFIXES:
        if head.startswith(magic):
            raise Rejected(reason)
    if b"%PDF-" in head[:SNIFF_BYTES]:  # the PDF header may follow a little junk
        raise Rejected("not an image: looks like a PDF")
    as_text = _sniff_text(head[:SNIFF_BYTES])
    raise Rejected(as_text or "not an image: unrecognized content")


def _brands(head: bytes) -> tuple[bytes, set[bytes]]:
    """Major brand and the set of all brands of an ISO-BMFF `ftyp` box at offset 0."""
    (size,) = struct.unpack_from(">I", head, 0)
    major = head[8:12]
    end = min(max(size, 16), len(head), 256)
    brands = {major}
    brands.update(head[i : i + 4] for i in range(16, end - 3, 4))
    return major, brands


def _sniff_iso_media(head: bytes) -> str:
    """HEIC stills pass; AVIF, video and other ISO media are refused with a reason."""
    if len(head) < 12:
        raise Rejected("not an image: unrecognized content")
    major, brands = _brands(head)
    if major in _HEIC_BRANDS or (major in _HEIF_GENERIC and brands & _HEIC_BRANDS):
        return "heic"
    if major in _AVIF_BRANDS or brands & _AVIF_BRANDS:
        raise Rejected("unsupported format: AVIF")
    if major == b"crx ":
        raise Rejected("unsupported format: Canon CR3 raw")
    if major in _VIDEO_BRANDS or brands & _VIDEO_BRANDS:
        raise Rejected("not a still image: looks like a video")
    if major in _HEIF_GENERIC:
        raise Rejected("unsupported format: HEIF without HEIC content")
    raise Rejected("not an image: unrecognized content")


def _sniff_text(head: bytes) -> str | None:
    """Name markup documents (HTML, SVG, XML) that were saved under an image name."""
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if not text.startswith(b"<"):
        return None
    for marker, reason in _TEXT_MARKERS:
        if text.startswith(marker) or (marker == b"<svg" and marker in text):
            return reason
    return "not an image: looks like a text document (markup)"


# --- video containers ----------------------------------------------------------------------------

#: Containers desk reads footage from, as `sniff_video` names them -> how a reviewer writes them.
VIDEO_LABELS: dict[str, str] = {
    "mp4": "MP4",
    "mov": "MOV",
    "m4v": "M4V",
    "3gp": "3GP",
    "webm": "WebM",
    "mkv": "MKV",
    "avi": "AVI",
    "mpegts": "MPEG-TS",
}
#: Brands that make an ISO-BMFF file one of the named containers; other video brands are "mp4".
_BRAND_CONTAINERS: dict[bytes, str] = {
    b"qt  ": "mov",
    b"M4V ": "m4v", b"M4VH": "m4v", b"M4VP": "m4v",
    b"3gp4": "3gp", b"3gp5": "3gp", b"3gp6": "3gp", b"3gp7": "3gp", b"3gp8": "3gp",
    b"3gp9": "3gp", b"3gg6": "3gp", b"3g2a": "3gp", b"3g2b": "3gp", b"3g2c": "3gp",
}  # fmt: skip
#: MP4 brands of audio files: still an MP4 container, refused later for having no video stream.
_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B "})
#: Atoms an old QuickTime file (written before `ftyp` existed) may start with.
_QUICKTIME_ATOMS = frozenset({b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"})
#: MPEG transport stream packets: 188 bytes (broadcast, .ts), or 192 with a 4-byte timestamp
#: before each (Blu-ray and AVCHD camcorders, .m2ts/.mts).
_TS_LAYOUTS = ((188, 0), (192, 4))
#: Sync bytes a transport stream must show in a row before it is taken for one.
_TS_SYNCS = 3
#: Video containers desk does not read, by their magic, with the reason a reviewer sees.
_OTHER_VIDEO: tuple[tuple[bytes, str], ...] = (
    (b"FLV\x01", "unsupported video format: Flash video (FLV)"),
    (b"\x00\x00\x01\xba", "unsupported video format: MPEG program stream"),
    (b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "unsupported video format: Windows Media (ASF/WMV)"),
    (b".RMF", "unsupported video format: RealMedia"),
)


def sniff_video(head: bytes) -> str | None:
    """The video container the file starting with `head` is ("mp4", "mov", "m4v", "3gp",
    "webm", "mkv", "avi" or "mpegts"), or None when it is not one desk reads.

    Only the container is judged: whether it holds a playable video stream is the probe's
    business (`desk.core.video_probe`). HEIC stills (ISO media too) are not videos.
    """
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return _iso_video(head)
    if len(head) >= 8 and head[4:8] in _QUICKTIME_ATOMS and _plausible_atom(head):
        return "mov"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm" if ebml_doctype(head) == "webm" else "mkv"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if _is_transport_stream(head):
        return "mpegts"
    return None


def video_refusal(head: bytes) -> str:
    """Why a file `sniff_video` did not take is not a video desk reads, in plain words."""
    if not head:
        return "empty file"
    for magic, reason in _OTHER_VIDEO:
        if head.startswith(magic):
            return reason
    try:
        fmt = sniff_format(head)
    except Rejected as exc:
        reason = exc.reason
        if reason.startswith("not an image: "):
            return "not a video: " + reason.removeprefix("not an image: ")
        if reason == "not a still image: looks like a video":
            return "unsupported video format"
        return reason.replace("unsupported format", "not a video", 1)
    return f"not a video: a still image ({fmt.upper()})"


def _iso_video(head: bytes) -> str | None:
    """MP4-family container named by its brands; None for HEIC, AVIF and other still brands."""
    major, brands = _brands(head)
    if major in _HEIC_BRANDS or (major in _HEIF_GENERIC and brands & _HEIC_BRANDS):
        return None
    if major in _AVIF_BRANDS or major == b"crx ":
        return None
    known = _VIDEO_BRANDS | _AUDIO_BRANDS
    if major in _BRAND_CONTAINERS:
        return _BRAND_CONTAINERS[major]
    if major in known:
        return "mp4"
    named = sorted(b for b in brands if b in _BRAND_CONTAINERS)  # the major brand is unknown
    if named:
        return _BRAND_CONTAINERS[named[0]]
    return "mp4" if brands & known else None


def _plausible_atom(head: bytes) -> bool:
    """A first atom's size is at least its own header (1: a 64-bit size follows)."""
    size = int(struct.unpack_from(">I", head, 0)[0])
    return size == 1 or size >= 8


def ebml_doctype(head: bytes) -> str | None:
    """The DocType ("webm", "matroska") of the EBML header at the start of `head`, if readable."""
    header_size = _ebml_vint(head, 4)
    if header_size is None:
        return None
    pos = 4 + header_size[1]
    end = min(len(head), pos + header_size[0])
    while pos + 2 < end:
        element = _ebml_id(head, pos)
        if element is None:
            return None
        ident, id_len = element
        size = _ebml_vint(head, pos + id_len)
        if size is None:
            return None
        start = pos + id_len + size[1]
        if ident == 0x4282:  # DocType
            return head[start : start + size[0]].rstrip(b"\x00").decode("ascii", "replace")
        pos = start + size[0]
    return None


def _ebml_id(data: bytes, pos: int) -> tuple[int, int] | None:
    """An EBML element id at `pos` (its marker bits kept, as the specification writes ids)."""
    if pos >= len(data) or data[pos] == 0:
        return None
    length = 8 - data[pos].bit_length() + 1
    if length > 4 or pos + length > len(data):
        return None
    return int.from_bytes(data[pos : pos + length], "big"), length


def _ebml_vint(data: bytes, pos: int) -> tuple[int, int] | None:
    """An EBML variable-size integer at `pos`: (value, bytes it took); None if unreadable."""
    if pos >= len(data) or data[pos] == 0:
        return None
    length = 8 - data[pos].bit_length() + 1
    if pos + length > len(data):
        return None
    value = int.from_bytes(data[pos : pos + length], "big") & ((1 << (7 * length)) - 1)
    return value, length


def _is_transport_stream(head: bytes) -> bool:
    """0x47 sync bytes at every packet start, for at least `_TS_SYNCS` packets in a row."""
    for size, offset in _TS_LAYOUTS:
        starts = range(offset, len(head), size)
        if len(starts) >= _TS_SYNCS and all(head[i] == 0x47 for i in starts):
            return True
    return False
