"""Small stills made with Pillow for UI tests: JPEGs with or without EXIF time and GPS."""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw

_GPS_IFD = 0x8825
_EXIF_IFD = 0x8769


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 2)
    return (float(degrees), float(minutes), float(seconds))


def make_jpeg(
    path: Path,
    width: int = 320,
    height: int = 200,
    *,
    seed: int = 0,
    captured: str | None = None,
    gps: tuple[float, float] | None = None,
    make: str | None = None,
    model: str | None = None,
    software: str | None = None,
    quality: int = 80,
) -> Path:
    """A distinct picture (seeded shapes) so every file has its own hash."""
    rng = random.Random(seed)
    top = (rng.randrange(40, 140), rng.randrange(80, 170), rng.randrange(140, 230))
    ground = (rng.randrange(60, 120), rng.randrange(70, 120), rng.randrange(40, 90))
    image = Image.new("RGB", (width, height), top)
    draw = ImageDraw.Draw(image)
    horizon = int(height * rng.uniform(0.4, 0.6))
    draw.rectangle((0, horizon, width, height), fill=ground)
    for _ in range(6):
        x, y = rng.randrange(width), rng.randrange(horizon - height // 6, height)
        w, h = rng.randrange(width // 20, width // 5), rng.randrange(height // 20, height // 4)
        shade = rng.randrange(50, 220)
        draw.rectangle((x, y - h, x + w, y), fill=(shade, shade - 20 if shade > 20 else 0, shade))
    exif = Image.Exif()
    if make:
        exif[0x010F] = make
    if model:
        exif[0x0110] = model
    if software:
        exif[0x0131] = software
    if captured:
        exif[0x0132] = captured
        exif.get_ifd(_EXIF_IFD)[0x9003] = captured
    if gps:
        lat, lon = gps
        ifd = exif.get_ifd(_GPS_IFD)
        ifd[1] = "N" if lat >= 0 else "S"
        ifd[2] = _dms(lat)
        ifd[3] = "E" if lon >= 0 else "W"
        ifd[4] = _dms(lon)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality, exif=exif.tobytes() if len(exif) else b"")
    return path


def make_many(folder: Path, count: int, width: int = 160, height: int = 100,
              start: int = 0) -> list[Path]:
    """`count` small distinct JPEGs named still-0000.jpg…, some with time and GPS."""
    paths = []
    for i in range(start, start + count):
        paths.append(make_jpeg(
            folder / f"still-{i:04d}.jpg", width, height, seed=i,
            captured=f"2024:03:{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:00" if i % 3 else None,
            gps=(49.7 + i * 1e-4, 37.6 + i * 1e-4) if i % 2 else None,
        ))
    return paths
