"""Synthetic geometry for reference-overlay tests: a still whose every pixel has a known place
on the ground (a rotation, a scale and an origin in Web Mercator), coloured marks on it, and
helpers that find those marks in a grab of the map.

The truth is made independently of desk's fit: points of the image are carried to the
ground here, three of them become the point pairs, and the tests check that the map draws
every other point where this says.
"""

from __future__ import annotations

import hashlib
import io
import math
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw
from PySide6.QtGui import QImage

from desk.core.casefile import CaseFile
from desk.core.model import Metadata, Provenance

R = 6378137.0
BACKGROUND = (40, 90, 200)
RED = (230, 20, 20)
GREEN = (20, 200, 60)


def mercator(lat: float, lon: float) -> tuple[float, float]:
    return (math.radians(lon) * R, math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * R)


def geographic(mx: float, my: float) -> tuple[float, float]:
    return math.degrees(2 * math.atan(math.exp(my / R)) - math.pi / 2), math.degrees(mx / R)


def world_pixel(lat: float, lon: float, zoom: int) -> tuple[float, float]:
    """Leaflet's pixel of a place at a zoom (256 px tiles, EPSG:3857)."""
    mx, my = mercator(lat, lon)
    scale = 256 * 2 ** zoom
    return (scale * (0.5 + mx / (2 * math.pi * R)), scale * (0.5 - my / (2 * math.pi * R)))


@dataclass(frozen=True)
class Truth:
    """Where each pixel of the still lies: `origin` is the image's top-left corner, the image
    turned `rotation_deg` clockwise from north-up, `ground_m` metres per pixel."""

    origin: tuple[float, float] = (49.7160, 37.5925)
    rotation_deg: float = 25.0
    ground_m: float = 0.3

    def place(self, x: float, y: float) -> tuple[float, float]:
        k = self.ground_m / math.cos(math.radians(self.origin[0]))  # Mercator metres per pixel
        t = math.radians(self.rotation_deg)
        ox, oy = mercator(*self.origin)
        return geographic(ox + k * (math.cos(t) * x + math.sin(t) * y),
                          oy + k * (math.sin(t) * x - math.cos(t) * y))

    def pairs(self, points: list[tuple[float, float]]) -> list[list[float]]:
        return [[x, y, *self.place(x, y)] for x, y in points]


#: A mark: its colour and the image pixel at its centre (a 10 × 10 square round it).
MARKS = {"red": (RED, (130.0, 210.0)), "green": (GREEN, (300.0, 80.0))}
SIZE = (400, 300)
PAIR_POINTS = [(50.0, 40.0), (350.0, 60.0), (200.0, 260.0)]


def still_png(size: tuple[int, int] = SIZE, background: tuple[int, int, int] = BACKGROUND,
              marks: dict[str, tuple[tuple[int, int, int], tuple[float, float]]] | None = None
              ) -> bytes:
    image = Image.new("RGB", size, background)
    draw = ImageDraw.Draw(image)
    for colour, (cx, cy) in (MARKS if marks is None else marks).values():
        draw.rectangle([cx - 5, cy - 5, cx + 4, cy + 4], fill=colour)  # pixels cx-5 … cx+4
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def add_png(case: CaseFile, name: str, data: bytes) -> int:
    """Store a still as intake would (one logged edit)."""
    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
    sha = hashlib.sha256(data).hexdigest()
    with case.edit("import", [f"sha256:{sha}"], {"files": 1}) as conn:
        return case.insert_evidence(conn, sha256=sha, data=data, fmt="png", width=width,
                                    height=height, metadata=Metadata(),
                                    provenance=Provenance(original_name=name),
                                    thumbnail=b"", thumb_size=(0, 0))


def pixels(image: QImage) -> np.ndarray:
    """An (h, w, 3) array of a grab's colours."""
    rgba = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = rgba.width(), rgba.height()
    raw = np.frombuffer(rgba.constBits(), np.uint8).reshape(height, rgba.bytesPerLine())
    return raw[:, : width * 4].reshape(height, width, 4)[:, :, :3].copy()


def near(array: np.ndarray, colour: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    """Where a colour is (a boolean mask), within a tolerance per channel."""
    return np.all(np.abs(array.astype(int) - np.array(colour)) <= tolerance, axis=2)


def centroid(mask: np.ndarray) -> tuple[float, float, int]:
    """Centre of the marked pixels (pixel (i, j) covers [i, i + 1)), and how many there are."""
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return (math.nan, math.nan, 0)
    return float(xs.mean() + 0.5), float(ys.mean() + 0.5), len(xs)
