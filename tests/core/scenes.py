"""Synthetic street scenes for near-duplicate tests: different seeds, same kind of picture.

Flat colours would make every hash trivially different or trivially equal; these have what a
street photo has (a sky gradient with clouds, a skyline of buildings with windows, a road in
perspective, trees, cars, sensor noise), so two unrelated scenes share their overall layout
the way two real street stills do, and only the details tell them apart.
"""

from __future__ import annotations

import io
import random
import statistics

from PIL import Image, ImageDraw, ImageFilter, ImageFont

#: Uniform bytes to a normal distribution around 128 (σ 12), by its quantiles.
_GAUSSIAN_GRAIN = bytes(
    min(255, max(0, round(128 + 12 * statistics.NormalDist().inv_cdf((i + 0.5) / 256))))
    for i in range(256))


def street_scene(seed: int, size: tuple[int, int] = (960, 640)) -> Image.Image:
    rng = random.Random(seed)
    width, height = size
    horizon = int(height * rng.uniform(0.45, 0.6))
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top = (rng.randint(60, 120), rng.randint(110, 170), rng.randint(180, 240))
    low = (rng.randint(170, 220), rng.randint(190, 230), rng.randint(210, 250))
    for y in range(horizon):
        t = y / max(horizon - 1, 1)
        draw.line([(0, y), (width, y)],
                  fill=tuple(int(a + (b - a) * t) for a, b in zip(top, low, strict=True)))
    clouds = Image.new("L", size, 0)
    cloud_draw = ImageDraw.Draw(clouds)
    for _ in range(rng.randint(3, 9)):
        cx, cy = rng.randint(0, width), rng.randint(0, horizon // 2 + 1)
        rx, ry = rng.randint(40, 160), rng.randint(15, 50)
        cloud_draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], fill=rng.randint(120, 220))
    clouds = clouds.filter(ImageFilter.GaussianBlur(18))
    image.paste(Image.new("RGB", size, (245, 245, 248)), (0, 0), clouds)
    # Hills behind the buildings.
    points = [(0, horizon)]
    for x in range(0, width + 80, 80):
        points.append((x, horizon - rng.randint(10, 80)))
    points.append((width, horizon))
    draw.polygon(points, fill=(rng.randint(70, 110), rng.randint(100, 130), rng.randint(70, 100)))
    # Buildings with lit and dark windows.
    x = rng.randint(-40, 0)
    while x < width:
        w = rng.randint(50, 170)
        h = rng.randint(40, int(horizon * 0.9))
        shade = rng.randint(80, 200)
        colour = (shade, shade - rng.randint(0, 40), shade - rng.randint(0, 60))
        draw.rectangle([x, horizon - h, x + w, horizon], fill=colour)
        for wy in range(horizon - h + 8, horizon - 12, rng.randint(14, 24)):
            for wx in range(x + 6, x + w - 10, rng.randint(12, 22)):
                lit = rng.random() < 0.3
                draw.rectangle([wx, wy, wx + 6, wy + 8],
                               fill=(240, 220, 150) if lit else (40, 50, 60))
        x += w + rng.randint(0, 30)
    # The road in perspective and the ground beside it.
    draw.rectangle([0, horizon, width, height], fill=(rng.randint(90, 130), rng.randint(110, 140),
                                                    rng.randint(70, 100)))
    vanish = rng.randint(width // 4, 3 * width // 4)
    draw.polygon([(vanish - 10, horizon), (vanish + 10, horizon),
                  (width * rng.uniform(0.7, 1.1), height),
                  (width * rng.uniform(-0.1, 0.3), height)],
                 fill=(rng.randint(60, 90),) * 3)
    for i in range(1, 8):
        t = i / 8
        y = horizon + (height - horizon) * t * t
        draw.line([(vanish, y), (vanish, y + 4 + 10 * t)], fill=(230, 230, 210),
                  width=max(1, int(6 * t)))
    # Trees and cars in front.
    for _ in range(rng.randint(2, 7)):
        tx = rng.randint(0, width)
        ty = horizon + rng.randint(0, (height - horizon) // 2)
        r = rng.randint(15, 60)
        draw.rectangle([tx - 3, ty, tx + 3, ty + r], fill=(70, 50, 30))
        draw.ellipse([tx - r, ty - 2 * r, tx + r, ty + r // 3],
                     fill=(rng.randint(30, 70), rng.randint(90, 140), rng.randint(30, 60)))
    for _ in range(rng.randint(1, 5)):
        cx = rng.randint(0, width)
        cy = horizon + rng.randint(10, height - horizon - 10)
        cw = rng.randint(30, 90)
        draw.rectangle([cx, cy - cw // 3, cx + cw, cy],
                       fill=(rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255)))
    # Sensor noise and a little softness, as a camera gives.
    # (Seeded noise: Image.effect_noise draws from C's rand(), whose state native libraries
    # in the process move, so scenes would change with the tests run before.)
    grain = rng.randbytes(size[0] * size[1]).translate(_GAUSSIAN_GRAIN)
    noise = Image.frombytes("L", size, grain).convert("RGB")
    image = Image.blend(image, noise, 0.06).filter(ImageFilter.GaussianBlur(0.8))
    return image


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def reencoded(image: Image.Image, quality: int = 40) -> Image.Image:
    return Image.open(io.BytesIO(jpeg(image, quality))).convert("RGB")


def resized(image: Image.Image, factor: float = 0.9) -> Image.Image:
    w, h = image.size
    return image.resize((round(w * factor), round(h * factor)), Image.Resampling.LANCZOS)


def cropped(image: Image.Image, fraction: float = 0.03) -> Image.Image:
    """The picture with `fraction` of its width and height cut away, split between the edges
    unevenly (as a re-poster's crop is)."""
    w, h = image.size
    dx, dy = round(w * fraction), round(h * fraction)
    left, top = dx * 2 // 3, dy // 3
    return image.crop((left, top, w - (dx - left), h - (dy - top)))


def watermarked(image: Image.Image, text: str = "@channel_reposts") -> Image.Image:
    """A re-poster's mark: a semi-opaque box with a handle in a lower corner."""
    marked = image.copy().convert("RGBA")
    layer = Image.new("RGBA", marked.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    w, h = marked.size
    box = (int(w * 0.70), int(h * 0.90), int(w * 0.97), int(h * 0.97))
    draw.rectangle(box, fill=(0, 0, 0, 140))
    font = ImageFont.load_default(size=max(12, h // 30))
    draw.text((box[0] + 10, box[1] + 4), text, fill=(255, 255, 255, 230), font=font)
    return Image.alpha_composite(marked, layer).convert("RGB")
