"""Forensic aids on a still: error level analysis, a noise residual and a levels stretch.

Each aid is a picture that helps a reviewer look, never a finding: every result carries a
caption that says so and what else makes the picture bright, and every view shows it.
Pillow does the work (no numpy, no Qt). The still is untrusted: it is decoded with the
limits intake applies (format by magic bytes, header size and pixel limits before any
decoding, a decompression bomb refused), and `run_isolated` runs the whole computation in
a worker process with a time and memory limit, so a crafted original costs a process,
never the window.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat

from desk.core import parse
from desk.core.errors import Rejected
from desk.core.forensic_aids import (
    AID_NAMES,
    AID_TIMEOUT_S,
    ELA,
    NOISE,
    AidRequest,
    AidResult,
    caption,
)
from desk.core.limits import MAX_FILE_BYTES, MAX_PIXELS
from desk.core.sniff import SNIFF_BYTES, sniff_format

Image.MAX_IMAGE_PIXELS = MAX_PIXELS  # as in parse: Pillow's own bomb check, a second line

# --------------------------------------------------------------------------- decoding


def open_still(data: bytes) -> tuple[Image.Image, str]:
    """The upright RGB pixels of an untrusted original and its format, with intake's limits.

    Raises `Rejected` with a plain reason (too large, truncated, not an image...).
    """
    if not data:
        raise Rejected("empty file")
    if len(data) > MAX_FILE_BYTES:
        raise Rejected(f"file too large: {len(data) / 1e6:.0f} MB")
    fmt = sniff_format(data[:SNIFF_BYTES])
    header_size = parse._header_size(data, fmt)
    if header_size is not None:
        parse._check_size(*header_size)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        image = parse._open(data, fmt, header_size)
        try:
            parse._check_size(*image.size)
            image.load()
            orientation = parse._orientation(image)
            frame = parse._flatten(parse._resizable(image))
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            image.close()
            raise Rejected(parse._too_large(image.size)) from exc
        except (MemoryError, Rejected):
            image.close()
            raise
        except Exception as exc:  # any decoder failure becomes a reason
            image.close()
            raise Rejected(parse._decoder_reason(fmt, exc)) from exc
        if frame is not image:
            image.close()  # the decoded pixels live on in `frame`
    transpose = parse._ORIENTATION.get(orientation)
    return (frame.transpose(transpose) if transpose is not None else frame), fmt


# --------------------------------------------------------------------------- the aids


def _amplify(image: Image.Image, scale: int) -> Image.Image:
    table = [min(255, value * scale) for value in range(256)]
    return image.point(table * len(image.getbands()))


def jpeg_resave(image: Image.Image, quality: int) -> Image.Image:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    out.seek(0)
    with Image.open(out) as resaved:
        return resaved.convert("RGB")


def error_level(image: Image.Image, quality: int = 90, scale: int = 20) -> Image.Image:
    """How much each pixel changes when the still is saved again as a JPEG, amplified.

    Parts compressed as often and as hard as the rest change alike; a part that came from
    elsewhere may change more or less. Edges and texture change more in any photo.
    """
    return _amplify(ImageChops.difference(image, jpeg_resave(image, quality)), scale)


def noise_residual(image: Image.Image, scale: int = 10) -> Image.Image:
    """The still minus its 3x3 median (a high-pass that keeps grain and edges), amplified."""
    return _amplify(ImageChops.difference(image, image.filter(ImageFilter.MedianFilter(3))),
                    scale)


def levels_stretch(image: Image.Image, clip_percent: float = 0.5,
                   equalize: bool = False) -> Image.Image:
    """Each channel stretched to the full range (or equalized) to open shadows and highlights."""
    if equalize:
        return ImageOps.equalize(image)
    return ImageOps.autocontrast(image, cutoff=clip_percent)


def compute(image: Image.Image, request: AidRequest, fmt: str = "") -> AidResult:
    """One aid of an already decoded RGB still."""
    if request.kind == ELA:
        raw = ImageChops.difference(image, jpeg_resave(image, request.quality))
        result = _amplify(raw, request.scale)
        summary = _difference_summary(raw, "re-save")
        if fmt and fmt != "jpeg":
            summary += (" This still is not a JPEG, so this is its first JPEG save: expect"
                        " it brighter everywhere.")
    elif request.kind == NOISE:
        raw = ImageChops.difference(image, image.filter(ImageFilter.MedianFilter(3)))
        result = _amplify(raw, request.scale)
        summary = _difference_summary(raw, "median")
    else:
        result = levels_stretch(image, request.clip_percent, request.equalize)
        low, high = _range(image)
        summary = f"The still's channels span {low} to {high} of 0 to 255 before the stretch."
    return AidResult(request, result.width, result.height, result.tobytes(), fmt,
                     caption(request), summary, tuple(result.histogram()))


def _difference_summary(raw: Image.Image, against: str) -> str:
    stat = ImageStat.Stat(raw)
    mean = sum(stat.mean) / len(stat.mean)
    peak = max(high for _, high in stat.extrema)
    return (f"Average difference from the {against} {mean:.1f} of 255, largest {peak},"
            " before amplification.")


def _range(image: Image.Image) -> tuple[int, int]:
    extrema = ImageStat.Stat(image).extrema
    return int(min(low for low, _ in extrema)), int(max(high for _, high in extrema))


def aid_of_original(data: bytes, request: AidRequest,
                    step: Callable[[str], None] = lambda _text: None) -> AidResult:
    """Decode an untrusted original (with limits) and compute one aid of it."""
    step("Decoding the original…")
    image, fmt = open_still(data)
    step(f"Computing the {AID_NAMES[request.kind].lower()}…")
    return compute(image, request, fmt)


# --------------------------------------------------------------------------- isolation

A = TypeVar("A")
R = TypeVar("R")


class AidFailed(Exception):
    """The work on a still failed; `reason` is a sentence for the reviewer."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _worker(conn: Connection[Any, Any], work: Callable[..., Any], arg: Any) -> None:
    from desk.core.isolation import _limit_memory

    _limit_memory()
    try:
        data = conn.recv_bytes()
        result = work(data, arg, lambda text: conn.send(("step", text)))
        message: tuple[str, Any] = ("done", result)
    except Rejected as exc:
        message = ("failed", f"The original could not be decoded: {exc.reason}.")
    except MemoryError:
        message = ("failed", "The original needs more memory than desk allows to decode.")
    except ValueError as exc:  # parameters refused by AidRequest, in words
        message = ("failed", str(exc))
    except Exception as exc:  # noqa: BLE001 - every failure becomes a sentence
        message = ("failed", f"The original could not be worked on ({type(exc).__name__}).")
    with contextlib.suppress(OSError, ValueError):
        conn.send(message)
    conn.close()


def run_isolated(work: Callable[[bytes, A, Callable[[str], None]], R], data: bytes, arg: A, *,
                 timeout_s: float = AID_TIMEOUT_S,
                 cancel: Callable[[], bool] = lambda: False,
                 step: Callable[[str], None] = lambda _text: None) -> R | None:
    """`work(data, arg, step)` in a fresh worker process (memory-capped), killed when it takes
    longer than `timeout_s` or when `cancel()` turns true; None when cancelled.

    `work` must be a module-level function (it is named, not sent, to the worker). Raises
    `AidFailed` with a sentence for anything that went wrong, a crash of the worker included.
    """
    import time

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe(duplex=True)
    proc = ctx.Process(target=_worker, args=(child, work, arg), daemon=True,
                       name="desk-forensics")
    proc.start()
    child.close()
    deadline = time.monotonic() + timeout_s
    try:
        parent.send_bytes(data)
        while True:
            if cancel():
                return None
            if time.monotonic() > deadline:
                raise AidFailed(f"This took longer than {timeout_s:g} s and was stopped (the"
                                " original may be very large, or crafted to hang decoders).")
            if not parent.poll(0.05):
                continue
            kind, value = parent.recv()
            if kind == "step":
                step(str(value))
            elif kind == "done":
                return value  # type: ignore[no-any-return]
            else:
                raise AidFailed(str(value))
    except (EOFError, OSError) as exc:
        proc.join(1)
        code = proc.exitcode
        signal = f" (signal {-code})" if code is not None and code < 0 else ""
        raise AidFailed(f"The image reader stopped on this original{signal}; the window is"
                        " unaffected.") from exc
    finally:
        parent.close()
        if proc.is_alive():
            proc.kill()
        proc.join(5)
