"""How fast desk imports footage, takes its keyframes and scrubs it, next to the floors.

    python bench/footage.py [--runs N]      (default 3 runs of each timed step; medians)

A 1080p H.264 MP4 of 60 s at 30 fps with a keyframe every 2 s (a panning, textured picture,
so the file weighs what phone footage does) is made once with PyAV in a temporary folder.
Then, side by side in one run on this machine:

- import: `desk.core.intake.import_files` of the clip into a fresh case (hash, probe and
  index plus first frame in a video worker it starts itself, as every video import does,
  then the streamed copy into SQLite), as a ratio of `sha256sum`'s time on the same file
  (both with the file in the page cache): `RESULT footage_import_ratio` (target >= 0.5).
- keyframes: `desk.core.video_intake.take_frames` with the request `desk frames --keyframes`
  makes, on the imported video (decoded in a worker that reads the stored original, each
  frame stored as a lossless PNG still with its provenance), in frames per second, as a
  ratio of PyAV's bare keyframe decode loop on the file (in process, `skip_frame` NONKEY,
  nothing converted or stored): `RESULT keyframes_ratio` (target >= 0.7).
- scrubbing: the window's own `VideoView`, offscreen (QT_QPA_PLATFORM=offscreen), opened on
  the imported video as the main window opens it (the case's stored original and its frame
  table; scene finding off, so it does not share the cores with the seeks). Timed from the
  request (`show_frame` for a seek to a random frame, `step(1)` for the next frame) to the
  view's `frameShown`, emitted once the decoded frame's image is set on the canvas: the
  worker's decode, the shared-memory hand-over, the fetcher's RGB-to-QImage conversion and
  the queued signal to the GUI thread all included. `RESULT seek_ms` (median, target < 150)
  and `RESULT step_ms` (median, target < 40).
Targets from issue 13.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import av
import numpy as np

from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.video_frames import FrameRequest
from desk.core.video_intake import case_video_source, take_frames

WIDTH, HEIGHT = 1920, 1080
FPS = 30
SECONDS = 60
GOP = 2 * FPS
#: About what a phone records 1080p30 at.
BITRATE = 12_000_000
SEEKS = 40
STEPS = 40


def make_clip(path: Path) -> None:
    """The clip: a large textured picture panned across the frame, with the frame's number
    drawn in it (no two frames, so no two stills, alike), at a phone's bitrate, keyframes
    exactly every GOP (x264 "ultrafast", so making it takes seconds, not minutes)."""
    rng = np.random.default_rng(13)
    small = rng.integers(16, 236, size=(HEIGHT // 8 + 40, WIDTH // 8 + 80), dtype=np.uint8)
    texture = np.kron(small, np.ones((8, 8), dtype=np.uint8))
    grain = rng.integers(0, 12, size=texture.shape, dtype=np.uint8)
    texture = texture + grain
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.gop_size = GOP
        stream.bit_rate = BITRATE
        stream.options = {"preset": "ultrafast", "g": str(GOP), "keyint_min": str(GOP),
                          "sc_threshold": "0"}
        chroma = np.full((HEIGHT // 2, WIDTH), 128, dtype=np.uint8)
        for i in range(FPS * SECONDS):
            x, y = (2 * i) % 640, (i // 3) % 320
            luma = texture[y: y + HEIGHT, x: x + WIDTH].copy()
            for bit in range(12):  # the frame's number in bars: no two frames alike
                luma[:32, bit * 64: bit * 64 + 60] = 235 if i >> bit & 1 else 16
            chroma[:, :] = 96 + (i % 64)
            frame = av.VideoFrame.from_ndarray(np.vstack([luma, chroma]), format="yuv420p")
            frame.pts = i
            frame.time_base = Fraction(1, FPS)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)


def time_sha256sum(path: Path) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", str(path)], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def time_import(path: Path, folder: Path, name: str) -> tuple[float, Path, int]:
    case_path = folder / f"{name}.deskcase"
    with CaseFile.create(case_path, "footage bench") as case:
        started = time.perf_counter()
        report = import_files(case, [path])
        elapsed = time.perf_counter() - started
        imported = [i for i in report.items if i.status == "imported"]
        assert len(imported) == 1, report.items
        eid = imported[0].evidence_id
        assert eid is not None
    return elapsed, case_path, eid


def bare_keyframes(path: Path) -> tuple[int, float]:
    """PyAV's own keyframe loop: the floor (nothing converted, hashed or stored)."""
    started = time.perf_counter()
    count = 0
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        stream.codec_context.skip_frame = "NONKEY"
        for _frame in container.decode(stream):
            count += 1
    return count, time.perf_counter() - started


def time_keyframes(case_path: Path, eid: int) -> tuple[int, float]:
    with CaseFile.open(case_path) as case:
        started = time.perf_counter()
        results = take_frames(case, eid, FrameRequest("keyframes"))
        elapsed = time.perf_counter() - started
    assert results and not any(r.duplicate for r in results[1:]), results[:3]
    return len(results), elapsed


def scrub(case_path: Path, eid: int) -> tuple[list[float], list[float], float]:
    """Seek and step times (ms) through the window's video view, and its open time (s)."""
    from PySide6.QtWidgets import QApplication

    from desk.ui.video.video_view import VideoView

    app = QApplication.instance() or QApplication([])
    with CaseFile.open(case_path) as case:
        stored = case.video(eid)
        item = case.get_evidence(eid)
        table = stored.frame_table() if stored else None
    view = VideoView(scenes=False)
    view.resize(1280, 720)
    view.show()
    shown: list[int] = []
    view.frameShown.connect(shown.append)

    def wait_for(index: int, limit_s: float = 30.0) -> None:
        deadline = time.monotonic() + limit_s
        while index not in shown:
            if time.monotonic() > deadline:
                raise TimeoutError(f"frame {index} was not shown within {limit_s} s")
            app.processEvents()
            time.sleep(0.0005)

    started = time.perf_counter()
    view.open_video(case_video_source(case_path, eid), table=table, name=item.name,
                    evidence_id=eid, key=item.sha256)
    wait_for(0)
    opened = time.perf_counter() - started
    frames = view.table.frames if view.table is not None else 0
    assert frames > STEPS + 1

    def go(request: object, index: int) -> float:
        shown.clear()
        t0 = time.perf_counter()
        request()  # type: ignore[operator]
        wait_for(index)
        return (time.perf_counter() - t0) * 1000

    rnd = random.Random(13)
    seeks = []
    for _ in range(SEEKS):
        index = rnd.randrange(frames)
        seeks.append(go(lambda i=index: view.show_frame(i), index))
    start = rnd.randrange(frames - STEPS - 1)
    go(lambda: view.show_frame(start), start)
    steps = [go(lambda: view.step(1), start + k) for k in range(1, STEPS + 1)]
    view.shutdown()
    app.processEvents()
    return seeks, steps, opened


def p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * len(values))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    runs = max(1, args.runs)
    with tempfile.TemporaryDirectory(prefix="desk-footage-") as tmp:
        folder = Path(tmp)
        clip = folder / "footage_1080p_60s.mp4"
        t0 = time.perf_counter()
        make_clip(clip)
        size = clip.stat().st_size
        print(f"made {clip.name}: {WIDTH}x{HEIGHT}, {SECONDS} s at {FPS} fps, a keyframe every"
              f" {GOP // FPS} s, {size / 1e6:.1f} MB ({size * 8 / SECONDS / 1e6:.1f} Mbit/s)"
              f" in {time.perf_counter() - t0:.1f} s; cores: {os.cpu_count()}")
        clip.read_bytes()  # in the page cache for everyone

        sums = [time_sha256sum(clip) for _ in range(runs)]
        imports = []
        case_path, eid = folder / "none", 0
        for k in range(runs):
            elapsed, case_path, eid = time_import(clip, folder, f"import{k}")
            imports.append(elapsed)
        sha_s, import_s = statistics.median(sums), statistics.median(imports)
        import_ratio = sha_s / import_s
        print(f"sha256sum: {sha_s:.3f} s ({size / sha_s / 1e6:.0f} MB/s); desk import (hash,"
              f" probe + index + first frame in a worker, streamed store): {import_s:.3f} s"
              f" (runs: {', '.join(f'{x:.2f}' for x in imports)}); ratio {import_ratio:.2f}"
              " (target >= 0.5)")

        floors = [bare_keyframes(clip) for _ in range(runs)]
        floor_n = floors[0][0]
        floor_rate = floor_n / statistics.median(s for _, s in floors)
        takes = []
        for k in range(runs):
            # A fresh case each time: frames taken before would be duplicates, not stored.
            _, fresh, fresh_id = time_import(clip, folder, f"keyframes{k}")
            takes.append(time_keyframes(fresh, fresh_id))
        taken_n = takes[0][0]
        desk_rate = taken_n / statistics.median(s for _, s in takes)
        keyframes_ratio = desk_rate / floor_rate
        print(f"bare PyAV keyframe loop: {floor_n} keyframes at {floor_rate:.1f} frames/s;"
              f" desk --keyframes (worker decode + RGB + pixel hash, PNG still, thumbnail,"
              f" perceptual hash, stored with provenance): {taken_n} frames at"
              f" {desk_rate:.1f} frames/s; ratio {keyframes_ratio:.2f} (target >= 0.7)")

        seeks, steps, opened = scrub(case_path, eid)
        seek_ms, step_ms = statistics.median(seeks), statistics.median(steps)
        print(f"video view opened to its first frame in {opened:.2f} s;"
              f" seek to a random frame: median {seek_ms:.1f} ms, p90 {p90(seeks):.1f} ms"
              f" (target < 150); step forward: median {step_ms:.1f} ms, p90"
              f" {p90(steps):.1f} ms (target < 40)")
    print(f"RESULT footage_import_ratio {import_ratio:.2f} x")
    print(f"RESULT keyframes_ratio {keyframes_ratio:.2f} x")
    print(f"RESULT seek_ms {seek_ms:.1f} ms")
    print(f"RESULT step_ms {step_ms:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
