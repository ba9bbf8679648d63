"""What desk reads from a video container, on clips made here with PyAV, and the flags a
reviewer sees."""

from __future__ import annotations

import json
import struct
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from desk.core.errors import Rejected
from desk.core.iso6709 import parse_iso6709
from desk.core.limits import TEXT_LIMIT
from desk.core.sniff import sniff_format, sniff_video, video_refusal
from desk.core.video_probe import VideoInfo, parse_container_time, probe_video
from tests.core import imaging, videos

LOCATION = "+49.7100+037.6000/"
APPLE = {
    "com.apple.quicktime.location.ISO6709": "+49.7093+037.6150+105.250/",
    "com.apple.quicktime.creationdate": "2025-12-29T14:05:12+0300",
    "com.apple.quicktime.make": "Apple",
    "com.apple.quicktime.model": "iPhone 15 Pro",
    "com.apple.quicktime.software": "17.2.1",
}


def codes(info: VideoInfo) -> set[str]:
    return {flag.code for flag in info.flags}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("clips")
    return {
        "mp4": videos.make_clip(
            folder / "aired.mp4", gop=25, bframes=2,
            metadata={"creation_time": "2025-12-29T14:05:00.000000Z", "location": LOCATION}),
        "webm": videos.make_clip(folder / "web.webm", codec="libvpx-vp9", gop=25),
        "phone": videos.make_clip(
            folder / "phone.mov", fmt="mov", rotation=-90, metadata=APPLE,
            container_options={"movflags": "use_metadata_tags", "fflags": "+bitexact"},
            codec_options={"flags": "+bitexact"}),
    }


def test_h264_mp4_with_creation_time_and_location(clips: dict[str, Path]) -> None:
    info = probe_video(clips["mp4"])
    assert (info.container, info.codec, info.codec_label) == ("mp4", "h264", "H.264")
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.fps == 25 and info.frames == 50 and info.duration_s == pytest.approx(2.0)
    assert not info.variable_rate and info.pixel_format == "yuv420p"
    assert info.created_at == datetime(2025, 12, 29, 14, 5, tzinfo=UTC)
    assert info.created_at_source == "MP4 creation_time"
    assert info.location is not None
    assert (info.location.lat, info.location.lon) == (pytest.approx(49.71), pytest.approx(37.6))
    assert info.location_source == "MP4 location"
    assert {"no_creation_time", "no_location", "rotation_metadata"}.isdisjoint(codes(info))
    # PyAV writes with FFmpeg's libavformat, whose name stays in the file.
    assert "re_encoded" in codes(info) and info.encoder is not None
    assert info.encoder.startswith("Lavf")
    flag = next(f for f in info.flags if f.code == "re_encoded")
    assert "FFmpeg" in flag.message and "not the camera's original" in flag.message


def test_a_vp9_webm(clips: dict[str, Path]) -> None:
    info = probe_video(clips["webm"])
    assert (info.container, info.codec, info.width, info.height) == ("webm", "vp9", 160, 120)
    assert info.frames == 50 and info.frames_counted  # Matroska keeps no count: counted
    assert info.duration_s == pytest.approx(2.0)
    assert {"no_creation_time", "no_location"} <= codes(info)
    assert info.created_at is None and info.location is None


def test_a_rotated_phone_clip_with_apple_keys(clips: dict[str, Path]) -> None:
    info = probe_video(clips["phone"])
    assert info.container == "mov"
    assert info.rotation == 90 and info.display_size == (120, 160)
    assert "rotation_metadata" in codes(info)
    rotation = next(f for f in info.flags if f.code == "rotation_metadata")
    assert "160x120" in rotation.message and "90° clockwise" in rotation.message
    assert info.created_at == datetime(2025, 12, 29, 14, 5, 12,
                                       tzinfo=timezone(timedelta(hours=3)))
    assert info.created_at_source == "com.apple.quicktime.creationdate"
    assert info.location is not None and info.location.altitude == pytest.approx(105.25)
    assert info.location_source == "com.apple.quicktime.location.ISO6709"
    assert (info.make, info.model, info.software) == ("Apple", "iPhone 15 Pro", "17.2.1")
    metadata = info.metadata()
    assert metadata.captured_at == "2025-12-29T14:05:12+03:00" and metadata.utc_offset == "+03:00"
    assert metadata.gps == info.location and metadata.make == "Apple"
    assert any(r.field == "captured_at" and r.used for r in metadata.readings)


def test_ffmpegs_vendor_mark_alone_flags_the_file_and_a_clean_file_is_not_flagged(
    clips: dict[str, Path], tmp_path: Path,
) -> None:
    # Written "bitexact", FFmpeg leaves out its encoder tag but still signs the sample entry.
    info = probe_video(clips["phone"])
    assert info.encoder is None and "re_encoded" in codes(info)
    cleaned = tmp_path / "camera.mov"
    cleaned.write_bytes(clips["phone"].read_bytes().replace(b"FFMP", b"appl"))
    assert "re_encoded" not in codes(probe_video(cleaned))


def test_an_editors_encoder_string_is_named(tmp_path: Path) -> None:
    clip = videos.make_clip(
        tmp_path / "edit.mp4", metadata={"com.apple.quicktime.software": "CapCut 12.1"},
        container_options={"fflags": "+bitexact", "movflags": "use_metadata_tags"})
    info = probe_video(clip)
    flag = next(f for f in info.flags if f.code == "re_encoded")
    assert info.software == "CapCut 12.1"
    assert "names CapCut (\u201cCapCut 12.1\u201d)" in flag.message


def test_the_epoch_as_creation_time_is_flagged_not_used(tmp_path: Path) -> None:
    clip = videos.make_clip(tmp_path / "epoch.mp4", container_options={"movflags": "faststart"},
                            metadata={"creation_time": "2025-12-29T14:05:00Z"})
    data = bytearray(clip.read_bytes())
    offset, _ = videos.find_box(bytes(data), (b"moov", b"mvhd"))
    struct.pack_into(">I", data, offset + 12, 2_082_844_800)  # QuickTime's count for 1970
    clip.write_bytes(bytes(data))
    info = probe_video(clip)
    epoch = [f for f in info.flags if f.code == "epoch_creation_time"]
    assert epoch and "1970-01-01" in epoch[0].message
    # The track keeps its own (real) time, which is then the one used.
    assert info.created_at == datetime(2025, 12, 29, 14, 5, tzinfo=UTC)
    assert info.created_at_source == "MP4 video track creation_time"


def test_no_creation_time_and_no_location_are_flagged(clips: dict[str, Path]) -> None:
    flags = {f.code: f.message for f in probe_video(clips["webm"]).flags}
    assert flags["no_creation_time"] == "No creation time in the container."
    assert flags["no_location"] == "No location in the container."


def test_uneven_frame_timing_is_a_variable_frame_rate(tmp_path: Path) -> None:
    steady = videos.make_clip(tmp_path / "steady.mp4")
    uneven = videos.make_clip(tmp_path / "uneven.mp4",
                              pts_of=[0, 1, 2, 3, 5, 6, 7, 10, 11, 12, 13, 14, 16, 17, 18])
    assert not probe_video(steady).variable_rate
    info = probe_video(uneven)
    assert info.variable_rate and "variable_frame_rate" in codes(info)


def test_container_text_is_cleaned_and_capped(tmp_path: Path) -> None:
    clip = videos.make_clip(
        tmp_path / "hostile.mp4", container_options={"movflags": "use_metadata_tags"},
        metadata={"make": "\x1b[2JCanon\u202egpj.exe" + "A" * 5000,
                  "location": "+99.0000+037.0000/", "creation_time": "yesterday"})
    info = probe_video(clip)
    assert info.make is not None
    assert "\x1b" not in info.make and "\u202e" not in info.make
    assert len(info.make) <= TEXT_LIMIT and info.make.endswith("…")
    assert info.location is None and info.created_at is None
    assert {"location_unreadable", "no_location"} <= codes(info)
    assert all(len(value) <= TEXT_LIMIT for _, value in info.tags)


def test_video_info_is_json(clips: dict[str, Path]) -> None:
    data = probe_video(clips["mp4"]).to_json()
    assert json.loads(json.dumps(data)) == data
    assert list(data)[:10] == ["duration_s", "fps", "frames", "codec", "width", "height",
                               "rotation", "created_at", "location", "container"]
    assert data["created_at"] == "2025-12-29T14:05:00+00:00"
    assert data["location"] == {"lat": pytest.approx(49.71), "lon": pytest.approx(37.6)}


def test_frame_counts_can_be_counted_packet_by_packet(tmp_path: Path) -> None:
    clip = videos.make_clip(tmp_path / "long.mp4", seconds=30, fps=25, size=(64, 48))
    quick = probe_video(clip)
    counted = probe_video(clip, count_frames=True)
    assert quick.frames == counted.frames == 750
    assert not quick.frames_counted and counted.frames_counted


# --- ISO 6709 and container times ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lat", "lon", "alt"),
    [
        ("+49.7100+037.6000/", 49.71, 37.6, None),
        ("+37.7858-122.4064+012.345/", 37.7858, -122.4064, 12.345),
        ("-33.8688+151.2093", -33.8688, 151.2093, None),
        ("+4942.600+03736.000/", 49.71, 37.6, None),  # degrees and minutes
        ("+494236+0373600/", 49.71, 37.6, None),  # degrees, minutes and seconds
        ("+494236.5-0373600.25+100CRSWGS_84/", 49 + 42 / 60 + 36.5 / 3600,
         -(37 + 36 / 60 + 0.25 / 3600), 100.0),
        ("+00.0000+000.0000/", 0.0, 0.0, None),
    ],
)
def test_iso6709_forms(text: str, lat: float, lon: float, alt: float | None) -> None:
    gps = parse_iso6709(text)
    assert gps is not None
    assert (gps.lat, gps.lon) == (pytest.approx(lat), pytest.approx(lon))
    assert gps.altitude == (pytest.approx(alt) if alt is not None else None)


@pytest.mark.parametrize(
    "text",
    ["", "49.71,37.60", "+91.0000+037.0000/", "+49.0000+181.0000/", "+4960.000+03736.000/",
     "+494260+0373600/", "+49.71+37.60/", "+49.7100+037.6000/extra", "+49.7100+037.6000//",
     "+49.7100+037.6000CRSNAD27/", "+" + "1" * 80, "+49.7100 +037.6000/", "−49.7100+037.6000/"],
)
def test_what_is_not_iso6709_is_refused(text: str) -> None:
    assert parse_iso6709(text) is None


def test_container_times() -> None:
    assert parse_container_time("2025-12-29T14:05:00.000000Z", naive_is_utc=True) == \
        datetime(2025, 12, 29, 14, 5, tzinfo=UTC)
    assert parse_container_time("2025-12-29T14:05:00-0430", naive_is_utc=False) == \
        datetime(2025, 12, 29, 14, 5, tzinfo=timezone(-timedelta(hours=4, minutes=30)))
    assert parse_container_time("2025-12-29 14:05:00", naive_is_utc=True) == \
        datetime(2025, 12, 29, 14, 5, tzinfo=UTC)
    assert parse_container_time("2025-12-29 14:05:00", naive_is_utc=False) is None
    assert parse_container_time("2025-02-30T00:00:00Z", naive_is_utc=True) is None
    assert parse_container_time("2025-12-29T14:05:00+1900", naive_is_utc=True) is None


# --- recognising containers ----------------------------------------------------------------------


def _ftyp(major: bytes, *compatible: bytes) -> bytes:
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return struct.pack(">I", 8 + len(body)) + b"ftyp" + body + b"\x00\x00\x00\x08free"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (_ftyp(b"isom", b"isom", b"avc1", b"mp41"), "mp4"),
        (_ftyp(b"mp42", b"mp42", b"isom"), "mp4"),
        (_ftyp(b"qt  ", b"qt  "), "mov"),
        (_ftyp(b"M4V ", b"M4V ", b"M4A ", b"mp42"), "m4v"),
        (_ftyp(b"3gp4", b"3gp4", b"isom"), "3gp"),
        (_ftyp(b"M4A ", b"M4A ", b"mp42"), "mp4"),  # audio: refused later, "no video stream"
        (b"\x00\x00\x00\x08wide\x00\x00\x10\x00mdat", "mov"),  # QuickTime before ftyp existed
        (videos.matroska(frames=[]), "webm"),
        (videos.matroska(frames=[], doctype=b"matroska"), "mkv"),
        (b"RIFF\x00\x10\x00\x00AVI LIST", "avi"),
        (b"".join(b"\x47" + bytes(187) for _ in range(6)), "mpegts"),
        (b"".join(bytes(4) + b"\x47" + bytes(187) for _ in range(6)), "mpegts"),  # .m2ts
    ],
)
def test_video_containers_are_recognised_by_content(head: bytes, kind: str) -> None:
    assert sniff_video(head[:1024]) == kind


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", "not a video: a still image (HEIC)"),
        (imaging.make_jpeg(16, 16), "not a video: a still image (JPEG)"),
        (imaging.pdf_bytes(), "not a video: looks like a PDF"),
        (b"FLV\x01\x05\x00\x00\x00\x09", "unsupported video format: Flash video (FLV)"),
        (b"\x00\x00\x01\xba\x44\x00\x04", "unsupported video format: MPEG program stream"),
        (b"\x47" + bytes(400), "not a video: unrecognized content"),
        (b"", "empty file"),
    ],
)
def test_other_content_is_not_a_video(head: bytes, reason: str) -> None:
    assert sniff_video(head[:1024]) is None
    assert video_refusal(head[:1024]) == reason


def test_stills_still_refuse_videos(clips: dict[str, Path]) -> None:
    with pytest.raises(Rejected, match="not a still image: looks like a video"):
        sniff_format(clips["mp4"].read_bytes()[:1024])
