"""Opening an untrusted video file: its container judged by content, checked, then handed to
FFmpeg's one demuxer for that container.

FFmpeg guesses formats by trying dozens of demuxers, some of which follow references out of
the file (playlists, concatenation lists, QuickTime data references): a crafted "video" could
make the reader open other files or hosts. So the container is named by its magic bytes
(`desk.core.sniff.sniff_video`), exactly that demuxer is used, only the `file` protocol is
allowed and QuickTime data references stay off. Before FFmpeg parses anything, a cheap walk
over the container's outer structure gives the reasons a reviewer can act on ("truncated MP4:
no moov atom", "MKV nested too deeply") instead of FFmpeg's "invalid data".

This runs inside a video worker (`desk.core.video_isolation`); nothing here trusts the file.
"""

from __future__ import annotations

import contextlib
import io
import os
import struct
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, BinaryIO

from desk.core.errors import Rejected
from desk.core.limits import MAX_EBML_DEPTH, MAX_VIDEO_BYTES, MAX_VIDEO_EDGE, MAX_VIDEO_PIXELS
from desk.core.sniff import SNIFF_BYTES, VIDEO_LABELS, sniff_video, video_refusal

if TYPE_CHECKING:
    from av.container import InputContainer

#: A video to read: a path, or a picklable callable opening it as a binary file (the case's
#: chunked originals are read through such a callable, never written out whole).
VideoSource = str | os.PathLike[str] | Callable[[], BinaryIO]

#: Our container name -> FFmpeg's demuxer for it (the only one allowed to read the file).
DEMUXERS: dict[str, str] = {
    "mp4": "mov", "mov": "mov", "m4v": "mov", "3gp": "mov",
    "webm": "matroska", "mkv": "matroska",
    "avi": "avi",
    "mpegts": "mpegts",
}  # fmt: skip
#: Options every video is opened with: only plain files, no external data references, no
#: attempt to read metadata from ID3 tags or other formats embedded in the stream.
_OPEN_OPTIONS = {"protocol_whitelist": "file", "enable_drefs": "0", "use_absolute_path": "0"}
#: Read-ahead of the Python-side file reader PyAV calls into (large reads, few callbacks).
_BUFFER_BYTES = 1024 * 1024

#: Most top-level MP4 boxes walked; a real file has a handful (ftyp, moov, mdat, free...).
_MAX_BOXES = 100_000
#: Most bytes of one Matroska metadata element (Tracks, Tags, Chapters...) read to walk it.
_MAX_EBML_READ = 32 * 1024 * 1024
#: Most elements walked in one Matroska file's metadata.
_MAX_EBML_ELEMENTS = 500_000

# Matroska element ids (as the specification writes them, marker bits kept).
_SEGMENT = 0x18538067
_CLUSTER = 0x1F43B675
_CUES = 0x1C53BB6B
_ATTACHMENTS = 0x1941A469
#: Master elements FFmpeg's Matroska reader descends into (the recursive ones included:
#: ChapterAtom and SimpleTag may hold themselves), so nesting is measured where it is parsed.
_EBML_MASTERS = frozenset({
    0x114D9B74, 0x4DBB,  # SeekHead, Seek
    0x1549A966, 0x6924,  # Info, ChapterTranslate
    0x1654AE6B, 0xAE, 0xE0, 0xE1, 0x55B0, 0x55D0, 0x7670, 0xE2, 0xE3, 0xE4, 0xE9,
    0x6D80, 0x6240, 0x5034, 0x5035, 0x47E7, 0x6624, 0x41E4,  # Tracks and what they hold
    0x1043A770, 0x45B9, 0xB6, 0x8F, 0x80, 0x6944, 0x6911, 0x4520,  # Chapters
    0x1254C367, 0x7373, 0x63C0, 0x67C8,  # Tags, Tag, Targets, SimpleTag
})  # fmt: skip
_UNKNOWN_SIZE = -1
#: PixelWidth <-> PixelHeight and DisplayWidth <-> DisplayHeight (a width's id is the smaller).
_PIXEL_SIZES = {0xB0: 0xBA, 0xBA: 0xB0, 0x54B0: 0x54BA, 0x54BA: 0x54B0}


class Heartbeat:
    """Calls `progress(count)` about once a second while long work goes on (each `beat()` is
    one packet or frame), so the worker's time limit bounds a stall, not a big file."""

    def __init__(self, progress: Callable[[int], None] | None, every_s: float = 1.0) -> None:
        self._progress = progress
        self._every = every_s
        self._last = time.monotonic()
        self.count = 0

    def beat(self) -> None:
        self.count += 1
        if self._progress is not None and time.monotonic() - self._last >= self._every:
            self._last = time.monotonic()
            self._progress(self.count)


@dataclass(frozen=True)
class Opened:
    """An open container and what desk knows of the file before FFmpeg read it."""

    container: InputContainer
    kind: str
    size: int

    @property
    def label(self) -> str:
        return VIDEO_LABELS[self.kind]


def open_binary(source: VideoSource) -> BinaryIO:
    """The source as a readable, seekable binary file."""
    if callable(source):
        return source()
    return open(os.fspath(source), "rb")  # the caller closes it


@contextlib.contextmanager
def open_video(source: VideoSource) -> Iterator[Opened]:
    """Sniff, check the outer structure, and open the container with its one demuxer.

    Raises `Rejected` with a reviewer's reason for anything desk does not read.
    """
    import av

    av.logging.set_level(None)  # FFmpeg's complaints about crafted files are noise here
    try:
        handle = open_binary(source)
    except OSError as exc:
        raise Rejected(f"the file could not be read ({exc.strerror or type(exc).__name__})"
                       ) from exc
    with handle:
        size = _size_of(handle)
        if size == 0:
            raise Rejected("empty file")
        if size > MAX_VIDEO_BYTES:
            raise Rejected(f"file too large: {size / 1e9:.1f} GB")
        head = handle.read(SNIFF_BYTES)
        kind = sniff_video(head)
        if kind is None:
            raise Rejected(video_refusal(head))
        check_structure(handle, kind, size)
        handle.seek(0)
        try:
            container = av.open(handle, "r", format=DEMUXERS[kind], options=_OPEN_OPTIONS,
                                buffer_size=_BUFFER_BYTES)
        except av.FFmpegError as exc:
            raise Rejected(ffmpeg_reason(VIDEO_LABELS[kind], exc)) from exc
        try:
            yield Opened(container, kind, size)
        finally:
            container.close()


def _size_of(handle: BinaryIO) -> int:
    try:
        return os.fstat(handle.fileno()).st_size
    except (OSError, AttributeError, io.UnsupportedOperation):
        end = handle.seek(0, os.SEEK_END)
        handle.seek(0)
        return end


def ffmpeg_reason(label: str, exc: BaseException) -> str:
    """An FFmpeg failure as a reason: what kind of failure, never its raw message (which may
    quote the file)."""
    import av

    if isinstance(exc, EOFError):
        if label == "MPEG-TS":  # a stream without an end: nothing readable before the end
            return "no video stream (no readable program in the MPEG-TS)"
        return f"truncated {label}"
    if isinstance(exc, av.error.InvalidDataError):
        return f"corrupt {label}: FFmpeg could not read its structure"
    if isinstance(exc, av.error.PatchWelcomeError | av.error.NotImplementedError):
        return f"{label} uses features FFmpeg does not read"
    if isinstance(exc, MemoryError | av.error.MemoryError):
        return f"{label} needs more memory than allowed to read"
    return f"unreadable {label} ({type(exc).__name__})"


# --- outer structure -----------------------------------------------------------------------------


def check_structure(handle: BinaryIO, kind: str, size: int) -> None:
    """Refuse containers whose outer structure is cut off or impossible, with a reason."""
    label = VIDEO_LABELS[kind]
    if DEMUXERS[kind] == "mov":
        _check_boxes(handle, size, label)
    elif DEMUXERS[kind] == "matroska":
        _check_ebml(handle, size, label)
    elif kind == "avi":
        _check_riff(handle, size)


def _read_at(handle: BinaryIO, pos: int, count: int) -> bytes:
    handle.seek(pos)
    return handle.read(count)


def _check_boxes(handle: BinaryIO, size: int, label: str) -> None:
    """Walk the top-level ISO-BMFF boxes: each within the file, and a `moov` among them."""
    pos = 0
    seen: set[bytes] = set()
    for _ in range(_MAX_BOXES):
        if pos >= size:
            break
        header = _read_at(handle, pos, 16)
        if len(header) < 8:
            raise Rejected(f"truncated {label}: the file ends inside a box header")
        box_size, kind = struct.unpack_from(">I4s", header)
        header_len = 8
        if box_size == 1:
            if len(header) < 16:
                raise Rejected(f"truncated {label}: the file ends inside a box header")
            (box_size,) = struct.unpack_from(">Q", header, 8)
            header_len = 16
        elif box_size == 0:
            box_size = size - pos  # "to the end of the file"
        name = kind.decode("latin-1")
        if not all(32 <= c < 127 for c in kind) or box_size < header_len:
            if b"moov" in seen:
                break  # trailing junk after a complete file: FFmpeg stops at the boxes it needs
            raise Rejected(f"corrupt {label}: unreadable box at byte {pos:,}")
        if pos + box_size > size:
            missing = pos + box_size - size
            if b"moov" not in seen and kind != b"moov":
                raise Rejected(f"truncated {label}: no moov atom (the file ends {missing:,}"
                               f" bytes before its '{name}' box does)")
            raise Rejected(f"truncated {label}: the file ends {missing:,} bytes before its"
                           f" '{name}' box does")
        seen.add(kind)
        pos += box_size
    if b"moov" not in seen:
        raise Rejected(f"truncated {label}: no moov atom")


def _check_stated_size(width: int, height: int, label: str) -> None:
    """A picture size the container states: FFmpeg replaces it by the decoded one, so an
    absurd claim would pass unseen; no honest file states more than it holds."""
    if width > MAX_VIDEO_EDGE or height > MAX_VIDEO_EDGE or width * height > MAX_VIDEO_PIXELS:
        raise Rejected(f"frame too large: {width}x{height} (as the {label} states it)")


def _check_riff(handle: BinaryIO, size: int) -> None:
    head = _read_at(handle, 0, 256)
    (riff_size,) = struct.unpack_from("<I", head, 4)
    if riff_size + 8 > size:
        missing = riff_size + 8 - size
        raise Rejected(f"truncated AVI: the file ends {missing:,} bytes before its RIFF"
                       " chunk does")
    main_header = head.find(b"avih")
    if main_header >= 0 and main_header + 48 <= len(head):
        width, height = struct.unpack_from("<II", head, main_header + 8 + 32)
        _check_stated_size(width, height, "AVI")


def _element(data: bytes | BinaryIO, pos: int, end: int) -> tuple[int, int, int] | None:
    """(id, data start, data size or _UNKNOWN_SIZE) of the EBML element at `pos`."""
    head = data[pos : min(end, pos + 12)] if isinstance(data, bytes) else _read_at(data, pos, 12)
    if len(head) < 2 or head[0] == 0:
        return None
    id_len = 9 - head[0].bit_length()
    if id_len > 4 or id_len >= len(head) or head[id_len] == 0:
        return None
    ident = int.from_bytes(head[:id_len], "big")
    size_len = 9 - head[id_len].bit_length()
    if id_len + size_len > len(head):
        return None
    raw = int.from_bytes(head[id_len : id_len + size_len], "big")
    value = raw & ((1 << (7 * size_len)) - 1)
    unknown = value == (1 << (7 * size_len)) - 1
    return ident, pos + id_len + size_len, _UNKNOWN_SIZE if unknown else value


def _check_ebml(handle: BinaryIO, size: int, label: str) -> None:
    """Walk a Matroska/WebM file's segment: its size against the file, and the nesting depth of
    every metadata element (clusters, cues and attachments are skipped by their sizes)."""
    header = _element(handle, 0, size)
    if header is None or header[2] == _UNKNOWN_SIZE:
        raise Rejected(f"corrupt {label}: unreadable EBML header")
    pos = header[1] + header[2]
    segment = _element(handle, pos, size)
    if segment is None or segment[0] != _SEGMENT:
        raise Rejected(f"corrupt {label}: no segment after the EBML header")
    start, length = segment[1], segment[2]
    end = size if length == _UNKNOWN_SIZE else start + length
    if end > size:
        raise Rejected(f"truncated {label}: the file ends {end - size:,} bytes before its"
                       " segment does")
    budget = [_MAX_EBML_ELEMENTS]
    pos = start
    while pos < end and budget[0] > 0:
        child = _element(handle, pos, end)
        if child is None:
            return  # damage inside the segment: FFmpeg resynchronises on clusters
        ident, data_start, data_size = child
        budget[0] -= 1
        if data_size == _UNKNOWN_SIZE:
            if ident in _EBML_MASTERS:
                raise Rejected(f"corrupt {label}: a metadata element of unknown size")
            return  # a live recording's open cluster: nothing after it can be skipped to
        if data_start + data_size > end:
            return  # the last element cut short: FFmpeg reads what is there
        if ident in _EBML_MASTERS and data_size <= _MAX_EBML_READ:
            data = _read_at(handle, data_start, data_size)
            _check_nesting(data, label, budget)
        pos = data_start + data_size


def _check_nesting(data: bytes, label: str, budget: list[int]) -> None:
    """Depth of the master elements inside one segment child (itself at depth 2), and the
    picture sizes its tracks state."""
    stack: list[tuple[int, int]] = [(0, len(data))]  # (position, end) per open level
    sizes: dict[int, int] = {}
    while stack and budget[0] > 0:
        pos, end = stack[-1]
        if pos >= end:
            stack.pop()
            continue
        child = _element(data, pos, end)
        if child is None:
            raise Rejected(f"corrupt {label}: unreadable element in its metadata")
        ident, data_start, data_size = child
        budget[0] -= 1
        if data_size == _UNKNOWN_SIZE or data_start + data_size > end:
            raise Rejected(f"corrupt {label}: an element runs past the one holding it")
        stack[-1] = (data_start + data_size, end)
        if ident in _PIXEL_SIZES and data_size <= 8:
            sizes[ident] = int.from_bytes(data[data_start : data_start + data_size], "big")
            partner = _PIXEL_SIZES[ident]
            if partner in sizes:  # a width and its height, checked as a pair
                width, height = sorted((ident, partner))
                _check_stated_size(sizes[width], sizes[height], label)
                del sizes[ident], sizes[partner]
        if ident in _EBML_MASTERS:
            if len(stack) + 2 > MAX_EBML_DEPTH:
                raise Rejected(f"{label} nested too deeply (more than {MAX_EBML_DEPTH}"
                               " levels of elements)")
            stack.append((data_start, data_start + data_size))
