"""The 64-bit DCT hash: the same picture keeps its hash, other pictures get other hashes."""

from __future__ import annotations

import math

from PIL import Image

from desk.core.parse import parse_image
from desk.core.perceptual_hash import (
    LOW,
    SAMPLE,
    dct_hash,
    distance,
    from_text,
    grey_sample,
    to_text,
)
from tests.core.scenes import jpeg, street_scene


def _naive_dct_bits(image: Image.Image) -> int:
    """The textbook 2-D DCT-II of the whole 32 x 32 sample, its 8 x 8 corner thresholded at
    the median of the AC terms, computed the slow way to check the fast one."""
    pixels = grey_sample(image).tobytes()  # one byte per grey pixel
    coefficients = []
    for v in range(LOW):
        for u in range(LOW):
            total = 0.0
            for y in range(SAMPLE):
                for x in range(SAMPLE):
                    total += pixels[y * SAMPLE + x] \
                        * math.cos((2 * x + 1) * u * math.pi / (2 * SAMPLE)) \
                        * math.cos((2 * y + 1) * v * math.pi / (2 * SAMPLE))
            coefficients.append(total)
    median = sorted(coefficients[1:])[31]
    return sum(1 << (63 - i) for i, c in enumerate(coefficients) if c > median)


def test_the_separable_transform_matches_the_textbook_one() -> None:
    for seed in (1, 2):
        image = street_scene(seed, (320, 213))
        assert dct_hash(image) == _naive_dct_bits(image)


def test_a_hash_is_stable_and_round_trips_as_text() -> None:
    image = street_scene(3)
    value = dct_hash(image)
    assert dct_hash(image.copy()) == value
    assert from_text(to_text(value)) == value
    assert len(to_text(value)) == 16
    for bad in ("", "xyz", "0" * 15, "g" * 16, "0" * 17):
        assert from_text(bad) is None


def test_distance_counts_differing_bits() -> None:
    assert distance(0, 0) == 0
    assert distance(0b1011, 0b0001) == 2
    assert distance(0, (1 << 64) - 1) == 64


def test_parse_computes_the_hash_of_the_upright_picture() -> None:
    image = street_scene(4, (640, 480))
    upright = parse_image(jpeg(image)).perceptual_hash
    exif = Image.Exif()
    exif[0x0112] = 6  # stored turned: shown after a quarter turn clockwise
    import io

    out = io.BytesIO()
    image.transpose(Image.Transpose.ROTATE_90).save(out, "JPEG", quality=92, exif=exif)
    turned = parse_image(out.getvalue()).perceptual_hash
    a, b = from_text(upright), from_text(turned)
    assert a is not None and b is not None
    assert distance(a, b) <= 4
