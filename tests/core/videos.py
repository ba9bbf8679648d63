"""Videos made in the tests with PyAV (its encoders are a test-time tool; desk never encodes),
and hostile containers built byte by byte.

Pictures are drawn from integer arithmetic only (no Pillow noise, which follows C's rand()),
so every run makes the same clip and the same frame hashes.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

import av
from PIL import Image, ImageDraw

#: Colours of the shots of a clip with scene changes (one per shot, each far from the one
#: before in brightness, which is what the scene score compares).
SHOT_COLOURS = ((235, 235, 235), (20, 20, 20), (40, 60, 210), (230, 220, 40), (120, 120, 120))


def picture(index: int, size: tuple[int, int], *, shots: int = 0, fps: int = 25) -> Image.Image:
    """Frame `index` of a test clip: a moving box over a background; with `shots`, the
    background changes every second (a cut at each whole second)."""
    width, height = size
    shot = (index // fps) % len(SHOT_COLOURS) if shots else 0
    base = SHOT_COLOURS[shot] if shots else ((index * 7) % 256, (index * 13) % 256, 100)
    image = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(image)
    x = (index * 3) % max(1, width - 24)
    draw.rectangle([x, height // 4, x + 20, height // 4 + 20], fill=(255, 255, 255))
    draw.text((4, height - 14), f"{index:04d}", fill=(0, 0, 0))
    for k in range(0, width, 16):  # a fixed texture, so the encoder has detail to keep
        draw.line([k, 0, k + index % 16, height // 8], fill=((k * 5) % 256, 80, 160))
    return image


def make_clip(
    path: Path,
    *,
    codec: str = "libx264",
    fmt: str | None = None,
    size: tuple[int, int] = (160, 120),
    fps: int = 25,
    seconds: float = 2.0,
    gop: int | None = None,
    bframes: int | None = None,
    metadata: Mapping[str, str] | None = None,
    stream_metadata: Mapping[str, str] | None = None,
    rotation: float | None = None,
    container_options: Mapping[str, str] | None = None,
    codec_options: Mapping[str, str] | None = None,
    pix_fmt: str = "yuv420p",
    shots: int = 0,
    pts_of: list[int] | None = None,
) -> Path:
    """Encode a small clip; `pts_of` gives each frame's pts (in 1/fps) for uneven timing."""
    options = dict(codec_options or {})
    if gop is not None:
        options["g"] = str(gop)
    if bframes is not None:
        options["bf"] = str(bframes)
    if codec == "libx264":
        options.setdefault("preset", "veryfast")
    container = av.open(str(path), "w", format=fmt, options=dict(container_options or {}))
    try:
        if metadata:
            container.metadata.update(metadata)
        stream = container.add_stream(codec, rate=fps, options=options)
        stream.width, stream.height = size
        stream.pix_fmt = pix_fmt
        if pts_of is not None:
            stream.codec_context.time_base = Fraction(1, fps * 4)
        if stream_metadata:
            stream.metadata.update(stream_metadata)
        if rotation is not None:
            stream.set_display_rotation(rotation)
        count = round(fps * seconds) if pts_of is None else len(pts_of)
        for index in range(count):
            frame = av.VideoFrame.from_image(picture(index, size, shots=shots, fps=fps))
            frame.pts = index if pts_of is None else pts_of[index] * 4
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return path


def padded_clip(path: Path, size: int, **options: object) -> Path:
    """A small clip grown to `size` bytes by a trailing MP4 `free` box (a 64-bit size, then
    a hole: the file is sparse, so making a 4.5 GB one costs no disk): a valid video as large
    as a test needs."""
    make_clip(path, **options)  # type: ignore[arg-type]
    with path.open("r+b") as fh:
        end = fh.seek(0, 2)
        fh.write(struct.pack(">I4sQ", 1, b"free", size - end))
        fh.truncate(size)
    return path


def decode_all(path: Path) -> list[tuple[int, str, bytes]]:
    """Every frame decoded from the start with plain PyAV: (pts, SHA-256 of the frame as
    FFmpeg's rawvideo encoder packs it, RGB24 bytes). The independent reference the tests
    compare desk's frames with."""
    out: list[tuple[int, str, bytes]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            raw = av.CodecContext.create("rawvideo", "w")
            raw.width, raw.height = frame.width, frame.height
            raw.pix_fmt = frame.format.name
            raw.time_base = frame.time_base or Fraction(1, 25)
            packed = b"".join(bytes(p) for p in raw.encode(frame))  # type: ignore[attr-defined]
            rgb = frame.to_image().tobytes()
            out.append((frame.pts or 0, hashlib.sha256(packed).hexdigest(), rgb))
    return out


def framehash_lines(path: Path) -> list[str]:
    """The per-frame SHA-256 FFmpeg's own `framehash` muxer prints for the video stream (what
    `ffmpeg -f framehash -hash sha256` shows a reader), made in process with PyAV."""
    out = path.with_suffix(".framehash")
    with av.open(str(path)) as source, av.open(str(out), "w", format="framehash",
                                               options={"hash": "sha256"}) as sink:
        video = source.streams.video[0]
        stream = sink.add_stream("rawvideo", rate=video.average_rate or 25)
        stream.width, stream.height = video.codec_context.width, video.codec_context.height
        stream.pix_fmt = video.codec_context.pix_fmt or "yuv420p"
        for frame in source.decode(video):
            frame.pts = None
            for packet in stream.encode(frame):
                sink.mux(packet)
        for packet in stream.encode():
            sink.mux(packet)
    lines = out.read_text().splitlines()
    return [line.rsplit(",", 1)[1].strip() for line in lines if line and not line.startswith("#")]


# --- MP4 boxes -----------------------------------------------------------------------------------


def boxes(data: bytes, start: int = 0, end: int | None = None) -> list[tuple[bytes, int, int]]:
    """(type, offset, size) of the boxes between `start` and `end`."""
    end = len(data) if end is None else end
    found = []
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, pos)
        if size == 1:
            (size,) = struct.unpack_from(">Q", data, pos + 8)
        if size < 8:
            break
        found.append((kind, pos, size))
        pos += size
    return found


#: Containers whose children are boxes right after their header.
_MP4_PARENTS = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


def find_box(data: bytes, path: tuple[bytes, ...]) -> tuple[int, int]:
    """(offset, size) of the box at `path` (e.g. moov/trak/mdia/minf/stbl/stsz)."""
    start, end = 0, len(data)
    offset = size = 0
    for name in path:
        match = next((b for b in boxes(data, start, end) if b[0] == name), None)
        if match is None:
            raise KeyError(name)
        _, offset, size = match
        start, end = offset + 8, offset + size
    return offset, size


# --- Matroska elements ---------------------------------------------------------------------------


def ebml_size(value: int) -> bytes:
    """An EBML data size as a variable-length integer (the shortest that holds it)."""
    for length in range(1, 9):
        if value < (1 << (7 * length)) - 1:
            return ((1 << (7 * length)) | value).to_bytes(length, "big")
    raise ValueError(value)


def element(ident: int, payload: bytes) -> bytes:
    return ident.to_bytes((ident.bit_length() + 7) // 8, "big") + ebml_size(len(payload)) \
        + payload


def uint(ident: int, value: int) -> bytes:
    return element(ident, value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big"))


def matroska(
    *,
    width: int = 160,
    height: int = 120,
    codec_id: bytes = b"V_VP9",
    frames: list[bytes] | None = None,
    tags: bytes = b"",
    doctype: bytes = b"webm",
) -> bytes:
    """A minimal Matroska file: one video track (`codec_id`, the stated pixel size) and one
    cluster holding `frames` as SimpleBlocks 40 ms apart."""
    header = element(0x1A45DFA3, uint(0x4286, 1) + uint(0x42F7, 1) + uint(0x42F2, 4)
                     + uint(0x42F3, 8) + element(0x4282, doctype) + uint(0x4287, 4)
                     + uint(0x4285, 2))
    info = element(0x1549A966, uint(0x2AD7B1, 1_000_000) + element(0x4D80, b"desk-tests")
                   + element(0x5741, b"desk-tests"))
    video = element(0xE0, uint(0xB0, width) + uint(0xBA, height))
    track = element(0xAE, uint(0xD7, 1) + uint(0x73C5, 1) + uint(0x83, 1)
                    + element(0x86, codec_id) + video)
    tracks = element(0x1654AE6B, track)
    blocks = b""
    for index, payload in enumerate(frames or []):
        flags = 0x80 if index == 0 else 0x00
        blocks += element(0xA3, b"\x81" + struct.pack(">hB", index * 40, flags) + payload)
    cluster = element(0x1F43B675, uint(0xE7, 0) + blocks)
    segment = element(0x18538067, info + tracks + tags + cluster)
    return header + segment


def vp9_packets(size: tuple[int, int] = (160, 120), count: int = 5) -> list[bytes]:
    """Raw VP9 frames (keyframe first) of a small clip, to put into hand-built containers."""
    context = av.CodecContext.create("libvpx-vp9", "w")
    context.width, context.height = size
    context.pix_fmt = "yuv420p"
    context.time_base = Fraction(1, 25)
    context.framerate = Fraction(25, 1)
    context.options = {"g": "25", "deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0"}
    out: list[bytes] = []
    for index in range(count):
        frame = av.VideoFrame.from_image(picture(index, size))
        frame.pts = index
        out.extend(bytes(p) for p in context.encode(frame))  # type: ignore[attr-defined]
    out.extend(bytes(p) for p in context.encode(None))  # type: ignore[attr-defined]
    return out


def nested_simple_tags(depth: int) -> bytes:
    """A Tags element whose SimpleTag holds a SimpleTag ... `depth` levels deep."""
    inner = element(0x45A3, b"x") + element(0x4487, b"y")  # TagName, TagString
    for _ in range(depth):
        inner = element(0x67C8, element(0x45A3, b"x") + inner)
    return element(0x1254C367, element(0x7373, element(0x63C0, b"") + inner))
