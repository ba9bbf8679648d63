"""Forensic aids: ELA makes a pasted region stand out, every aid is the still's size and says
it is an aid, and a hostile original is refused in words without harming the caller."""

from __future__ import annotations

import io
import random

import pytest
from PIL import Image, ImageDraw, ImageFilter, ImageStat

from desk.core import forensics
from desk.core.errors import Rejected
from desk.core.forensic_aids import ELA, LEVELS, NOISE, AidRequest
from desk.core.forensics import AidFailed
from tests.core import imaging

BOX = (203, 101, 363, 221)  # the pasted region: left, top, right, bottom


def _textured(width: int, height: int, seed: int) -> Image.Image:
    """Noise, a gradient and blobs: texture enough for JPEG to have something to lose."""
    rng = random.Random(seed)
    # Seeded here: Image.effect_noise draws from C's rand(), whose state any native library
    # loaded in the process may move (c2pa's does), so the picture would change under the test.
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    ramp = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    image = Image.blend(noise, ramp, 0.5)
    draw = ImageDraw.Draw(image)
    for _ in range(40):
        x, y = rng.randrange(width), rng.randrange(height)
        draw.ellipse((x, y, x + rng.randrange(10, 60), y + rng.randrange(10, 60)),
                     fill=(rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    return image.filter(ImageFilter.GaussianBlur(0.7))


def _jpeg_bytes(image: Image.Image, quality: int) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _decoded(data: bytes) -> Image.Image:
    with Image.open(io.BytesIO(data)) as image:
        return image.convert("RGB")


@pytest.fixture(scope="module")
def spliced() -> bytes:
    """A still saved twice at quality 70, with a patch from a quality-98 JPEG pasted in, then
    saved once more at 70: the patch has been through the coarse quantizer once, the rest
    three times."""
    background = _decoded(_jpeg_bytes(_decoded(_jpeg_bytes(_textured(480, 320, 1), 70)), 70))
    patch = _decoded(_jpeg_bytes(_textured(BOX[2] - BOX[0], BOX[3] - BOX[1], 2), 98))
    background.paste(patch, BOX[:2])
    return _jpeg_bytes(background, 70)


def _inside_and_outside(image: Image.Image) -> tuple[float, float]:
    grey = image.convert("L")
    inside = ImageStat.Stat(grey.crop(BOX)).mean[0]
    mask = Image.new("L", grey.size, 255)
    ImageDraw.Draw(mask).rectangle((BOX[0], BOX[1], BOX[2] - 1, BOX[3] - 1), fill=0)
    outside = ImageStat.Stat(grey, mask).mean[0]
    return inside, outside


def test_ela_makes_a_region_pasted_from_another_quality_stand_out(spliced: bytes) -> None:
    result = forensics.aid_of_original(spliced, AidRequest(ELA, quality=70, scale=20))
    inside, outside = _inside_and_outside(result.image())
    assert inside > 3 * outside, (inside, outside)


def test_ela_at_the_default_quality_still_shows_the_region(spliced: bytes) -> None:
    inside, outside = _inside_and_outside(forensics.aid_of_original(spliced,
                                                                    AidRequest(ELA)).image())
    assert inside > 1.5 * outside, (inside, outside)


def test_an_unspliced_still_shows_no_such_region() -> None:
    plain = _jpeg_bytes(_decoded(_jpeg_bytes(_textured(480, 320, 1), 70)), 70)
    inside, outside = _inside_and_outside(
        forensics.aid_of_original(plain, AidRequest(ELA, quality=70)).image())
    assert inside < 1.5 * outside, (inside, outside)


@pytest.mark.parametrize("request_", [AidRequest(ELA), AidRequest(NOISE, scale=10),
                                      AidRequest(LEVELS), AidRequest(LEVELS, equalize=True)])
def test_every_aid_is_the_still_upright_size_and_says_it_is_an_aid(
        request_: AidRequest) -> None:
    # Orientation 6: stored 64 x 48, shown 48 x 64 (as the frame shows it).
    data = imaging.make_jpeg(64, 48, {"Orientation": 6})
    result = forensics.aid_of_original(data, request_)
    assert (result.width, result.height) == (48, 64)
    assert result.image().size == (48, 64)
    assert "an aid that needs interpretation, not a verdict" in result.caption
    assert "proof" in result.caption or "nothing that is not" in result.caption \
        or "change grain too" in result.caption
    assert len(result.histogram) == 768


def test_ela_amplifies_the_differences() -> None:
    data = _jpeg_bytes(_textured(120, 80, 3), 85)
    weak = ImageStat.Stat(forensics.aid_of_original(data, AidRequest(ELA, scale=1)).image())
    strong = ImageStat.Stat(forensics.aid_of_original(data, AidRequest(ELA, scale=20)).image())
    assert sum(strong.mean) > 5 * sum(weak.mean) > 0


def test_levels_stretch_opens_a_dull_still_to_the_full_range() -> None:
    dull = Image.linear_gradient("L").resize((64, 64)).point(lambda v: 100 + v // 8)
    data = _jpeg_bytes(dull.convert("RGB"), 95)
    result = forensics.aid_of_original(data, AidRequest(LEVELS, clip_percent=0))
    low, high = result.image().convert("L").getextrema()
    assert low < 10 and high > 245
    assert "100" in result.summary  # the still's own span, before the stretch


def test_a_png_gets_a_note_that_it_has_never_been_a_jpeg() -> None:
    result = forensics.aid_of_original(imaging.make_png(32, 32, "RGB"), AidRequest(ELA))
    assert "not a JPEG" in result.summary


@pytest.mark.parametrize("kwargs", [{"quality": 0}, {"quality": 100}, {"scale": 0},
                                    {"clip_percent": 30.0}, {"kind": "verdict"}])
def test_out_of_range_parameters_are_refused_in_words(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError, match=r"must be|no forensic aid"):
        AidRequest(**kwargs)  # type: ignore[arg-type]


def test_a_decompression_bomb_is_refused_with_intake_reason() -> None:
    with pytest.raises(Rejected, match="image too large: 30000x30000"):
        forensics.open_still(imaging.png_bomb(30_000, 30_000))


def test_a_truncated_still_is_refused_with_a_reason() -> None:
    with pytest.raises(Rejected, match="truncated"):
        forensics.open_still(imaging.truncated(_jpeg_bytes(_textured(200, 200, 4), 90), 0.3))


def test_isolated_run_returns_the_aid(spliced: bytes) -> None:
    steps: list[str] = []
    result = forensics.run_isolated(forensics.aid_of_original, spliced, AidRequest(ELA),
                                    step=steps.append)
    assert result is not None and (result.width, result.height) == (480, 320)
    assert steps and steps[0].startswith("Decoding")


def test_isolated_run_turns_a_bomb_into_a_sentence() -> None:
    with pytest.raises(AidFailed, match="could not be decoded: image too large"):
        forensics.run_isolated(forensics.aid_of_original, imaging.png_bomb(30_000, 30_000),
                               AidRequest(ELA))


def test_isolated_run_cancelled_returns_nothing(spliced: bytes) -> None:
    assert forensics.run_isolated(forensics.aid_of_original, spliced, AidRequest(NOISE),
                                  cancel=lambda: True) is None
