"""Frames taken from a video as evidence: which frame, when, and a hash of its pixels that a
reader can re-derive from the original with FFmpeg alone.

Definitions (the dossier states them; a reader must be able to check them):

* **frame index**: the frame's position, counting from 0, among the video stream's frames in
  presentation order, from the stream's first keyframe on. It is the line number (from 0) of
  the frame in FFmpeg's `framehash` output below. desk counts frames from the container's
  packets (one per frame) without decoding them all, and every frame it decodes is checked
  against that count: a frame whose time the count does not hold is refused, never guessed.
* **pts_s**: the frame's presentation time minus that of frame 0, in seconds (exact in the
  stream's time base; `timecode` is the same as HH:MM:SS.mmm, rounded to the millisecond).
* **pixels_sha256**: SHA-256 of the decoded picture exactly as the decoder produced it, in its
  own pixel format (`pixel_format`, e.g. yuv420p), laid out the way FFmpeg packs a picture
  (`av_image_copy_to_buffer` with alignment 1): plane after plane (Y, then U, then V, then
  alpha), each plane row after row, each row only its `width x bytes per pixel` bytes, no
  padding. No colour conversion, no scaling, no rotation: H.264, HEVC, VP9, AV1 and the other
  accepted decoders are bit-exact by their standards, so any machine and any FFmpeg version
  gives the same bytes, where a conversion to RGB would depend on the converter's rounding.
  The picture is the one the decoder outputs (the stream's own cropping applied; the
  container's rotation metadata not).

Reproducing a frame and its hash from the original (no desk needed):

    ffmpeg -v error -noautorotate -i ORIGINAL -map 0:v:0 -fps_mode passthrough \\
        -f framehash -hash sha256 -

prints one line per frame, after a few `#` header lines; line N (from 0) is frame N, its last
column is `pixels_sha256`. (`-vsync passthrough` on FFmpeg older than 5.1. A stream cut before
its first keyframe, as broadcast recordings may be, can make FFmpeg print lines for the
pictures it could not decode properly first: desk does not count those, so count from the
line of frame 0, whose hash desk records like any other.) To see the frame:
`ffmpeg -noautorotate -i ORIGINAL -map 0:v:0 -fps_mode passthrough -vf "select=eq(n\\,N)"
-frames:v 1 frame.png`. In Python with PyAV, decode frames in order and hash frame N:

    import av, hashlib
    with av.open(ORIGINAL) as container:
        frame = next(f for i, f in enumerate(container.decode(video=0)) if i == N)
        raw = av.CodecContext.create("rawvideo", "w")
        raw.width, raw.height, raw.pix_fmt = frame.width, frame.height, frame.format.name
        raw.time_base = frame.time_base
        print(hashlib.sha256(bytes(raw.encode(frame)[0])).hexdigest())

(The rawvideo encoder packs exactly as above; desk itself needs no encoder at run time and
packs the planes itself, `pixels_sha256`.)

Seeking is exact: to reach frame N desk seeks to the last keyframe shown at or before it and
decodes forward to N's presentation time, so the pixels are those of a decode from the start.
The RGB image a `TakenFrame` carries is a rendering for the eye (and the still made from it),
converted by FFmpeg's scaler; it is not what the hash covers.

Runs inside a video worker (`desk.core.video_isolation`); pure: no case, no Qt.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any, Literal

from PIL import Image, ImageChops

from desk.core.errors import Rejected
from desk.core.limits import MAX_SCENE_FRAMES, MAX_TAKEN_FRAMES, MAX_VIDEO_FRAMES
from desk.core.video_container import Heartbeat, Opened, VideoSource, open_video
from desk.core.video_probe import check_frame_size, video_stream

if TYPE_CHECKING:
    from av.container import InputContainer
    from av.packet import Packet
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

#: Pixel formats the accepted decoders output -> bytes per pixel of each plane, counted on that
#: plane's own width (a chroma plane of 4:2:0 is half as wide). Row length is width x bytes,
#: which is FFmpeg's `av_image_get_linesize` for these formats. Another format is refused with
#: a reason rather than hashed by a rule nobody checked.
PLANE_BYTES: dict[str, tuple[int, ...]] = {
    **{name: (1, 1, 1) for name in (
        "yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "yuv440p",
        "yuvj440p", "yuv411p", "yuvj411p", "yuv410p", "gbrp")},
    **{name: (2, 2, 2) for name in (
        "yuv420p10le", "yuv422p10le", "yuv444p10le", "yuv440p10le", "yuv420p12le",
        "yuv422p12le", "yuv444p12le", "yuv440p12le", "yuv420p16le", "yuv422p16le",
        "yuv444p16le", "gbrp10le", "gbrp12le", "gbrp16le")},
    **{name: (1, 1, 1, 1) for name in ("yuva420p", "yuva422p", "yuva444p", "gbrap")},
    **{name: (2, 2, 2, 2) for name in (
        "yuva420p10le", "yuva422p10le", "yuva444p10le", "yuva444p12le", "gbrap10le",
        "gbrap12le")},
    "gray": (1,), "gray10le": (2,), "gray12le": (2,), "gray16le": (2,),
    "nv12": (1, 2), "nv21": (1, 2), "nv16": (1, 2), "nv24": (1, 2), "p010le": (2, 4),
    "p016le": (2, 4),
    "rgb24": (3,), "bgr24": (3,),
    **{name: (4,) for name in ("rgba", "bgra", "argb", "abgr", "rgb0", "bgr0", "0rgb", "0bgr")},
}  # fmt: skip

#: Formats whose first plane is 8-bit luma, read directly for scene scores.
_LUMA8 = frozenset(name for name, planes in PLANE_BYTES.items()
                   if planes[0] == 1 and name[:3] in ("yuv", "gra", "nv1", "nv2"))

#: Scene scores compare each frame's luma reduced to this size (aspect ignored).
SCENE_SAMPLE = (64, 36)
#: Default mean absolute difference (0-255) between consecutive samples that starts a scene.
SCENE_THRESHOLD = 30.0
#: Default shortest scene, so a flash does not count as two cuts (on and off).
SCENE_MIN_GAP_S = 0.5

Mode = Literal["at", "every", "keyframes", "scenes"]


@dataclass(frozen=True)
class TakenFrame:
    """One decoded frame with its provenance; `rgb` (packed RGB24, `width x height`) is for
    display and the still, empty when the request asked for hashes only."""

    frame_index: int
    pts: int
    time_base: Fraction
    pts_s: float
    timecode: str
    pixels_sha256: str
    width: int
    height: int
    pixel_format: str
    keyframe: bool
    #: Clockwise degrees (0, 90, 180, 270) the picture is turned to be shown upright.
    rotation: int
    rgb: bytes = b""
    #: For scene changes: the score that started the scene (None for frame 0 and other modes).
    scene_score: float | None = None

    def image(self, *, upright: bool = True) -> Image.Image:
        """The frame as a Pillow RGB image (turned upright unless `upright` is False)."""
        if not self.rgb:
            raise ValueError("this frame was taken without its image")
        image = Image.frombytes("RGB", (self.width, self.height), self.rgb)
        if upright and self.rotation:
            image = image.rotate(-self.rotation, expand=True)
        return image

    def to_json(self) -> dict[str, object]:
        return {
            "frame_index": self.frame_index,
            "pts": self.pts,
            "time_base": f"{self.time_base.numerator}/{self.time_base.denominator}",
            "pts_s": self.pts_s,
            "timecode": self.timecode,
            "pixels_sha256": self.pixels_sha256,
            "width": self.width,
            "height": self.height,
            "pixel_format": self.pixel_format,
            "keyframe": self.keyframe,
            "rotation": self.rotation,
            "scene_score": self.scene_score,
        }


@dataclass(frozen=True)
class FrameRequest:
    """Which frames to take: at `times` (seconds), `every` N seconds, at keyframes or at scene
    changes (`threshold`, `min_gap_s`); at most `limit`. `images` False skips the RGB images
    (hashes and provenance only)."""

    mode: Mode
    times: tuple[float, ...] = ()
    every: float = 0.0
    threshold: float = SCENE_THRESHOLD
    min_gap_s: float = SCENE_MIN_GAP_S
    limit: int = MAX_TAKEN_FRAMES
    images: bool = True


def timecode(seconds: Fraction | float) -> str:
    """HH:MM:SS.mmm, rounded to the millisecond (negative times are written as 0)."""
    millis = max(0, round(Fraction(seconds) * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}.{millis:03d}"


def pixels_sha256(frame: VideoFrame) -> str:
    """The hash defined in this module's docstring."""
    digest = hashlib.sha256()
    for chunk in packed_planes(frame):
        digest.update(chunk)
    return digest.hexdigest()


def packed_planes(frame: VideoFrame) -> Iterator[memoryview]:
    """The frame's bytes as FFmpeg packs them (planes in order, rows without padding)."""
    name = frame.format.name
    layout = PLANE_BYTES.get(name)
    if layout is None:
        raise Rejected(f"unsupported pixel format {name}")
    planes = frame.planes
    if len(planes) != len(layout):
        raise Rejected(f"unexpected layout of a {name} frame")
    for plane, per_pixel in zip(planes, layout, strict=True):
        row = plane.width * per_pixel
        stride = plane.line_size
        if stride < row:
            raise Rejected(f"unexpected layout of a {name} frame")
        view = memoryview(plane)
        if stride == row:
            yield view[: row * plane.height]
        else:
            for y in range(plane.height):
                yield view[y * stride : y * stride + row]


# --- the frame table -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FrameTable:
    """Every frame's presentation time, in order, and which are keyframes (with their decode
    times, where seeking starts). Built from packets alone; JSON-able to be kept with a video."""

    time_base: Fraction
    pts: tuple[int, ...]
    #: Indices (into `pts`) of the keyframes, ascending.
    keyframes: tuple[int, ...]
    #: Decode timestamp of each keyframe's packet (its pts when the container keeps none).
    keyframe_dts: tuple[int, ...]

    @property
    def frames(self) -> int:
        return len(self.pts)

    def seconds(self, index: int) -> Fraction:
        """Exact presentation time of frame `index` since frame 0."""
        return (self.pts[index] - self.pts[0]) * self.time_base

    def index_at(self, seconds: float | Fraction) -> int:
        """The frame on screen at `seconds` since frame 0 (the last one shown at or before)."""
        if not self.pts:
            raise Rejected("the video has no frames")
        # A float is taken as the decimal it prints as (0.3, not 0.29999999999999998890).
        exact = Fraction(str(seconds)) if isinstance(seconds, float) else Fraction(seconds)
        wanted = self.pts[0] + exact / self.time_base
        return max(0, bisect.bisect_right(self.pts, wanted) - 1)

    def index_of(self, pts: int) -> int | None:
        position = bisect.bisect_left(self.pts, pts)
        if position < len(self.pts) and self.pts[position] == pts:
            return position
        return None

    def keyframe_at(self, index: int) -> int:
        """Position in `keyframes` of the last keyframe at or before frame `index`."""
        return max(0, bisect.bisect_right(self.keyframes, index) - 1)

    def is_keyframe(self, index: int) -> bool:
        position = bisect.bisect_left(self.keyframes, index)
        return position < len(self.keyframes) and self.keyframes[position] == index

    def end_s(self) -> float:
        """When the last frame stops being shown: its time plus the interval before it."""
        last = len(self.pts) - 1
        step = self.pts[last] - self.pts[last - 1] if last > 0 else 0
        return float((self.pts[last] - self.pts[0] + step) * self.time_base)

    def keyframe_times(self) -> list[float]:
        """Seconds of every keyframe since frame 0 (for the scrubber's marks)."""
        return [float(self.seconds(i)) for i in self.keyframes]

    def to_json(self) -> dict[str, object]:
        return {
            "time_base": [self.time_base.numerator, self.time_base.denominator],
            "pts": list(self.pts),
            "keyframes": list(self.keyframes),
            "keyframe_dts": list(self.keyframe_dts),
        }

    @classmethod
    def from_json(cls, data: dict[str, object]) -> FrameTable:
        """A table kept with a video, checked (a case file from elsewhere may hold anything)."""
        def integers(key: str) -> tuple[int, ...]:
            values = data[key]
            if not isinstance(values, list | tuple) or not all(
                    isinstance(v, int) and not isinstance(v, bool) for v in values):
                raise TypeError(key)
            return tuple(values)

        try:
            num, den = integers("time_base")
            pts, keys, dts = integers("pts"), integers("keyframes"), integers("keyframe_dts")
            table = cls(Fraction(num, den), pts, keys, dts)
        except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
            raise ValueError("not a frame table") from exc
        ordered = all(a < b for a, b in itertools.pairwise(pts))
        if (not ordered or len(keys) != len(dts) or not keys or keys[0] != 0
                or any(not 0 <= k < len(pts) for k in keys) or table.time_base <= 0):
            raise ValueError("not a frame table")
        return table


def read_frame_table(container: InputContainer, stream: VideoStream,
                     progress: Callable[[int], None] | None = None) -> FrameTable:
    """Demux (never decode) every packet of `stream`: the frames from its first keyframe on.
    `progress(packets read)` is called about once a second (a long file takes a while)."""
    entries: list[tuple[int, bool, int]] = []  # (pts, keyframe, dts) in decode order
    started = False
    heartbeat = Heartbeat(progress)
    container.seek(0, stream=stream, backward=True)
    for packet in container.demux(stream):
        heartbeat.beat()
        stamp = packet.pts if packet.pts is not None else packet.dts
        if stamp is None or (packet.size == 0 and packet.pts is None):
            continue
        if not started:
            if not packet.is_keyframe:
                continue  # cut mid-GOP: frames before the first keyframe cannot be decoded
            started = True
        entries.append((stamp, packet.is_keyframe, packet.dts if packet.dts is not None
                        else stamp))
        if len(entries) > MAX_VIDEO_FRAMES:
            raise Rejected(f"implausible frame count: over {MAX_VIDEO_FRAMES:,} frames")
    if not entries:
        raise Rejected("the video stream is empty (no frames)")
    first_key = entries[0][0]
    # Leading pictures of the first keyframe (shown before it) belong to no complete GOP.
    ordered = sorted({e[0]: e for e in entries if e[0] >= first_key}.values())
    pts = tuple(e[0] for e in ordered)
    keyframes = tuple(i for i, e in enumerate(ordered) if e[1])
    dts = tuple(ordered[i][2] for i in keyframes)
    return FrameTable(stream.time_base or Fraction(1, 1), pts, keyframes, dts)


# --- reading frames ------------------------------------------------------------------------------


class VideoReader:
    """One open video and the decoder's place in it: frames by index or time, stepping, and
    the four ways of taking many. Not thread-safe; one per worker."""

    def __init__(self, opened: Opened, table: FrameTable | None = None,
                 progress: Callable[[int], None] | None = None) -> None:
        self._opened = opened
        self.container = opened.container
        self.stream = video_stream(opened)
        self.stream.codec_context.thread_type = "AUTO"
        self.table = table or read_frame_table(self.container, self.stream, progress)
        self._heartbeat = Heartbeat(progress)
        self._decoded: Iterator[tuple[int, VideoFrame]] | None = None
        self._position: int | None = None  # index of the last frame the decoder gave
        self._wanted = 0  # pts of the frame being decoded to: earlier ones may be skipped

    @classmethod
    @contextlib.contextmanager
    def open(cls, source: VideoSource, table: FrameTable | None = None,
             progress: Callable[[int], None] | None = None) -> Iterator[VideoReader]:
        with open_video(source) as opened:
            yield cls(opened, table, progress)

    @property
    def position(self) -> int | None:
        """Index of the frame last returned (what `step` moves from)."""
        return self._position

    # -- single frames

    def frame(self, index: int, *, image: bool = True) -> TakenFrame:
        """Frame `index`, decoded exactly (see the module docstring)."""
        if not 0 <= index < self.table.frames:
            raise Rejected(f"no frame {index}: the video has {self.table.frames:,} frames")
        return self._taken(index, self._decode_to(index), image)

    def frame_at(self, seconds: float, *, image: bool = True) -> TakenFrame:
        """The frame on screen at `seconds` (since frame 0)."""
        return self.frame(self._index_at(seconds), image=image)

    def step(self, delta: int = 1, *, image: bool = True) -> TakenFrame:
        """The frame `delta` frames after (before, when negative) the last one returned, kept
        within the video; frame 0 when none was returned yet."""
        start = self._position if self._position is not None else -1
        index = min(max(start + delta, 0), self.table.frames - 1)
        return self.frame(index, image=image)

    def keyframe_times(self) -> list[float]:
        return self.table.keyframe_times()

    # -- many frames

    def take(self, request: FrameRequest) -> Iterator[TakenFrame]:
        """The frames `request` asks for, in time order, each once."""
        limit = max(0, min(request.limit, MAX_TAKEN_FRAMES))
        if request.mode == "at":
            yield from self.frames_at(request.times, limit=limit, image=request.images)
        elif request.mode == "every":
            yield from self.every(request.every, limit=limit, image=request.images)
        elif request.mode == "keyframes":
            yield from self.keyframes(limit=limit, image=request.images)
        elif request.mode == "scenes":
            yield from self.scenes(request.threshold, request.min_gap_s,
                                   limit=min(limit, MAX_SCENE_FRAMES), image=request.images)
        else:
            raise Rejected(f"unknown way of taking frames: {request.mode!r}")

    def frames_at(self, times: Iterable[float | Fraction], *, limit: int = MAX_TAKEN_FRAMES,
                  image: bool = True) -> Iterator[TakenFrame]:
        """The frames on screen at `times` (seconds), in time order, each once."""
        indices = sorted({self._index_at(t) for t in times})
        if len(indices) > limit:
            raise Rejected(f"too many frames asked for: {len(indices):,} (at most {limit:,})")
        for index in indices:
            yield self.frame(index, image=image)

    def every(self, seconds: float, *, limit: int = MAX_TAKEN_FRAMES,
              image: bool = True) -> Iterator[TakenFrame]:
        """A frame every `seconds`, from the start."""
        if not (seconds > 0 and math.isfinite(seconds)):
            raise Rejected("the interval between frames must be more than 0 seconds")
        # The interval as written (0.04 is 1/25): k * 0.04 in floats misses frame times.
        step = Fraction(str(seconds))
        count = int(self.table.seconds(self.table.frames - 1) // step) + 1
        if count > limit:
            raise Rejected(f"too many frames: every {seconds:g} s gives {count:,} (at most"
                           f" {limit:,})")
        yield from self.frames_at([k * step for k in range(count)], limit=limit, image=image)

    def keyframes(self, *, limit: int = MAX_TAKEN_FRAMES,
                  image: bool = True) -> Iterator[TakenFrame]:
        """Every keyframe, each decoded from its packet alone (a keyframe needs no other
        frame, so the pixels are those of a decode from the start). Alone, because a decoder
        fed only the keyframes of an open-GOP H.264 stream gives them out of order or drops
        the last; alone is also faster than the decoder skipping the other frames itself."""
        if len(self.table.keyframes) > limit:
            raise Rejected(f"too many keyframes: {len(self.table.keyframes):,} (at most"
                           f" {limit:,})")
        import av

        context = self.stream.codec_context
        self._reset()
        self.container.seek(0, stream=self.stream, backward=True)
        wanted = set(self.table.keyframes)
        for packet in self.container.demux(self.stream):
            self._heartbeat.beat()
            if not packet.size or not packet.is_keyframe:
                continue
            stamp = packet.pts if packet.pts is not None else packet.dts
            index = None if stamp is None else self.table.index_of(stamp)
            if index is None or index not in wanted:
                continue
            context.flush_buffers()
            try:
                frames = [*context.decode(packet), *_flush(context)]
            except av.error.InvalidDataError:
                continue
            frame = next((f for f in frames if self._index_of(f) == index), None)
            if frame is not None:
                wanted.discard(index)
                yield self._taken(index, frame, image)
        self._reset()
        if wanted:
            first = min(wanted)
            raise Rejected(f"keyframe {first} did not decode ({len(wanted)} of"
                           f" {len(self.table.keyframes)} missing)")

    def scenes(self, threshold: float = SCENE_THRESHOLD, min_gap_s: float = SCENE_MIN_GAP_S,
               *, limit: int = MAX_SCENE_FRAMES, image: bool = True) -> Iterator[TakenFrame]:
        """The first frame of each scene, in time order: frame 0, then every frame whose scene
        score (`scene_score`) reaches `threshold` at least `min_gap_s` after the last start;
        at most `limit` (the first ones)."""
        if not 0 < threshold <= 255:
            raise Rejected("the scene threshold must be between 0 and 255")
        limit = max(1, min(limit, MAX_SCENE_FRAMES))
        previous: Image.Image | None = None
        last_start: Fraction | None = None
        found = 0
        for index, frame in self._sequential():
            sample = scene_sample(frame)
            score = scene_score(previous, sample) if previous is not None else None
            previous = sample
            at = self.table.seconds(index)
            starts = score is None or (
                score >= threshold and (last_start is None or at - last_start >= min_gap_s))
            if not starts:
                continue
            last_start = at
            found += 1
            yield self._taken(index, frame, image, score)
            if found >= limit:
                break
        self._reset()

    # -- decoding

    def _index_at(self, seconds: float | Fraction) -> int:
        end = self.table.end_s()
        if not 0 <= seconds < max(end, 1e-6):
            raise Rejected(f"no frame at {seconds:g} s: the video runs from 0 to {end:.3f} s")
        return self.table.index_at(seconds)

    def _index_of(self, frame: VideoFrame) -> int | None:
        stamp = frame.pts if frame.pts is not None else frame.dts
        return None if stamp is None else self.table.index_of(stamp)

    def _reset(self) -> None:
        self._decoded = None
        self._position = None
        self.stream.codec_context.skip_frame = "DEFAULT"
        self.stream.codec_context.flush_buffers()

    def _decode_to(self, index: int) -> VideoFrame:
        """Frame `index`: decoding on from where the decoder is when that is cheaper than a
        seek, else from the last keyframe at or before it."""
        table = self.table
        key = table.keyframes[table.keyframe_at(index)]
        here = self._position
        self._wanted = table.pts[index]
        if self._decoded is None or here is None or here >= index or index - here > index - key + 1:
            self._decoded = self._from_keyframe(table.keyframe_at(index))
        for found, frame in self._decoded:
            self._position = found
            if found == index:
                return frame
            if found > index:
                break
        self._decoded = None
        self._position = None
        raise Rejected(f"frame {index} did not decode (the stream is damaged there, or its"
                       " timing does not match its index)")

    def _from_keyframe(self, position: int) -> Iterator[tuple[int, VideoFrame]]:
        """Decoded frames (index, frame) from keyframe `position` (in `table.keyframes`) on.

        Demuxers seek by presentation or by decode time, and some (MPEG-TS) only roughly: the
        keyframe's own times are tried, then the keyframe before it, then the start; a seek
        that lands after the keyframe is never used.
        """
        table = self.table
        floor = table.pts[table.keyframes[position]]
        targets = [floor, table.keyframe_dts[position]]
        if position > 0:
            targets.append(table.pts[table.keyframes[position - 1]])
        for target in dict.fromkeys(targets if position > 0 else []):
            packets = self._seek(target)
            first = next(packets, None)
            if first is None:
                continue
            stamp = first.pts if first.pts is not None else first.dts
            if stamp is not None and stamp <= floor:
                return self._decode_from(floor, itertools.chain([first], packets))
        return self._decode_from(floor, self._seek(None))

    def _seek(self, target: int | None) -> Iterator[Packet[Any]]:
        """Packets from the first keyframe at or after where a seek to `target` (None: the
        start of the file) lands; the decoder is emptied first."""
        self.stream.codec_context.flush_buffers()
        self.container.seek(0 if target is None else target, stream=self.stream,
                            backward=True)
        packets = iter(self.container.demux(self.stream))
        for packet in packets:
            if packet.is_keyframe and packet.size:
                return itertools.chain([packet], packets)
        return iter(())

    def _decode_from(self, floor: int, packets: Iterator[Packet[Any]],
                     ) -> Iterator[tuple[int, VideoFrame]]:
        """Decode `packets` (from a keyframe on), yielding (index, frame) in display order.

        Frames shown before `floor` (the keyframe's time) are leading pictures that may need
        frames from before the seek point: they are dropped. Packets shown before the frame
        wanted are decoded with non-reference frames skipped: no other frame is built from a
        non-reference frame, so the frames that are decoded come out exactly the same, in
        about half the time.
        """
        import av

        context = self.stream.codec_context
        skipping = False
        for packet in packets:
            self._heartbeat.beat()
            if packet.size == 0 and packet.pts is None:
                frames = _flush(context)
            else:
                stamp = packet.pts if packet.pts is not None else packet.dts
                skip = stamp is not None and stamp < self._wanted
                if skip != skipping:
                    context.skip_frame = "NONREF" if skip else "DEFAULT"
                    skipping = skip
                try:
                    frames = context.decode(packet)
                except av.error.InvalidDataError:
                    continue
            for frame in frames:
                index = self._index_of(frame)
                stamp = frame.pts if frame.pts is not None else frame.dts
                if index is None or stamp is None or stamp < floor:
                    continue
                yield index, frame
        if skipping:
            context.skip_frame = "DEFAULT"
        for frame in _flush(context):
            index = self._index_of(frame)
            if index is not None and (frame.pts or 0) >= floor:
                yield index, frame

    def _sequential(self) -> Iterator[tuple[int, VideoFrame]]:
        """Every frame from the start, in order (for scene scores)."""
        self._reset()
        self._wanted = self.table.pts[0]
        decoded = self._decode_from(self.table.pts[0], self._seek(None))
        for expected, (index, frame) in enumerate(decoded):
            if index != expected:
                raise Rejected(f"frame {expected} did not decode (the stream is damaged there)")
            yield index, frame

    def _taken(self, index: int, frame: VideoFrame, image: bool,
               score: float | None = None) -> TakenFrame:
        check_frame_size(frame.width, frame.height)
        seconds = self.table.seconds(index)
        rgb = rgb24(frame) if image else b""
        return TakenFrame(
            frame_index=index,
            pts=self.table.pts[index],
            time_base=self.table.time_base,
            pts_s=float(seconds),
            timecode=timecode(seconds),
            pixels_sha256=pixels_sha256(frame),
            width=frame.width,
            height=frame.height,
            pixel_format=frame.format.name,
            keyframe=self.table.is_keyframe(index),
            rotation=(-round(frame.rotation / 90) * 90) % 360,
            rgb=rgb,
            scene_score=score,
        )


def rgb24(frame: VideoFrame) -> bytes:
    """The frame converted for display: packed RGB24 rows, `width x 3` bytes each (FFmpeg's
    scaler converts; PyAV's own `to_image` copies row by row and costs twenty times more)."""
    converted = frame.reformat(format="rgb24")
    plane = converted.planes[0]
    row = converted.width * 3
    view = memoryview(plane)
    if plane.line_size == row:
        return bytes(view[: row * converted.height])
    return b"".join(view[y * plane.line_size : y * plane.line_size + row]
                    for y in range(converted.height))


def _flush(context: object) -> list[VideoFrame]:
    """What the decoder still holds at the end of the stream."""
    import av

    try:
        return list(context.decode(None))  # type: ignore[attr-defined]
    except (av.error.InvalidDataError, av.EOFError):
        return []


def scene_sample(frame: VideoFrame) -> Image.Image:
    """The frame as the scene score sees it: its luma (Y) plane as decoded, no colour
    conversion, reduced by Pillow's box filter to `SCENE_SAMPLE` (8-bit grey). Pillow's integer
    resampling gives the same sample on every machine."""
    if frame.format.name in _LUMA8:
        plane = frame.planes[0]
    else:
        plane = frame.reformat(format="gray").planes[0]
    luma = Image.frombuffer("L", (frame.width, frame.height),
                            plane,  # type: ignore[arg-type]  # a buffer; Pillow's stub is narrower
                            "raw", "L", plane.line_size, 1)
    return luma.resize(SCENE_SAMPLE, Image.Resampling.BOX)


def scene_score(before: Image.Image, after: Image.Image) -> float:
    """Mean absolute difference (0-255) between two scene samples: 0 for the same picture,
    tens for a cut to another shot."""
    histogram = ImageChops.difference(before, after).histogram()
    total = sum(level * count for level, count in enumerate(histogram))
    return total / (SCENE_SAMPLE[0] * SCENE_SAMPLE[1])


def take_frames(source: VideoSource, request: FrameRequest, table: FrameTable | None = None,
                progress: Callable[[int], None] | None = None) -> Iterator[TakenFrame]:
    """Open `source` and take the frames `request` asks for (in this process: the isolated
    form is `desk.core.video_isolation.take_frames_isolated`)."""
    with VideoReader.open(source, table, progress) as reader:
        yield from reader.take(request)

