"""Frames taken from videos: the right frame at the right index and time, pixels equal to an
independent decode from the start, and hashes a reader re-derives with FFmpeg alone."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from desk.core.errors import Rejected
from desk.core.video_frames import (
    SCENE_SAMPLE,
    FrameRequest,
    FrameTable,
    VideoReader,
    scene_sample,
    scene_score,
    take_frames,
    timecode,
)
from desk.core.video_isolation import VideoSession, take_frames_isolated
from tests.core import videos

#: x264 options for an open GOP: keyframes that are not IDR, with B-frames that lean on the
#: GOP before them (the case where naive seeking gives wrong pixels).
OPEN_GOP = {"x264-params": "open-gop=1:keyint=20:min-keyint=20:scenecut=0"}


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("frames")
    return {
        "h264": videos.make_clip(folder / "bframes.mp4", gop=12, bframes=2),
        "vp9": videos.make_clip(folder / "web.webm", codec="libvpx-vp9", gop=12),
        "open_gop": videos.make_clip(folder / "open.mkv", bframes=3, seconds=3,
                                     codec_options=OPEN_GOP),
        "ts": videos.make_clip(folder / "aired.ts", fmt="mpegts", gop=10, bframes=2),
        "rotated": videos.make_clip(folder / "phone.mp4", rotation=-90, seconds=1),
        "scenes": videos.make_clip(folder / "cuts.mp4", seconds=4, shots=1, gop=50),
    }


@pytest.fixture(scope="module")
def reference(clips: dict[str, Path]) -> dict[str, list[tuple[int, str, bytes]]]:
    """Every frame of every clip decoded from the start by plain PyAV."""
    return {name: videos.decode_all(path) for name, path in clips.items()}


@pytest.mark.parametrize("name", ["h264", "vp9", "open_gop", "ts"])
def test_every_frame_in_any_order_is_the_frame_decoded_from_the_start(
    clips: dict[str, Path], reference: dict[str, list[tuple[int, str, bytes]]], name: str,
) -> None:
    expected = reference[name]
    with VideoReader.open(clips[name]) as reader:
        assert reader.table.frames == len(expected)
        assert list(reader.table.pts) == [pts for pts, _, _ in expected]
        order = list(range(len(expected)))
        random.Random(13).shuffle(order)  # backward and forward jumps, across keyframes
        for index in order:
            frame = reader.frame(index, image=index % 5 == 0)
            assert frame.frame_index == index
            assert frame.pts == expected[index][0]
            assert frame.pixels_sha256 == expected[index][1], f"frame {index}"
            if frame.rgb:
                assert frame.rgb == expected[index][2]


def test_pixel_hashes_are_what_ffmpegs_framehash_prints(clips: dict[str, Path]) -> None:
    lines = videos.framehash_lines(clips["h264"])
    taken = list(take_frames(clips["h264"], FrameRequest("every", every=0.04, images=False)))
    assert [f.pixels_sha256 for f in taken] == lines


@pytest.mark.parametrize(
    ("codec", "pix_fmt", "suffix"),
    [("libx264", "yuv444p", "mp4"), ("libx264", "yuv420p10le", "mp4"),
     ("libvpx-vp9", "gbrp", "webm"), ("mjpeg", "yuvj422p", "avi")],
)
def test_every_pixel_format_is_hashed_as_ffmpeg_packs_it(
    tmp_path: Path, codec: str, pix_fmt: str, suffix: str,
) -> None:
    clip = videos.make_clip(tmp_path / f"clip.{suffix}", codec=codec, pix_fmt=pix_fmt,
                            seconds=0.4)
    taken = list(take_frames(clip, FrameRequest("every", every=0.04)))
    assert taken[0].pixel_format == pix_fmt
    assert [f.pixels_sha256 for f in taken] == videos.framehash_lines(clip)
    assert all(len(f.rgb) == 160 * 120 * 3 for f in taken)


def test_pixel_hashes_are_the_same_in_every_run(clips: dict[str, Path]) -> None:
    request = FrameRequest("every", every=0.3, images=False)
    first = [f.pixels_sha256 for f in take_frames(clips["vp9"], request)]
    again = [f.pixels_sha256 for f in take_frames(clips["vp9"], request)]
    isolated = [f.pixels_sha256 for f in take_frames_isolated(clips["vp9"], request)]
    assert first == again == isolated
    assert len(set(first)) == len(first) == 7


def test_times_index_and_timecode(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["h264"]) as reader:
        assert reader.table.end_s() == pytest.approx(2.0)
        frame = reader.frame_at(0.5)  # frames every 40 ms: 0.48 is on screen at 0.5
        assert (frame.frame_index, frame.pts_s, frame.timecode) == (12, 0.48, "00:00:00.480")
        assert frame.time_base == Fraction(1, 12800)
        assert reader.frame_at(0.52).frame_index == 13
        assert reader.frame_at(1.999).frame_index == 49
        with pytest.raises(Rejected, match="no frame at 2 s"):
            reader.frame_at(2.0)
        with pytest.raises(Rejected, match="no frame at -1 s"):
            reader.frame_at(-1)
        with pytest.raises(Rejected, match="no frame 50: the video has 50 frames"):
            reader.frame(50)


def test_times_count_from_the_first_frame(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["ts"]) as reader:
        assert reader.table.pts[0] > 0  # a transport stream's clock does not start at 0
        first = reader.frame(0, image=False)
        assert (first.pts_s, first.timecode) == (0.0, "00:00:00.000")


def test_stepping_forward_and_back(
    clips: dict[str, Path], reference: dict[str, list[tuple[int, str, bytes]]],
) -> None:
    expected = reference["h264"]
    with VideoReader.open(clips["h264"]) as reader:
        assert reader.step(image=False).frame_index == 0  # nothing shown yet: frame 0
        reader.frame(10, image=False)
        for index in range(11, 30):
            frame = reader.step(1, image=False)
            assert (frame.frame_index, frame.pixels_sha256) == (index, expected[index][1])
        frame = reader.step(-1, image=False)
        assert (frame.frame_index, frame.pixels_sha256) == (28, expected[28][1])
        assert reader.step(-100, image=False).frame_index == 0
        reader.frame(49, image=False)
        assert reader.step(5, image=False).frame_index == 49  # kept within the video


def test_keyframes_are_taken_and_listed(
    clips: dict[str, Path], reference: dict[str, list[tuple[int, str, bytes]]],
) -> None:
    for name in ("h264", "open_gop"):
        with VideoReader.open(clips[name]) as reader:
            keys = list(reader.keyframes())
            assert [k.frame_index for k in keys] == list(reader.table.keyframes)
            assert all(k.keyframe for k in keys)
            assert [k.pts_s for k in keys] == pytest.approx(reader.keyframe_times())
            for key in keys:
                assert key.pixels_sha256 == reference[name][key.frame_index][1]
                assert key.rgb == reference[name][key.frame_index][2]
    with VideoReader.open(clips["open_gop"]) as reader:
        assert reader.table.keyframes == (0, 20, 40, 60)


def test_a_frame_every_n_seconds(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["h264"]) as reader:
        taken = list(reader.every(0.5, image=False))
        assert [f.frame_index for f in taken] == [0, 12, 25, 37]
        assert [f.timecode for f in taken] == ["00:00:00.000", "00:00:00.480",
                                               "00:00:01.000", "00:00:01.480"]
        with pytest.raises(Rejected, match="more than 0 seconds"):
            list(reader.every(0))
        with pytest.raises(Rejected, match="too many frames"):
            list(reader.every(0.001, limit=100))


def test_frames_at_times_in_order_and_once(clips: dict[str, Path]) -> None:
    taken = list(take_frames(clips["vp9"], FrameRequest("at", times=(1.5, 0.0, 0.01, 1.51))))
    assert [f.frame_index for f in taken] == [0, 37]
    assert all(len(f.rgb) == 160 * 120 * 3 for f in taken)


def test_scene_changes_start_at_the_cuts(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["scenes"]) as reader:
        scenes = list(reader.scenes())
        assert [s.frame_index for s in scenes] == [0, 25, 50, 75]  # a new shot every second
        assert scenes[0].scene_score is None
        assert all(s.scene_score is not None and s.scene_score >= 30 for s in scenes[1:])
        assert [s.frame_index for s in reader.scenes(limit=2)] == [0, 25]
        assert [s.frame_index for s in reader.scenes(threshold=250)] == [0]
        assert [s.frame_index for s in reader.scenes(min_gap_s=1.5)] == [0, 50]


def test_the_scene_score_is_a_mean_absolute_difference(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["scenes"]) as reader:
        frames = [f for _, f in zip(range(26), reader._sequential(), strict=False)]
    samples = [scene_sample(f) for _, f in frames]
    assert samples[0].size == SCENE_SAMPLE and samples[0].mode == "L"
    assert scene_score(samples[0], samples[0]) == 0
    within, cut = scene_score(samples[1], samples[2]), scene_score(samples[24], samples[25])
    assert within < 10 < 30 <= cut


def test_a_rotated_frame_is_shown_upright(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["rotated"]) as reader:
        frame = reader.frame(3)
    assert frame.rotation == 90 and (frame.width, frame.height) == (160, 120)
    assert frame.image().size == (120, 160)
    assert frame.image(upright=False).size == (160, 120)


def test_frame_tables_round_trip_and_refuse_garbage(clips: dict[str, Path]) -> None:
    with VideoReader.open(clips["h264"]) as reader:
        table = reader.table
    again = FrameTable.from_json(table.to_json())
    assert again == table
    with VideoReader.open(clips["h264"], table=again) as reader:
        assert reader.frame(20, image=False).frame_index == 20
    for broken in ({}, {**table.to_json(), "pts": [3, 2, 1]},
                   {**table.to_json(), "keyframes": [99]}, {**table.to_json(), "time_base": [1, 0]},
                   {**table.to_json(), "pts": ["1"]}):
        with pytest.raises(ValueError, match="not a frame table"):
            FrameTable.from_json(broken)


def test_timecodes() -> None:
    assert timecode(0) == "00:00:00.000"
    assert timecode(Fraction(1, 3)) == "00:00:00.333"
    assert timecode(3723.4567) == "01:02:03.457"
    assert timecode(-1) == "00:00:00.000"


def test_a_session_scrubs_in_its_worker(
    clips: dict[str, Path], reference: dict[str, list[tuple[int, str, bytes]]],
) -> None:
    expected = reference["h264"]
    with VideoSession(clips["h264"]) as session:
        assert session.info.frames == 50 and session.keyframe_times()[0] == 0.0
        first = session.frame_at(1.0)
        assert (first.frame_index, first.pixels_sha256) == (25, expected[25][1])
        assert first.rgb == expected[25][2]
        second = session.step(1)  # the image now comes through shared memory
        assert (second.frame_index, second.rgb) == (26, expected[26][2])
        assert session.step(-2, image=False).frame_index == 24
        taken = list(session.take(FrameRequest("keyframes", images=False)))
        assert [t.frame_index for t in taken] == list(session.table.keyframes)
