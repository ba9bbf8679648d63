"""`desk import` of videos, `desk frames` and the footage keys of `desk info --json`: the names
other tools call."""

from __future__ import annotations

import hashlib
from pathlib import Path

import av
import pytest

from tests.cli.conftest import Desk
from tests.core import imaging, videos

FRAME_KEYS = {"id", "frame_index", "pts_s", "sha256", "pixels_sha256"}
VIDEO_KEYS = {"duration_s", "fps", "frames", "codec", "width", "height", "rotation",
              "created_at", "location"}


@pytest.fixture
def footage(desk: Desk, tmp_path: Path) -> tuple[Path, Path, int, int]:
    """A case holding a still and a 2 s clip (H.264, keyframe every 12 frames, a location):
    (case, clip, still id, video id)."""
    case = tmp_path / "case.deskcase"
    clip = videos.make_clip(tmp_path / "aired.mp4", gop=12, bframes=2,
                            metadata={"creation_time": "2025-12-29T14:05:00Z",
                                      "location": "+49.7101+037.6152/"})
    still = tmp_path / "photo.jpg"
    still.write_bytes(imaging.make_jpeg(64, 48))
    assert desk("new", case, "--title", "footage").code == 0
    ran = desk("import", case, still, clip, "--json")
    assert ran.code == 0, ran.err
    imported = ran.json()["imported"]
    assert isinstance(imported, list)
    ids = [int(i["id"]) for i in imported]
    return case, clip, ids[0], ids[1]


def test_info_names_each_items_kind_and_a_videos_container(
        desk: Desk, footage: tuple[Path, Path, int, int]) -> None:
    case, clip, still_id, video_id = footage
    evidence = desk("info", case, "--json").json()["evidence"]
    assert isinstance(evidence, list)
    assert [e["id"] for e in evidence] == [still_id, video_id]
    assert isinstance(evidence, list)
    still, video = evidence
    assert (still["kind"], video["kind"]) == ("still", "video")
    assert "video" not in still and "frame_of" not in still
    assert set(video["video"]) >= VIDEO_KEYS
    assert video["sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert (video["video"]["codec"], video["video"]["frames"], video["video"]["fps"]) == (
        "h264", 50, 25)
    assert (video["video"]["width"], video["video"]["height"]) == (160, 120)
    assert video["video"]["rotation"] == 0
    assert video["video"]["created_at"] == "2025-12-29T14:05:00+00:00"
    assert video["video"]["location"] == {"lat": 49.7101, "lon": 37.6152}
    assert {"id", "sha256", "name", "format", "flags", "provenance"} <= set(video)
    text = desk("info", case)
    assert "video: 2 s, 25 fps, 50 frames, h264 160x120" in text.out


def test_frames_json_and_duplicates(desk: Desk, footage: tuple[Path, Path, int, int]) -> None:
    case, clip, _, video_id = footage
    ran = desk("frames", case, "--video", video_id, "--keyframes", "--json")
    assert ran.code == 0, ran.err
    data = ran.json()
    assert list(data) == ["frames"]
    frames = data["frames"]
    assert isinstance(frames, list)
    with av.open(str(clip)) as container:  # keyframes as plain PyAV decodes them
        keys = [i for i, f in enumerate(container.decode(video=0)) if f.key_frame]
    assert [f["frame_index"] for f in frames] == keys
    assert 12 in keys and 25 not in keys
    reference = videos.decode_all(clip)
    for frame in frames:
        assert set(frame) >= FRAME_KEYS
        assert frame["pixels_sha256"] == reference[frame["frame_index"]][1]
        assert frame["duplicate"] is False
    assert frames[1]["frame_index"] == 12 and frames[1]["pts_s"] == pytest.approx(0.48)
    again = desk("frames", case, "--video", video_id, "--at", "0.48", "1.0", "--json").json()
    at = again["frames"]
    assert isinstance(at, list)
    assert [(f["frame_index"], f["duplicate"]) for f in at] == [(12, True), (25, False)]
    assert at[0]["id"] == frames[1]["id"] and at[0]["sha256"] == frames[1]["sha256"]
    evidence = desk("info", case, "--json").json()["evidence"]
    assert isinstance(evidence, list)
    taken = {e["id"]: e for e in evidence if "frame_of" in e}
    assert len(taken) == len(keys) + 1
    frame_of = taken[frames[1]["id"]]["frame_of"]
    assert {"video_id", "video_sha256", "frame_index", "pts_s"} <= set(frame_of)
    assert (frame_of["video_id"], frame_of["frame_index"]) == (video_id, 12)
    assert frame_of["video_sha256"] == hashlib.sha256(clip.read_bytes()).hexdigest()
    assert taken[frames[1]["id"]]["kind"] == "still"
    assert desk("verify", case).code == 0


def test_frames_without_json_prints_progress_on_stderr(
        desk: Desk, footage: tuple[Path, Path, int, int]) -> None:
    case, _, _, video_id = footage
    ran = desk("frames", case, "--video", video_id, "--every", "1")
    assert ran.code == 0, ran.err
    assert "frame 2/2" in ran.err
    assert "2 frames taken, 0 duplicates" in ran.out


@pytest.mark.parametrize(("args", "said"), [
    (["--keyframes", "--scenes"], "not allowed with argument"),
    (["--every", "0"], "--every takes a number of seconds above 0"),
    (["--at", "-1"], "--at takes seconds from the start"),
    (["--at", "soon"], "--at takes a number of seconds"),
    ([], "one of the arguments"),
])
def test_frames_usage_errors_say_what_is_wrong(
        desk: Desk, footage: tuple[Path, Path, int, int], args: list[str], said: str) -> None:
    case, _, _, video_id = footage
    ran = desk("frames", case, "--video", video_id, *args)
    assert ran.code == 2 and said in ran.err, ran.err


def test_frames_of_a_still_or_a_missing_item_are_refused(
        desk: Desk, footage: tuple[Path, Path, int, int]) -> None:
    case, _, still_id, _ = footage
    ran = desk("frames", case, "--video", still_id, "--keyframes")
    assert ran.code == 2 and "is a still, not a video" in ran.err
    ran = desk("frames", case, "--video", 99, "--keyframes")
    assert ran.code == 2 and "there is no evidence 99" in ran.err


def test_a_request_the_reader_refuses_is_said_and_stores_nothing(
        desk: Desk, footage: tuple[Path, Path, int, int]) -> None:
    case, _, _, video_id = footage
    ran = desk("frames", case, "--video", video_id, "--every", "0.0001", "--json")
    assert ran.code == 1
    assert ran.json() == {"frames": [], "error": "too many frames: every 0.0001 s gives"
                                                 " 19,601 (at most 10,000)"}
    assert "taking frames stopped: too many frames" in ran.err
    evidence = desk("info", case, "--json").json()["evidence"]
    assert isinstance(evidence, list) and len(evidence) == 2
