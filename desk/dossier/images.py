"""Stills for the dossier: each original downscaled and re-encoded the same way every time.

The originals were already accepted by intake's isolated parser (allow-listed format, pixel
limits), so decoding them again here is a known quantity; still, any failure falls back to the
stored thumbnail rather than failing the export. Fixed encoder settings and no metadata in the
output make the same original give the same JPEG bytes on the same installation.

The PDF gets its own, smaller copy of each still (`print_box`): the print stylesheet shows a
still at most 66 mm high across the A4 text width, so 150 pixels per inch of that box is all
paper can show. Both copies come from one decode of the original.
"""

from __future__ import annotations

import io
import os
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from PIL import ExifTags, Image, ImageOps

from desk.core.heif import enable_heif
from desk.core.limits import MAX_PIXELS

#: Longest edge of an embedded still: sharp across an A4 page (~140 dpi), ~100 KB a picture,
#: and exactly half of 1920 px footage, so JPEG decodes those at half scale (4x less work).
STILL_EDGE = 960
STILL_QUALITY = 80
#: Where the printed still goes: the A4 text width (210 mm less the printer's 14 mm side
#: margins) by the print stylesheet's `max-height` of `.frame img` (resources/dossier).
PRINT_BOX_MM = (182.0, 66.0)
#: Pixels per inch of the printed still: more than an office printer or a reader's eye takes
#: from a photograph at that size.
PRINT_PPI = 150

Box = tuple[int, int]

_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "tiff": "TIFF", "heic": "HEIF"}


def print_box(ppi: int = PRINT_PPI) -> Box:
    """The pixel box a printed still needs, never more than the HTML dossier's still."""
    width, height = (round(mm / 25.4 * ppi) for mm in PRINT_BOX_MM)
    return min(width, STILL_EDGE), min(height, STILL_EDGE)


#: The HTML dossier's still and the printed one.
SCREEN_BOX: Box = (STILL_EDGE, STILL_EDGE)
PRINT_BOX: Box = print_box()


def _fit(width: int, height: int, box: Box) -> Box:
    """The size `thumbnail` gives a width x height picture in `box` (never enlarged)."""
    ratio = min(box[0] / width, box[1] / height, 1.0)
    return max(1, round(width * ratio)), max(1, round(height * ratio))


def _encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=STILL_QUALITY, optimize=False, progressive=False,
               subsampling="4:2:0")
    return out.getvalue()


def renditions(data: bytes, fmt: str, boxes: Sequence[Box]) -> list[bytes]:
    """One original as upright RGB JPEGs, one fitted into each box, from a single decode
    (raises on an unreadable file). Boxes go largest first: each copy is made from the one
    before, so the decoder works at the scale of the largest."""
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
                # Decode at 1/2, 1/4 or 1/8 scale when that still covers the largest copy:
                # Pillow picks the scale per axis, so ask for the copy's real shape (in the
                # file's orientation: a box for the upright picture turns with it).
                turned = image.getexif().get(ExifTags.Base.Orientation) in (5, 6, 7, 8)
                sizes = [_fit(image.width, image.height, (b[1], b[0]) if turned else b)
                         for b in boxes]
                image.draft("RGB", (max(w for w, _ in sizes), max(h for _, h in sizes)))
            upright = ImageOps.exif_transpose(image)
            rgb = upright.convert("RGB")
    copies = []
    for box in boxes:
        rgb.thumbnail(box, Image.Resampling.BICUBIC, reducing_gap=2.0)
        copies.append(_encode(rgb))
    return copies


def downscale(data: bytes, fmt: str, edge: int = STILL_EDGE) -> bytes:
    """One original as an upright RGB JPEG no larger than `edge` (raises on an unreadable file)."""
    return renditions(data, fmt, [(edge, edge)])[0]


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
    """Downscaled stills (the HTML dossier's size) for (evidence id, format) pairs."""
    return {evidence_id: copies[0] for evidence_id, copies
            in still_sets(items, original, thumbnail, [SCREEN_BOX], workers).items()}


def still_sets(
    items: Iterable[tuple[int, str]],
    original: Callable[[int], bytes],
    thumbnail: Callable[[int], bytes | None],
    boxes: Sequence[Box],
    workers: int | None = None,
    idle: Callable[[], None] | None = None,
) -> dict[int, list[bytes]]:
    """For (evidence id, format) pairs, one JPEG per box (see `renditions`), decoded on all
    cores; an original that cannot be decoded gets its stored thumbnail for every box.

    `original` and `thumbnail` read from the case on this thread (a case is not thread-safe);
    decoding runs on a small pool (Pillow releases the GIL), at most two files ahead per worker
    so memory stays bounded with large originals. `idle` is called every few milliseconds
    while this thread waits for the pool, so the caller can let other work run meanwhile
    (the PDF printer starting Chromium).
    """
    workers = workers or max(1, min(4, os.cpu_count() or 1))
    result: dict[int, list[bytes]] = {}
    pending: dict[int, Future[list[bytes]]] = {}

    def fallback(evidence_id: int) -> None:
        thumb = thumbnail(evidence_id)
        if thumb is not None and image_mime(thumb):
            result[evidence_id] = [thumb] * len(boxes)

    def settle(evidence_id: int, future: Future[list[bytes]]) -> None:
        try:
            result[evidence_id] = future.result()
        except Exception:  # noqa: BLE001 - any decoder failure falls back to the thumbnail
            fallback(evidence_id)

    def wait_for(future: Future[list[bytes]]) -> None:
        if idle is not None:
            while not wait([future], timeout=0.005, return_when=FIRST_COMPLETED).done:
                idle()

    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dossier-still") as pool:
        for evidence_id, fmt in items:
            while len(pending) >= 2 * workers:
                first = next(iter(pending))
                wait_for(pending[first])
                settle(first, pending.pop(first))
            if idle is not None:
                idle()
            try:
                data = original(evidence_id)
            except KeyError:
                fallback(evidence_id)
                continue
            pending[evidence_id] = pool.submit(renditions, data, fmt, boxes)
        for evidence_id, future in pending.items():
            wait_for(future)
            settle(evidence_id, future)
    return result
