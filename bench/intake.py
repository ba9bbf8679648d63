"""How fast desk imports 12-megapixel stills, next to the floor of the same work.

    python bench/intake.py [N]      (default 200 stills)

The floor is the least any importer must do per file, measured in this run on this machine:
read the bytes, SHA-256 them, read EXIF and decode a draft thumbnail, on all cores, in
process, storing nothing. desk adds isolation (worker processes with a time limit), duplicate
checks and durable SQLite writes; the target is a ratio of at least 0.8 of the floor.
"""

from __future__ import annotations

import hashlib
import io
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw

from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.parse import parse_image

WIDTH, HEIGHT = 4000, 3000
DISTINCT = 8


def _base_still(seed: int) -> bytes:
    """A 12 MP JPEG with camera-like EXIF and enough detail to weigh a few megabytes."""
    img = Image.radial_gradient("L").resize((WIDTH, HEIGHT)).convert("RGB")
    noise = Image.effect_noise((WIDTH // 4, HEIGHT // 4), 40 + seed).resize((WIDTH, HEIGHT))
    img = Image.blend(img, Image.merge("RGB", (noise, noise, noise)), 0.35)
    draw = ImageDraw.Draw(img)
    for k in range(60):
        x = (k * 997 + seed * 131) % WIDTH
        y = (k * 613 + seed * 71) % HEIGHT
        draw.rectangle([x, y, x + 180, y + 120], fill=((k * 40) % 255, 90, (seed * 50) % 255))
    exif = Image.Exif()
    exif[0x010F] = "Canon"
    exif[0x0110] = "EOS R6"
    exif.get_ifd(0x8769)[0x9003] = f"2025:11:20 14:03:0{seed % 10}"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", (49.0, 42.0, 36.0), "E", (37.0, 36.0, 54.0)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90, exif=exif)
    return buf.getvalue()


def _variant(base: bytes, index: int) -> bytes:
    """A distinct file (own hash) with the same decode cost: a comment segment after SOI."""
    comment = f"bench still {index}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return base[:2] + segment + base[2:]


def make_stills(folder: Path, count: int) -> list[Path]:
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        bases = list(pool.map(_base_still, range(DISTINCT)))
    paths = []
    for i in range(count):
        path = folder / f"still_{i:04}.jpg"
        path.write_bytes(_variant(bases[i % DISTINCT], i))
        paths.append(path)
    return paths


def _floor_one(path: Path) -> int:
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    return len(parse_image(data).thumbnail)


def measure_floor(paths: list[Path]) -> float:
    """The issue's floor: the same work in process (no isolation, no storage), on all cores
    through threads (hashing and JPEG decoding release the GIL; EXIF parsing does not)."""
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(_floor_one, paths[:workers]))  # warm up before timing
        started = time.perf_counter()
        list(pool.map(_floor_one, paths))
        return len(paths) / (time.perf_counter() - started)


def measure_process_floor(paths: list[Path]) -> float:
    """For comparison only: the same work in a process pool (started before timing)."""
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_floor_one, paths[:workers]))
        started = time.perf_counter()
        list(pool.map(_floor_one, paths, chunksize=4))
        return len(paths) / (time.perf_counter() - started)


def measure_desk(paths: list[Path], folder: Path) -> float:
    case_path = folder / "bench.deskcase"
    with CaseFile.create(case_path, "intake bench") as case:
        started = time.perf_counter()
        report = import_files(case, paths)
        elapsed = time.perf_counter() - started
        assert len(report.imported) == len(paths), report.rejected[:3]
    return len(paths) / elapsed


def main() -> int:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = make_stills(folder, count)
        size = sum(p.stat().st_size for p in paths)
        print(f"made {count} stills of {WIDTH}x{HEIGHT} ({size / count / 1e6:.1f} MB each)"
              f" in {time.perf_counter() - t0:.1f} s; cores: {os.cpu_count()}")
        for p in paths:  # same page-cache state for both measurements
            p.read_bytes()
        floor = measure_floor(paths)
        print(f"floor (read + SHA-256 + EXIF + draft thumbnail, in process, {os.cpu_count()}"
              f" threads): {floor:.1f} stills/s")
        pool_floor = measure_process_floor(paths)
        print(f"for comparison, the same work in a pool of {os.cpu_count()} processes started"
              f" beforehand: {pool_floor:.1f} stills/s")
        desk_rate = measure_desk(paths, folder)
        print(f"desk import (isolated parsing, SQLite, synchronous=FULL): {desk_rate:.1f}"
              " stills/s")
        ratio = desk_rate / floor
        print(f"ratio: {ratio:.2f} (target >= 0.8); against the process pool:"
              f" {desk_rate / pool_floor:.2f}")
    print(f"RESULT intake_ratio {ratio:.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
