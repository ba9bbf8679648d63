"""Stills for the dossier: each original downscaled and re-encoded the same way every time.

The originals were already accepted by intake's isolated parser (allow-listed format, pixel
limits), so decoding them again here is a known quantity; still, any failure falls back to the
stored thumbnail rather than failing the export. Fixed encoder settings and no metadata in the
output make the same original give the same JPEG bytes on the same installation.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from PIL import Image, ImageOps

from desk.core.heif import enable_heif
from desk.core.limits import MAX_PIXELS

#: Longest edge of an embedded still: sharp across an A4 page (~140 dpi), ~100 KB a picture,
#: and exactly half of 1920 px footage, so JPEG decodes those at half scale (4x less work).
STILL_EDGE = 960
STILL_QUALITY = 80

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF", "heic": "HEIF"}


def downscale(data: bytes, fmt: str, edge: int = STILL_EDGE) -> bytes:
    """One original as an upright RGB JPEG no larger than `edge` (raises on an unreadable file)."""
    pil_format = _PIL_FORMATS.get(fmt.lower())
    if pil_format is None:
        raise ValueError(f"format {fmt!r} is not embedded")
    if pil_format == "HEIF" and not enable_heif():
        raise ValueError("HEIC support is not installed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # odd EXIF in a hostile file must not abort an export
        with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("image too large")
            if pil_format == "JPEG":
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the target: Pillow
                # picks the scale per axis, so ask for the target's real shape, not a square.
                ratio = min(edge / image.width, edge / image.height, 1.0)
                image.draft("RGB", (max(1, round(image.width * ratio)),
                                    max(1, round(image.height * ratio))))
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
    rgb.thumbnail((edge, edge), Image.Resampling.BICUBIC, reducing_gap=2.0)
    out = io.BytesIO()
    rgb.save(out, "JPEG", quality=STILL_QUALITY, optimize=False, progressive=False,
             subsampling="4:2:0")
    return out.getvalue()


def image_mime(data: bytes) -> str | None:
    """MIME type of an image we are willing to embed, by magic bytes; None for anything else."""
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def stills(
    items: Iterable[tuple[int, str]],
    original: Callable[[int], bytes],
    thumbnail: Callable[[int], bytes | None],
    workers: int | None = None,
) -> dict[int, bytes]:
    """Downscaled stills for (evidence id, format) pairs, decoded on all cores.

    `original` and `thumbnail` read from the case on this thread (a case is not thread-safe);
    decoding runs on a small pool (Pillow releases the GIL), at most two files ahead per worker
    so memory stays bounded with large originals.
    """
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    result: dict[int, bytes] = {}
    pending: dict[int, Future[bytes]] = {}

    def settle(evidence_id: int, future: Future[bytes]) -> None:
        try:
            result[evidence_id] = future.result()
        except Exception:  # noqa: BLE001 - any decoder failure falls back to the thumbnail
            thumb = thumbnail(evidence_id)
            if thumb is not None and image_mime(thumb):
                result[evidence_id] = thumb

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dossier-still") as pool:
        for evidence_id, fmt in items:
            while len(pending) >= 2 * workers:
                first = next(iter(pending))
                settle(first, pending.pop(first))
            try:
                data = original(evidence_id)
            except KeyError:
                thumb = thumbnail(evidence_id)
                if thumb is not None and image_mime(thumb):
                    result[evidence_id] = thumb
                continue
            pending[evidence_id] = pool.submit(downscale, data, fmt)
        for evidence_id, future in pending.items():
            settle(evidence_id, future)
    return result
