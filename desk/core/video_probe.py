"""What a video container says about itself, normalised and flagged the way EXIF is.

`probe_video` opens the file with its one demuxer (`desk.core.video_container`), picks the
video stream, refuses what desk will not decode (no video stream, a codec off the allow-list,
absurd frame sizes, implausible frame counts, too long), decodes one frame to prove the
stream plays, and reads the container's claims: duration, frame rate (and whether frames are
evenly spaced), frame count, codec, picture size, rotation, creation time, location, device
and encoder. Every claim is text written by whoever made the file: it is cleaned and capped,
dates and positions are validated, and the flags say what a reviewer must weigh ("re-encoded",
"creation time is the epoch", "no location"...).

Runs inside a video worker (`desk.core.video_isolation.probe_isolated`); it is pure: no case,
no Qt.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from fractions import Fraction
from typing import TYPE_CHECKING

from desk.core.errors import Rejected
from desk.core.iso6709 import parse_iso6709
from desk.core.limits import (
    MAX_VIDEO_EDGE,
    MAX_VIDEO_FRAMES,
    MAX_VIDEO_PIXELS,
    MAX_VIDEO_SECONDS,
    TEXT_LIMIT,
)
from desk.core.metadata import NULL_ISLAND
from desk.core.model import Flag, Gps, Metadata, Reading
from desk.core.sanitize import clean_text
from desk.core.video_container import Heartbeat, Opened, VideoSource, open_video

if TYPE_CHECKING:
    from av.video.frame import VideoFrame
    from av.video.stream import VideoStream

#: Decoders desk accepts, by FFmpeg's codec name, with how a reviewer writes them. These are
#: what footage arrives in: phones (H.264, HEVC), the web (VP8, VP9, AV1), older cameras and AVI
#: files (MPEG-4 Part 2, Motion JPEG, H.263), broadcast and editing (MPEG-2, MPEG-1, ProRes).
#: Every other decoder FFmpeg carries is attack surface no reviewer needs, so it is refused.
CODECS: dict[str, str] = {
    "h264": "H.264",
    "hevc": "HEVC",
    "vp8": "VP8",
    "vp9": "VP9",
    "av1": "AV1",
    "mpeg4": "MPEG-4 Part 2",
    "mpeg2video": "MPEG-2",
    "mpeg1video": "MPEG-1",
    "mjpeg": "Motion JPEG",
    "h263": "H.263",
    "prores": "ProRes",
}

#: Packets read at the start to judge whether frames are evenly spaced (variable rate).
RATE_SAMPLE_PACKETS = 600
#: Packets read at most before the first picture must have decoded.
FIRST_FRAME_PACKETS = 1000
#: A frame interval this far from the typical one (as a fraction of it) makes the rate variable.
RATE_TOLERANCE = 0.2
#: Most container tags kept for the reviewer's raw table.
MAX_TAGS = 200

#: Encoder, handler or software strings of tools that decode and encode footage again, with
#: the tool's name. A camera or phone writes its own firmware's name (or nothing); these are
#: written by transcoders, editors and platforms, so a file naming one is not the camera's
#: original: its pixels were re-compressed, and its times and places may have been copied
#: from the original, edited, or invented. The list is what such tools are known to write;
#: a file without any of them is not thereby proven original.
REENCODERS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), name)
    for pattern, name in (
        (r"\blav[fc]\s?\d", "FFmpeg"),
        (r"\bffmpeg\b|^ffmp$", "FFmpeg"),
        (r"\bx264\b|\bx265\b", "the x264/x265 software encoder"),
        (r"handbrake", "HandBrake"),
        (r"premiere|media encoder|after effects|adobe", "Adobe video software"),
        (r"final ?cut|imovie|apple compressor", "Apple's editing software"),
        (r"davinci|resolve \d", "DaVinci Resolve"),
        (r"capcut|jianying|剪映", "CapCut"),
        (r"inshot", "InShot"),
        (r"kinemaster", "KineMaster"),
        (r"filmora|wondershare", "Wondershare Filmora"),
        (r"movavi", "Movavi"),
        (r"camtasia|techsmith", "Camtasia"),
        (r"shotcut", "Shotcut"),
        (r"openshot", "OpenShot"),
        (r"kdenlive|\bmlt\b", "Kdenlive"),
        (r"vsdc", "VSDC"),
        (r"powerdirector|cyberlink", "CyberLink PowerDirector"),
        (r"\bvlc\b|videolan", "VLC"),
        (r"\bobs\b|obs studio", "OBS Studio"),
        (r"avidemux", "Avidemux"),
        (r"clipchamp", "Clipchamp"),
        (r"\bcanva\b", "Canva"),
        (r"vegas pro|sony vegas|magix", "VEGAS"),
        (r"lightworks", "Lightworks"),
        (r"media composer", "Avid Media Composer"),
        (r"mainconcept", "the MainConcept encoder"),
        (r"produced by google", "YouTube (Google's transcoder)"),
        (r"tiktok|bytedance|douyin", "TikTok"),
    )
)

NO_CREATION_TIME = Flag("no_creation_time", "No creation time in the container.")
NO_LOCATION = Flag("no_location", "No location in the container.")
VARIABLE_RATE = Flag(
    "variable_frame_rate",
    "Variable frame rate: frames are not evenly spaced in time (phones in low light, screen"
    " recordings, edits); a time counted from frame numbers is wrong, the presentation times"
    " are right.",
)


def reencoded(tool: str, value: str) -> Flag:
    return Flag(
        "re_encoded",
        f"Re-encoded or re-packaged: the container names {tool} (\u201c{value}\u201d),"
        " software that compresses or wraps footage again. This is not the camera's original"
        " file; its times and places may have been copied, edited or invented.",
    )


def unreadable(what: str, value: str, source: str) -> Flag:
    return Flag(
        f"{what.replace(' ', '_')}_unreadable",
        f"The container's {what} (\u201c{value}\u201d, {source}) is not a valid one and was"
        " not used.",
    )


def epoch_time(value: str, source: str) -> Flag:
    return Flag(
        "epoch_creation_time",
        f"Creation time is the epoch ({value}, {source}): a placeholder written without a"
        " clock, not when the video was made.",
    )


def rotation_flag(width: int, height: int, rotation: int) -> Flag:
    return Flag(
        "rotation_metadata",
        f"Rotation metadata: the picture is stored at {width}x{height} and shown turned"
        f" {rotation}° clockwise. Players that ignore it show it on its side, and any tool can"
        " set it.",
    )


@dataclass(frozen=True)
class VideoInfo:
    """What desk read from one video file (all text cleaned, all values checked).

    `width` and `height` are the decoded picture's size as stored; `rotation` (0, 90, 180 or
    270) is how far it is turned clockwise to be shown upright, so the displayed size is
    `display_size`. `frames` is the container's count, or `duration_s * fps` rounded when the
    container keeps none (Matroska, MPEG-TS), unless `frames_counted` says every packet was
    counted. `created_at` is aware; `location` is the container's claim, not a finding.
    """

    container: str
    duration_s: float
    fps: float | None
    variable_rate: bool
    frames: int
    frames_counted: bool
    codec: str
    codec_label: str
    width: int
    height: int
    pixel_format: str
    rotation: int
    created_at: datetime | None
    created_at_source: str | None
    location: Gps | None
    location_source: str | None
    make: str | None
    model: str | None
    software: str | None
    encoder: str | None
    has_audio: bool
    flags: tuple[Flag, ...] = ()
    readings: tuple[Reading, ...] = ()
    #: Every container and stream tag ("format:creation_time", "video:handler_name"), cleaned.
    tags: tuple[tuple[str, str], ...] = field(default=())

    @property
    def display_size(self) -> tuple[int, int]:
        """(width, height) as shown, after the rotation."""
        if self.rotation in (90, 270):
            return self.height, self.width
        return self.width, self.height

    def to_json(self) -> dict[str, object]:
        """The `"video"` object of `desk info --json` (its documented keys first)."""
        return {
            "duration_s": round(self.duration_s, 6),
            "fps": round(self.fps, 6) if self.fps is not None else None,
            "frames": self.frames,
            "codec": self.codec,
            "width": self.width,
            "height": self.height,
            "rotation": self.rotation,
            "created_at": self.created_at.isoformat() if self.created_at else None,
            "location": {"lat": self.location.lat, "lon": self.location.lon}
            if self.location else None,
            "container": self.container,
            "variable_rate": self.variable_rate,
            "frames_counted": self.frames_counted,
            "pixel_format": self.pixel_format,
            "created_at_source": self.created_at_source,
            "location_source": self.location_source,
            "altitude": self.location.altitude if self.location else None,
            "make": self.make,
            "model": self.model,
            "software": self.software,
            "encoder": self.encoder,
            "has_audio": self.has_audio,
            "flags": [{"code": f.code, "message": f.message} for f in self.flags],
        }

    def metadata(self) -> Metadata:
        """The same facts in the shape stills keep theirs, for the inspector and the dossier."""
        return Metadata(
            captured_at=self.created_at.isoformat(timespec="seconds") if self.created_at
            else None,
            utc_offset=_offset_text(self.created_at),
            gps=self.location,
            make=self.make,
            model=self.model,
            software=self.software or self.encoder,
            flags=self.flags,
            raw=dict(self.tags),
            captured_at_source=self.created_at_source,
            readings=self.readings,
            sources_read=True,
        )


def probe_video(source: VideoSource, *, count_frames: bool = False,
                progress: Callable[[int], None] | None = None) -> VideoInfo:
    """Open, check and describe one untrusted video; `Rejected` with a reason otherwise.

    With `count_frames` every packet of the video stream is read (not decoded), so `frames`
    is exact and the frame rate is judged over the whole stream (`progress(packets)` is
    called about once a second); otherwise the first `RATE_SAMPLE_PACKETS` packets are.
    """
    with open_video(source) as opened:
        return _probe(opened, count_frames, Heartbeat(progress))


def video_stream(opened: Opened) -> VideoStream:
    """The stream desk reads: the first video stream that is not cover art; checked."""
    streams = [s for s in opened.container.streams.video
               if not s.disposition & s.disposition.attached_pic]
    if not streams:
        raise Rejected("no video stream")
    stream = streams[0]
    context = getattr(stream, "codec_context", None)  # None when FFmpeg has no decoder at all
    name = str(context.name) if context is not None else ""
    if name not in CODECS:
        shown = clean_text(name, 40) or "unknown"
        raise Rejected(f"unsupported codec {shown}")
    check_frame_size(stream.codec_context.width, stream.codec_context.height, allow_zero=True)
    claimed = stream.frames
    if claimed > MAX_VIDEO_FRAMES or claimed > opened.size:
        raise Rejected(f"implausible frame count: the container claims {claimed:,} frames"
                       f" in {opened.size:,} bytes")
    return stream


def check_frame_size(width: int, height: int, *, allow_zero: bool = False) -> None:
    """Refuse absurd frame sizes before a decoder allocates for them."""
    if width <= 0 or height <= 0:
        if allow_zero and width == 0 and height == 0:
            return  # the container does not say; the decoded frame is checked instead
        raise Rejected(f"invalid frame size: {width}x{height}")
    if width > MAX_VIDEO_EDGE or height > MAX_VIDEO_EDGE or width * height > MAX_VIDEO_PIXELS:
        raise Rejected(f"frame too large: {width}x{height}")


def _probe(opened: Opened, count_frames: bool, heartbeat: Heartbeat) -> VideoInfo:
    container = opened.container
    stream = video_stream(opened)
    time_base = stream.time_base or Fraction(1, 1)
    header_duration = _duration(opened, stream, time_base)
    if header_duration is not None:
        _check_duration(header_duration)
    sample = _sample(opened, stream, None if count_frames else RATE_SAMPLE_PACKETS, heartbeat)
    first = sample.frame
    check_frame_size(first.width, first.height)
    duration = header_duration
    if duration is None or (count_frames and sample.complete):
        duration = sample.span_s(time_base) if sample.complete else duration
    if duration is None:
        duration = 0.0
    _check_duration(duration)
    fps = _fps(stream)
    if sample.complete:
        frames, counted = len(sample.pts), True
    elif stream.frames > 0:
        frames, counted = stream.frames, False
    else:
        frames, counted = (round(duration * fps) if fps else 0), False
    if frames > MAX_VIDEO_FRAMES:
        raise Rejected(f"implausible frame count: {frames:,} frames")
    variable = _variable_rate(sample.pts)

    tags = _Tags(container.metadata, stream.metadata, opened.label)
    flags: list[Flag] = []
    readings: list[Reading] = []
    created, created_source = _creation_time(tags, flags, readings)
    location, location_source = _location(tags, flags, readings)
    make = tags.first("make", ("com.apple.quicktime.make", "make", "com.android.manufacturer"),
                      readings)
    model = tags.first("model", ("com.apple.quicktime.model", "model", "com.android.model"),
                       readings)
    software = tags.first("software", ("com.apple.quicktime.software", "software"), readings)
    android = tags.get("com.android.version")
    if software is None and android is not None:
        software = clean_text(f"Android {android}", TEXT_LIMIT)
        readings.append(Reading("software", software, "com.android.version", True))
    encoder = tags.first("encoder", ("encoder", "video:encoder"), readings)
    tags.first("tool", ("video:handler_name", "video:vendor_id"), readings)
    flags.extend(_reencode_flags(tags))
    rotation = _rotation(first, tags)
    if rotation:
        flags.append(rotation_flag(first.width, first.height, rotation))
    if variable:
        flags.append(VARIABLE_RATE)
    return VideoInfo(
        container=opened.kind,
        duration_s=duration,
        fps=fps,
        variable_rate=variable,
        frames=frames,
        frames_counted=counted,
        codec=stream.codec_context.name,
        codec_label=CODECS[stream.codec_context.name],
        width=first.width,
        height=first.height,
        pixel_format=first.format.name,
        rotation=rotation,
        created_at=created,
        created_at_source=created_source,
        location=location,
        location_source=location_source,
        make=make,
        model=model,
        software=software,
        encoder=encoder,
        has_audio=bool(container.streams.audio),
        flags=tuple(flags),
        readings=tuple(readings),
        tags=tags.table(),
    )


# --- timing --------------------------------------------------------------------------------------


@dataclass
class _Sample:
    """Presentation times of the packets read, the first decoded picture, and whether the
    stream was read to its end."""

    pts: list[int]
    frame: VideoFrame
    complete: bool

    def span_s(self, time_base: Fraction) -> float:
        """First to last frame plus one frame interval, in seconds."""
        if not self.pts:
            return 0.0
        ordered = sorted(self.pts)
        step = statistics.median(b - a for a, b in itertools.pairwise(ordered)) \
            if len(ordered) > 1 else 0
        return float((ordered[-1] - ordered[0] + step) * time_base)


def _sample(opened: Opened, stream: VideoStream, limit: int | None,
            heartbeat: Heartbeat) -> _Sample:
    """Read packets from the start (all with `limit` None), decoding until one picture shows."""
    import av

    pts: list[int] = []
    frame: VideoFrame | None = None
    packets = 0
    complete = True
    context = stream.codec_context
    for packet in opened.container.demux(stream):
        heartbeat.beat()
        if packet.size == 0 and packet.pts is None:
            continue  # the demuxer's end marker
        packets += 1
        if packet.pts is not None:
            pts.append(packet.pts)
        if frame is None:
            try:
                frames = context.decode(packet)
            except av.error.InvalidDataError:
                frames = []
            except av.FFmpegError as exc:
                raise Rejected(f"the {CODECS[context.name]} stream does not decode"
                               f" ({type(exc).__name__})") from exc
            if frames:
                frame = frames[0]
            elif packets >= FIRST_FRAME_PACKETS:
                raise Rejected(f"no picture decoded from the first {packets:,} packets of the"
                               f" {CODECS[context.name]} stream")
        if limit is not None and packets >= limit and frame is not None:
            complete = False
            break
        if len(pts) > MAX_VIDEO_FRAMES:
            raise Rejected(f"implausible frame count: over {MAX_VIDEO_FRAMES:,} frames")
    if packets == 0:
        raise Rejected("the video stream is empty (no frames)")
    if frame is None:
        try:
            flushed = context.decode(None)
        except av.FFmpegError:
            flushed = []
        if not flushed:
            raise Rejected(f"no picture decodes from the {CODECS[context.name]} stream")
        frame = flushed[0]
    return _Sample(pts, frame, complete)


def _duration(opened: Opened, stream: VideoStream, time_base: Fraction) -> float | None:
    """The video stream's duration as the container states it (the file's when the stream
    keeps none); None when neither does."""
    if stream.duration is not None and stream.duration > 0:
        return float(stream.duration * time_base)
    if opened.container.duration is not None and opened.container.duration > 0:
        return opened.container.duration / 1_000_000
    return None


def _check_duration(seconds: float) -> None:
    if seconds > MAX_VIDEO_SECONDS:
        raise Rejected(f"too long: {seconds / 3600:.1f} hours (desk reads videos up to"
                       f" {MAX_VIDEO_SECONDS / 3600:g} hours)")


def _fps(stream: VideoStream) -> float | None:
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate is not None and 0 < rate < 10_000:
            return float(rate)
    return None


def _variable_rate(pts: list[int]) -> bool:
    """Whether frame intervals differ from the typical one by more than `RATE_TOLERANCE` (and
    by more than a tick, so a millisecond time base rounding 33.37 ms to 33 or 34 is even)."""
    ordered = sorted(set(pts))
    steps = [b - a for a, b in itertools.pairwise(ordered)]
    if len(steps) < 2:
        return False
    typical = statistics.median(steps)
    allowed = max(RATE_TOLERANCE * typical, 1.5)
    return any(abs(step - typical) > allowed for step in steps)


# --- tags ----------------------------------------------------------------------------------------


class _Tags:
    """The container's and the video stream's tags, keys lower-cased, values cleaned."""

    def __init__(self, fmt: Mapping[str, str], video: Mapping[str, str], label: str) -> None:
        self.label = label
        self._table: list[tuple[str, str]] = []
        self._values: dict[str, str] = {}
        self._names: dict[str, str] = {}  # lower-cased key -> the key as the file spells it
        for prefix, tags in (("", fmt), ("video:", video)):
            for key, value in list(tags.items())[:MAX_TAGS]:
                spelled = prefix + clean_text(key, 100)
                name = spelled.lower()
                text = clean_text(value, TEXT_LIMIT)
                if not text or name in self._values:
                    continue
                self._values[name] = text
                self._names[name] = spelled
                if len(self._table) < MAX_TAGS:
                    self._table.append((spelled if prefix else "format:" + spelled, text))

    def get(self, key: str) -> str | None:
        return self._values.get(key)

    def table(self) -> tuple[tuple[str, str], ...]:
        return tuple(self._table)

    def items(self) -> Iterable[tuple[str, str]]:
        return self._values.items()

    def source(self, key: str) -> str:
        """Where a tag was read, as the reviewer sees it ("MP4 video track handler_name")."""
        spelled = self._names.get(key, key)
        if key.startswith("video:"):
            return f"{self.label} video track {spelled.removeprefix('video:')}"
        if key.startswith("com."):
            return spelled
        return f"{self.label} {spelled}"

    def first(self, field_name: str, keys: tuple[str, ...], readings: list[Reading]) -> str | None:
        """The first of `keys` present; every present one becomes a reading."""
        chosen: str | None = None
        for key in keys:
            value = self.get(key)
            if value is None or any(r.field == field_name and r.value == value
                                    for r in readings):
                continue
            readings.append(Reading(field_name, value, self.source(key), chosen is None))
            chosen = chosen or value
        return chosen


#: Creation-time tags, best first: Apple's keeps the local offset and is written at capture;
#: the movie's and the track's are UTC by the QuickTime/Matroska definition; `date` (©day) is
#: free text some phones fill.
_CREATION_KEYS: tuple[tuple[str, bool], ...] = (
    ("com.apple.quicktime.creationdate", False),
    ("creation_time", True),
    ("video:creation_time", True),
    ("date", False),
)
_TIME = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?"
    r"\s?(Z|[+-]\d{2}:?\d{2})?",
    re.ASCII,
)
#: A creation time before this is a zeroed field read through one epoch or another (1904 for
#: QuickTime, 1970 for Unix), never a real recording.
_EPOCH_END = datetime(1971, 1, 1, tzinfo=UTC)
_LATEST = datetime(2100, 1, 1, tzinfo=UTC)


def parse_container_time(text: str, *, naive_is_utc: bool) -> datetime | None:
    """An ISO 8601 time as containers write it, aware; None when unreadable or without a zone
    (unless the tag is UTC by definition, `naive_is_utc`)."""
    match = _TIME.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute, second = (int(match[i]) for i in range(1, 7))
    micro = int((match[7] or ".0")[1:7].ljust(6, "0"))
    zone_text = match[8]
    if zone_text is None:
        if not naive_is_utc:
            return None
        zone: timezone = UTC
    elif zone_text == "Z":
        zone = UTC
    else:
        digits = zone_text[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 14 or minutes >= 60:
            return None
        delta = timedelta(hours=hours, minutes=minutes)
        zone = timezone(delta if zone_text[0] == "+" else -delta)
    try:
        return datetime(year, month, day, hour, minute, second, micro, tzinfo=zone)
    except ValueError:
        return None


def _creation_time(tags: _Tags, flags: list[Flag],
                   readings: list[Reading]) -> tuple[datetime | None, str | None]:
    chosen: tuple[datetime, str] | None = None
    epoch: tuple[str, str] | None = None
    bad: tuple[str, str] | None = None
    for key, naive_is_utc in _CREATION_KEYS:
        text = tags.get(key)
        if text is None:
            continue
        source = tags.source(key)
        moment = parse_container_time(text, naive_is_utc=naive_is_utc)
        if moment is None or moment >= _LATEST:
            readings.append(Reading("captured_at", text, source, False))
            if key != "date":  # ©day often holds a year or a date alone: no fault
                bad = bad or (text, source)
            continue
        if moment < _EPOCH_END:
            epoch = epoch or (text, source)
            readings.append(Reading("captured_at", moment.isoformat(), source, False))
            continue
        readings.append(Reading("captured_at", moment.isoformat(), source, chosen is None))
        chosen = chosen or (moment, source)
    if bad is not None:
        flags.append(unreadable("creation time", *bad))
    if epoch is not None:
        flags.append(epoch_time(*epoch))
    if chosen is None:
        if epoch is None:
            flags.append(NO_CREATION_TIME)
        return None, None
    return chosen



#: Location tags, best first: Apple's ISO 6709 key, then QuickTime's ©xyz (what Android writes)
#: and its language-tagged copy.
_LOCATION_KEYS = ("com.apple.quicktime.location.iso6709", "location", "location-eng",
                  "video:location")


def _location(tags: _Tags, flags: list[Flag],
              readings: list[Reading]) -> tuple[Gps | None, str | None]:
    chosen: tuple[Gps, str] | None = None
    bad: tuple[str, str] | None = None
    for key in _LOCATION_KEYS:
        text = tags.get(key)
        if text is None:
            continue
        source = tags.source(key)
        gps = parse_iso6709(text)
        shown = f"{gps.lat:.6f}, {gps.lon:.6f}" if gps else text
        if any(r.field == "gps" and r.value == shown for r in readings):
            continue
        readings.append(Reading("gps", shown, source, gps is not None and chosen is None))
        if gps is None:
            bad = bad or (text, source)
        elif chosen is None:
            chosen = (gps, source)
    if bad is not None:
        flags.append(unreadable("location", *bad))
    if chosen is None:
        flags.append(NO_LOCATION)
        return None, None
    if chosen[0].lat == 0 and chosen[0].lon == 0:
        flags.append(NULL_ISLAND)
        return None, None
    return chosen


def _reencode_flags(tags: _Tags) -> list[Flag]:
    """One "re-encoded" flag, naming the first tool found in the encoder-like tags."""
    for key in ("encoder", "video:encoder", "software", "com.apple.quicktime.software",
                "video:handler_name", "video:vendor_id", "make"):
        value = tags.get(key)
        if value is None:
            continue
        for pattern, tool in REENCODERS:
            if pattern.search(value):
                return [reencoded(tool, value)]
    return []


def _rotation(frame: VideoFrame, tags: _Tags) -> int:
    """Clockwise quarter turns (0, 90, 180, 270) that show the picture upright: the display
    matrix the decoder attached to the frame, or the old `rotate` tag."""
    counter_clockwise = frame.rotation  # PyAV reports the matrix's angle counter-clockwise
    if not counter_clockwise:
        text = tags.get("video:rotate") or tags.get("rotate") or ""
        if re.fullmatch(r"-?\d{1,4}", text):
            return _quarter(int(text))  # the tag was clockwise
        return 0
    return _quarter(-round(counter_clockwise))


def _quarter(degrees: int) -> int:
    return (round(degrees / 90) * 90) % 360


def _offset_text(moment: datetime | None) -> str | None:
    if moment is None or moment.utcoffset() is None:
        return None
    return moment.isoformat()[-6:]
