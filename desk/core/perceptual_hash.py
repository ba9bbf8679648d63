"""A 64-bit perceptual hash of a still: what stays the same when a picture is re-posted.

Re-encoding, resizing, a crop of a few percent or a small overlay change a file's bytes (and
so its SHA-256) completely, but barely change the coarse pattern of light and dark. The hash
keeps only that pattern: the picture in grey at 32 x 32, its 8 x 8 lowest spatial frequencies
(a DCT-II), one bit per frequency for "above the median of them". Two stills whose hashes
differ in few bits (`distance`) are near-duplicates.

Pure Python over Pillow (no numpy, which the installer leaves out): only the 64 coefficients
that are kept are computed, as two small separable products, so a hash costs about a
millisecond on top of the thumbnail intake already decoded.
"""

from __future__ import annotations

import math
from functools import cache
from operator import mul

from PIL import Image

#: What `perceptual_hash.kind` records: the method and its size, so another method added
#: later is never compared with this one.
KIND = "dct64"
#: Side of the grey picture the frequencies are taken from.
SAMPLE = 32
#: Frequencies kept along each axis (8 x 8 = 64 bits).
LOW = 8


@cache
def _basis() -> tuple[tuple[float, ...], ...]:
    """cos((2x + 1) u pi / 2N) for the kept frequencies u and every sample x."""
    return tuple(
        tuple(math.cos((2 * x + 1) * u * math.pi / (2 * SAMPLE)) for x in range(SAMPLE))
        for u in range(LOW)
    )


def grey_sample(image: Image.Image) -> Image.Image:
    """The picture as the hash sees it: grey, 32 x 32 (aspect ratio dropped on purpose, so a
    resize to other proportions keeps its hash)."""
    grey = image if image.mode == "L" else image.convert("L")
    return grey.resize((SAMPLE, SAMPLE), Image.Resampling.BOX)


def dct_hash(image: Image.Image) -> int:
    """The 64-bit hash of an already decoded picture (any size; the thumbnail is enough)."""
    pixels = grey_sample(image).tobytes()  # one byte per grey pixel
    basis = _basis()
    # Rows first: each row's 8 lowest frequencies, then the same along the columns.
    rows = [pixels[y * SAMPLE:(y + 1) * SAMPLE] for y in range(SAMPLE)]
    row_freqs = [[sum(map(mul, row, basis[u])) for u in range(LOW)] for row in rows]
    columns = list(zip(*row_freqs, strict=True))  # LOW columns of SAMPLE values
    coefficients = [sum(map(mul, columns[u], basis[v])) for v in range(LOW) for u in range(LOW)]
    # The DC term (overall brightness) is left out of the median so that it cannot pull
    # the threshold; its own bit is whatever it is.
    median = sorted(coefficients[1:])[len(coefficients[1:]) // 2]
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > median)
    return value


def to_text(value: int) -> str:
    """How a hash is stored: 16 lower-case hex digits."""
    return f"{value:016x}"


def from_text(text: str) -> int | None:
    """A stored hash back as a number; None for anything that is not 16 hex digits (a case
    from elsewhere may hold anything)."""
    if len(text) != 16:
        return None
    try:
        return int(text, 16)
    except ValueError:
        return None


def distance(a: int, b: int) -> int:
    """Bits in which two hashes differ (0 the same pattern, about 32 unrelated pictures)."""
    return (a ^ b).bit_count()
