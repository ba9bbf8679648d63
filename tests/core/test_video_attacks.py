"""Hostile and broken videos end as a reason within seconds: never a crash or a hang of the
caller. Everything here runs the real worker (`desk.core.video_isolation`)."""

from __future__ import annotations

import os
import random
import struct
import sys
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, BinaryIO

import av
import pytest

from desk.core.errors import Rejected
from desk.core.video_frames import FrameRequest
from desk.core.video_isolation import (
    VideoSession,
    probe_isolated,
    take_frames_isolated,
)
from tests.core import imaging, videos

#: Generous bound on "within seconds" on a shared, busy machine (a worker start is ~1 s).
WITHIN_S = 15.0
STBL = (b"moov", b"trak", b"mdia", b"minf", b"stbl")


def _audio_only(path: Path, *, with_empty_video: bool = False) -> Path:
    container = av.open(str(path), "w", format="ipod" if path.suffix == ".m4a" else None)
    try:
        if with_empty_video:
            video = container.add_stream("libx264", rate=25)
            video.width, video.height, video.pix_fmt = 160, 120, "yuv420p"
        audio = container.add_stream("aac", rate=44100)
        frame = av.AudioFrame(format="fltp", layout="mono", samples=1024)
        frame.sample_rate = 44100
        for plane in frame.planes:
            plane.update(bytes(plane.buffer_size))
        for index in range(10):
            frame.pts = index * 1024
            for packet in audio.encode(frame):
                container.mux(packet)
        for packet in audio.encode():
            container.mux(packet)
    finally:
        container.close()
    return path


def _hostile(folder: Path) -> dict[str, tuple[bytes, str]]:
    """name -> (file bytes, what the reason says)."""
    moov_last = videos.make_clip(folder / "moov_last.mp4", gop=25).read_bytes()
    moov_first = videos.make_clip(folder / "moov_first.mp4", gop=25,
                                  container_options={"movflags": "faststart"}).read_bytes()
    webm = videos.make_clip(folder / "web.webm", codec="libvpx-vp9", seconds=1).read_bytes()
    avi = videos.make_clip(folder / "old.avi", codec="mpeg4", seconds=1).read_bytes()

    billion = bytearray(moov_first)  # a moov claiming 10^9 frames of one byte each
    offset, _ = videos.find_box(moov_first, (*STBL, b"stsz"))
    struct.pack_into(">II", billion, offset + 12, 1, 10**9)
    offset, _ = videos.find_box(moov_first, (*STBL, b"stts"))
    struct.pack_into(">I", billion, offset + 16, 10**9)

    empty = bytearray(moov_first)  # a video track with no samples at all
    for box, at in ((b"stsz", 16), (b"stts", 12), (b"stsc", 12), (b"stco", 12), (b"stss", 12)):
        try:
            offset, _ = videos.find_box(moov_first, (*STBL, box))
        except KeyError:
            continue
        struct.pack_into(">I", empty, offset + at, 0)

    long = bytearray(webm)  # a WebM whose Info says ten hours
    at = long.find(b"\x44\x89\x88")
    struct.pack_into(">d", long, at + 3, 10 * 3600 * 1000.0)

    rng = random.Random(7)
    packets = videos.vp9_packets()
    return {
        "truncated (moov at the end)": (moov_last[: len(moov_last) // 2],
                                        "truncated MP4: no moov atom"),
        "truncated (moov first)": (moov_first[: len(moov_first) // 2],
                                   "truncated MP4: the file ends"),
        "truncated WebM": (webm[: len(webm) // 2], "truncated WebM: the file ends"),
        "truncated AVI": (avi[: len(avi) // 2], "truncated AVI: the file ends"),
        "no moov": (moov_last[: videos.find_box(moov_last, (b"moov",))[0]],
                    "truncated MP4: no moov atom"),
        "garbage after a valid ftyp": (moov_last[:32] + rng.randbytes(20_000), "corrupt MP4"),
        "a moov claiming 10^9 frames": (bytes(billion),
                                        "implausible frame count: the container claims"
                                        " 1,000,000,000 frames"),
        "a zero-length stream (MP4)": (bytes(empty), "the video stream is empty"),
        "a zero-length stream (WebM)": (videos.matroska(frames=[]), "the video stream is empty"),
        "100 000 x 100 000 frames": (videos.matroska(width=100_000, height=100_000,
                                                     frames=packets),
                                     "frame too large: 100000x100000"),
        "deeply nested MKV": (videos.matroska(frames=packets, doctype=b"matroska",
                                              tags=videos.nested_simple_tags(10_000)),
                              "MKV nested too deeply"),
        "ten hours": (bytes(long), "too long: 10.0 hours"),
        "random bytes": (rng.randbytes(50_000), "not a video: unrecognized content"),
        "a JPEG": (imaging.make_jpeg(64, 48), "not a video: a still image (JPEG)"),
        "sync bytes and noise": (b"".join(b"\x47" + rng.randbytes(187) for _ in range(300)),
                                 "no video stream"),
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, str]]:
    folder = tmp_path_factory.mktemp("hostile")
    made: dict[str, tuple[Path, str]] = {}
    for number, (name, (data, reason)) in enumerate(_hostile(folder).items()):
        path = folder / f"hostile-{number}.mp4"  # the name says MP4 whatever the content is
        path.write_bytes(data)
        made[name] = (path, reason)
    made["unsupported codec"] = (videos.make_clip(folder / "ffv1.mkv", codec="ffv1",
                                                  seconds=0.4), "unsupported codec ffv1")
    made["no video stream"] = (_audio_only(folder / "voice.m4a"), "no video stream")
    made["a video track never written"] = (
        _audio_only(folder / "silent.mp4", with_empty_video=True), "no video stream")
    return made


@pytest.mark.parametrize("name", [
    "truncated (moov at the end)", "truncated (moov first)", "truncated WebM", "truncated AVI",
    "no moov", "garbage after a valid ftyp", "a moov claiming 10^9 frames",
    "a zero-length stream (MP4)", "a zero-length stream (WebM)", "100 000 x 100 000 frames",
    "deeply nested MKV", "ten hours", "random bytes", "a JPEG", "sync bytes and noise",
    "unsupported codec", "no video stream", "a video track never written",
])
def test_a_hostile_video_is_rejected_with_a_reason(
    hostile: dict[str, tuple[Path, str]], name: str,
) -> None:
    path, reason = hostile[name]
    started = time.monotonic()
    with pytest.raises(Rejected) as caught:
        probe_isolated(path)
    assert time.monotonic() - started < WITHIN_S
    assert caught.value.reason.startswith(reason), caught.value.reason


@pytest.mark.parametrize("name", ["a moov claiming 10^9 frames", "deeply nested MKV",
                                  "100 000 x 100 000 frames"])
def test_taking_frames_from_a_hostile_video_is_refused_too(
    hostile: dict[str, tuple[Path, str]], name: str,
) -> None:
    path, reason = hostile[name]
    with pytest.raises(Rejected, match="^" + reason[:20]):
        list(take_frames_isolated(path, FrameRequest("keyframes")))


def test_damage_inside_the_stream_gives_frames_or_a_reason(tmp_path: Path) -> None:
    clip = videos.make_clip(tmp_path / "damaged.mp4", gop=10, seconds=3,
                            container_options={"movflags": "faststart"})
    data = bytearray(clip.read_bytes())
    offset, size = next((o, s) for kind, o, s in videos.boxes(bytes(data)) if kind == b"mdat")
    rng = random.Random(3)
    for at in rng.sample(range(offset + size // 3, offset + size), size // 4):
        data[at] = rng.randrange(256)
    clip.write_bytes(bytes(data))
    started = time.monotonic()
    taken = []
    try:
        taken.extend(take_frames_isolated(clip, FrameRequest("every", every=0.5)))
    except Rejected as exc:
        assert exc.reason
    assert time.monotonic() - started < WITHIN_S
    assert all(len(frame.pixels_sha256) == 64 for frame in taken)


# --- the worker itself hanging, crashing or running out of memory --------------------------------


def hanging_worker(conn: Connection[Any, Any]) -> None:
    conn.recv()
    time.sleep(600)


def crashing_worker(conn: Connection[Any, Any]) -> None:
    conn.recv()
    os.abort()


def crashing_opener() -> BinaryIO:
    """Stands for a decoder crash: the worker dies by a signal while reading the file."""
    os.abort()


def greedy_opener() -> BinaryIO:
    """Stands for a decompression bomb: the worker asks for more memory than it may have."""
    hog = bytearray(16 * 1024**3)
    raise AssertionError(f"allocated {len(hog)} bytes despite the memory cap")


def test_a_hanging_worker_is_stopped_with_a_reason(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(Rejected, match="longer than 1 s without progress"):
        probe_isolated(tmp_path / "any.mp4", timeout=1.0, target=hanging_worker)
    assert time.monotonic() - started < WITHIN_S


def test_a_crashing_worker_is_a_reason(tmp_path: Path) -> None:
    with pytest.raises(Rejected, match=r"the video reader crashed on this file \(signal 6\)"):
        list(take_frames_isolated(tmp_path / "any.mp4", FrameRequest("keyframes"),
                                  target=crashing_worker))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_read_that_never_returns_is_stopped(tmp_path: Path) -> None:
    fifo = tmp_path / "stuck.mp4"
    os.mkfifo(fifo)  # opening it for reading blocks until a writer comes: none will
    started = time.monotonic()
    with pytest.raises(Rejected, match="longer than 2 s"):
        probe_isolated(fifo, timeout=2.0)
    assert time.monotonic() - started < WITHIN_S


def test_a_crash_while_reading_is_a_reason() -> None:
    with pytest.raises(Rejected, match=r"crashed on this file \(signal 6\)"):
        probe_isolated(crashing_opener)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the memory cap is Linux's")
def test_the_worker_cannot_take_more_memory_than_allowed() -> None:
    with pytest.raises(Rejected, match="needs more memory than desk allows"):
        probe_isolated(greedy_opener)


def test_a_session_outlives_its_worker(tmp_path: Path) -> None:
    clip = videos.make_clip(tmp_path / "clip.mp4", gop=10)
    with VideoSession(clip) as session:
        before = session.frame(7, image=False)
        session._lane.abort()  # as if the decoder had crashed
        after = session.frame(7, image=False)
        assert after.pixels_sha256 == before.pixels_sha256


def test_cancelling_stops_the_worker_without_a_reason(tmp_path: Path) -> None:
    clip = videos.make_clip(tmp_path / "clip.mp4", gop=5)
    taken: list[int] = []
    frames = take_frames_isolated(clip, FrameRequest("every", every=0.1),
                                  cancel=lambda: len(taken) >= 2)
    for frame in frames:
        taken.append(frame.frame_index)
    assert taken == [0, 2]
