"""The forensic aids a reviewer can ask for, their parameters and the words that go with each
picture: what the window shows before any pixel is computed (the work is in `forensics`, which
loads Pillow and starts worker processes, so the window does not load it at start-up)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL import Image

#: The aids, by key, as the reviewer reads them.
ELA, NOISE, LEVELS = "ela", "noise", "levels"
AID_NAMES = {ELA: "Error level analysis", NOISE: "Noise residual", LEVELS: "Levels stretch"}
#: Said with every aid, wherever it is shown.
AID_NOTE = "An aid that needs interpretation, not a verdict."
#: Seconds one aid may take in its worker (a full decode and filter of a 120 MP still).
AID_TIMEOUT_S = 120.0

#: Parameter ranges (the window's spin boxes use the same).
QUALITY_RANGE = (1, 95)
SCALE_RANGE = (1, 100)
CLIP_RANGE = (0.0, 20.0)


@dataclass(frozen=True)
class AidRequest:
    """Which aid, with its parameters; refused with a sentence when out of range."""

    kind: str = ELA
    quality: int = 90  # ELA: the JPEG quality of the re-save
    scale: int = 20  # ELA and noise: how much the differences are amplified
    clip_percent: float = 0.5  # levels: share of darkest and brightest pixels clipped
    equalize: bool = False  # levels: equalize the histogram instead of stretching it

    def __post_init__(self) -> None:
        if self.kind not in AID_NAMES:
            raise ValueError(f"There is no forensic aid called {self.kind!r}.")
        if not QUALITY_RANGE[0] <= self.quality <= QUALITY_RANGE[1]:
            raise ValueError("The JPEG quality must be between 1 and 95.")
        if not SCALE_RANGE[0] <= self.scale <= SCALE_RANGE[1]:
            raise ValueError("The amplification must be between 1 and 100.")
        if not CLIP_RANGE[0] <= self.clip_percent <= CLIP_RANGE[1]:
            raise ValueError("The clipped share must be between 0 and 20 percent.")


@dataclass(frozen=True)
class AidResult:
    """An aid's picture (RGB, the still's size, upright) and the words that go with it."""

    request: AidRequest
    width: int
    height: int
    rgb: bytes
    source_format: str
    caption: str
    summary: str
    histogram: tuple[int, ...] = field(default=(), repr=False)  # the aid's, 3 x 256 bins

    def image(self) -> Image.Image:
        from PIL import Image

        return Image.frombytes("RGB", (self.width, self.height), self.rgb)


def caption(request: AidRequest) -> str:
    """What the aid shows and what else makes it look the way it does, in the reviewer's words."""
    if request.kind == ELA:
        return (f"Error level analysis (JPEG re-save at quality {request.quality}, differences"
                f" ×{request.scale}): {AID_NOTE[0].lower()}{AID_NOTE[1:]} Bright areas"
                " changed more on a re-save than their surroundings; that is not proof of"
                " editing. Edges, fine texture, text and smooth areas behave differently in"
                " any photo, and a still re-saved many times looks even throughout.")
    if request.kind == NOISE:
        return (f"Noise residual (each pixel minus the median of its 3×3 neighbourhood,"
                f" ×{request.scale}): {AID_NOTE[0].lower()}{AID_NOTE[1:]} A patch whose grain"
                " differs from its surroundings may deserve a closer look; focus, depth of"
                " field, compression and denoising change grain too.")
    how = ("histogram equalized" if request.equalize else
           f"each channel stretched, {request.clip_percent:g}% darkest and brightest clipped")
    return (f"Levels stretch ({how}): {AID_NOTE[0].lower()}{AID_NOTE[1:]} It makes detail in"
            " shadows and highlights easier to see; it shows nothing that is not in the"
            " pixels, and it exaggerates compression blocks and noise.")
