"""How fast desk imports 12-megapixel stills, next to the floor of the same work.

    python bench/intake.py [N] [--size normal|large|both]      (default 200 stills, both)

The floor is the least any importer must do per file, measured in this run on this machine:
read the bytes, SHA-256 them, read EXIF and decode a draft thumbnail, on all cores, in
process, storing nothing. desk adds isolation (worker processes with a time limit), duplicate
checks and durable SQLite writes. desk is measured twice: a first import that starts its own
parser workers, then one with them started, as the window has them a few seconds after a case
opens (and as the floor has its threads and the process pool its processes, started and
warmed before timing): `RESULT intake_ratio` is the second. Two still sizes, each against
its own floor measured just before it: "normal" 12 MP at JPEG quality 90 (about 2.2 MB) and
"large" 12 MP at quality 95 (3 to 4 MB, where storage weighs more).
Targets (issue 16): ratio >= 0.9 for both.
Ends with `RESULT intake_ratio` (normal) and `RESULT intake_ratio_large`, then the first
imports' ratios (`RESULT intake_ratio_cold`, `RESULT intake_ratio_large_cold`).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import exifread
from PIL import Image, ImageDraw

from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.core.isolation import LANES
from desk.core.limits import THUMB_EDGE
from desk.core.parse import THUMB_QUALITY, parse_image

WIDTH, HEIGHT = 4000, 3000
DISTINCT = 8


#: JPEG quality of each still size the bench measures.
QUALITY = {"normal": 90, "large": 95}


def _base_still(seed: int, quality: int = QUALITY["normal"]) -> bytes:
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
    img.save(buf, "JPEG", quality=quality, exif=exif)
    return buf.getvalue()


def _variant(base: bytes, index: int) -> bytes:
    """A distinct file (own hash) with the same decode cost: a comment segment after SOI."""
    comment = f"bench still {index}".encode()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return base[:2] + segment + base[2:]


def make_stills(folder: Path, count: int, quality: int = QUALITY["normal"]) -> list[Path]:
    with ProcessPoolExecutor(os.cpu_count() or 1) as pool:
        bases = list(pool.map(_base_still, range(DISTINCT), [quality] * DISTINCT))
    paths = []
    for i in range(count):
        path = folder / f"still_{i:04}.jpg"
        path.write_bytes(_variant(bases[i % DISTINCT], i))
        paths.append(path)
    return paths


def _floor_one(path: Path) -> int:
    """The issues' floor, exactly: read, SHA-256, EXIF (exifread, as desk reads it) and a
    draft-decoded thumbnail encoded as desk encodes it; none of desk's other readings (XMP,
    IPTC, maker notes, content credentials, the perceptual hash, the flags)."""
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    exifread.process_file(io.BytesIO(data), details=False, extract_thumbnail=False)
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (THUMB_EDGE, THUMB_EDGE))
        image.decodermaxblock = max(image.decodermaxblock, len(data))
        image.load()
        frame = image.convert("RGB")
    frame.thumbnail((THUMB_EDGE, THUMB_EDGE))
    out = io.BytesIO()
    frame.save(out, "JPEG", quality=THUMB_QUALITY)
    return out.tell()


def _parse_one(path: Path) -> int:
    """desk's whole in-process parse (every reading), for comparison: what isolation and
    storage add on top of desk's own parsing."""
    data = path.read_bytes()
    hashlib.sha256(data).hexdigest()
    return len(parse_image(data).thumbnail)


def measure_floor(paths: list[Path], one: Callable[[Path], int] = _floor_one) -> float:
    """The issue's floor: that work in process (no isolation, no storage), on all cores
    through threads (hashing and JPEG decoding release the GIL; EXIF parsing does not)."""
    workers = os.cpu_count() or 1
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(one, paths[:workers]))  # warm up before timing
        started = time.perf_counter()
        list(pool.map(one, paths))
        return len(paths) / (time.perf_counter() - started)


def measure_process_floor(paths: list[Path]) -> float:
    """For comparison only: the same work in a process pool (started before timing)."""
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_floor_one, paths[:workers]))
        started = time.perf_counter()
        list(pool.map(_floor_one, paths, chunksize=4))
        return len(paths) / (time.perf_counter() - started)


def measure_desk(paths: list[Path], folder: Path, name: str = "bench") -> float:
    case_path = folder / f"{name}.deskcase"
    with CaseFile.create(case_path, "intake bench") as case:
        started = time.perf_counter()
        report = import_files(case, paths)
        elapsed = time.perf_counter() - started
        assert len(report.imported) == len(paths), report.rejected[:3]
    return len(paths) / elapsed


def measure_size(count: int, size_name: str) -> tuple[float, float]:
    """Floor and desk for one still size, side by side; returns desk's ratio to the floor
    with its workers started (as the window has them) and without (a first import)."""
    with tempfile.TemporaryDirectory(prefix="desk-bench-") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        paths = make_stills(folder, count, QUALITY[size_name])
        size = sum(p.stat().st_size for p in paths)
        print(f"[{size_name}] made {count} stills of {WIDTH}x{HEIGHT} at quality"
              f" {QUALITY[size_name]} ({size / count / 1e6:.1f} MB each) in"
              f" {time.perf_counter() - t0:.1f} s; cores: {os.cpu_count()}")
        for p in paths:  # same page-cache state for both measurements
            p.read_bytes()
        floor = measure_floor(paths)
        print(f"[{size_name}] floor (read + SHA-256 + EXIF + draft thumbnail, in process,"
              f" {os.cpu_count()} threads): {floor:.1f} stills/s")
        parsed = measure_floor(paths, _parse_one)
        print(f"[{size_name}] for comparison, desk's whole parse in process the same way (XMP,"
              f" IPTC, maker notes, credentials, perceptual hash too): {parsed:.1f} stills/s")
        pool_floor = measure_process_floor(paths)
        print(f"[{size_name}] for comparison, the same work in a pool of {os.cpu_count()}"
              f" processes started beforehand: {pool_floor:.1f} stills/s")
        LANES.close()  # no worker left from an earlier size: this import starts its own
        cold = measure_desk(paths, folder, "cold")
        print(f"[{size_name}] desk import, workers started by the import itself (a first"
              f" `desk import`): {cold:.1f} stills/s, ratio {cold / floor:.2f}")
        desk_rate = measure_desk(paths, folder, "warm")
        print(f"[{size_name}] desk import (isolated parsing, SQLite, synchronous=FULL) with its"
              f" workers already started, as the window has them once a case is open and as"
              f" the floor has its pool: {desk_rate:.1f} stills/s")
        ratio = desk_rate / floor
        print(f"[{size_name}] ratio: {ratio:.2f} (target >= 0.9); against the process pool:"
              f" {desk_rate / pool_floor:.2f}")
    return ratio, cold / floor


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", nargs="?", type=int, default=200)
    parser.add_argument("--size", choices=("normal", "large", "both"), default="both")
    args = parser.parse_args()
    sizes = ("normal", "large") if args.size == "both" else (args.size,)
    ratios = {name: measure_size(args.count, name) for name in sizes}
    if "normal" in ratios:
        print(f"RESULT intake_ratio {ratios['normal'][0]:.2f} x")
        print(f"RESULT intake_ratio_cold {ratios['normal'][1]:.2f} x")
    if "large" in ratios:
        print(f"RESULT intake_ratio_large {ratios['large'][0]:.2f} x")
        print(f"RESULT intake_ratio_large_cold {ratios['large'][1]:.2f} x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
