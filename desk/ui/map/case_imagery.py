"""The open case's imagery for the map: its tile packs, opened, and its reference overlays, made
ready for the page; and what the reviewer is told of those this machine cannot show.

The case names each pack by path and SHA-256; the file is the machine's. A pack that is
missing here, or is another size (another pack, or another version of it), is not shown, and
the map says which pack the case expects instead, so a colleague knows what to ask for.
A pack of the right size is not re-hashed on every opening (gigabytes); `desk tiles list
--check-hash` does that on request.

A reference overlay is a still of the case; the page gets a display copy of it (at most
DISPLAY_LIMIT pixels on its long side) as a data: URL, the only image source besides files
and desk's tile scheme its Content-Security-Policy allows, with where the fitted placement
puts three of its corners. The copy is drawn at the original's size as displayed (EXIF
orientation applied), the pixels the reviewer's point pairs were clicked in.
"""

from __future__ import annotations

import base64
import io
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from desk.mapping.layers import BaseLayer, pack_layer

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.imagery import ReferenceOverlay
    from desk.mapping.tilepacks import TilePack

#: Long side of an overlay's display copy, in pixels (a 2020 drone still is 4000 or more).
DISPLAY_LIMIT = 2560
#: Display copies kept between page loads (an opacity change must not decode again).
_KEPT = 8
#: A lossless source (a screenshot, a satellite crop saved as PNG) stays PNG up to this many
#: pixels; anything else goes to the page as JPEG.
_PNG_PIXELS = 4_000_000


@dataclass(frozen=True)
class OverlayPicture:
    """A display copy of an overlay's image for the page."""

    src: str  # data:image/...;base64,...
    width: int  # the original's size as displayed: the pixels of the point pairs
    height: int


class OverlayImageError(ValueError):
    """An overlay's image that cannot be shown, said for the reviewer."""


def oriented_size(image: Any) -> tuple[int, int]:
    """(width, height) of an opened Pillow image once its EXIF orientation is applied."""
    width, height = image.size
    try:
        orientation = image.getexif().get(0x0112)
    except Exception:  # noqa: BLE001 - unreadable EXIF: the pixels as stored
        orientation = None
    return (height, width) if orientation in (5, 6, 7, 8) else (width, height)


def display_copy(data: bytes, limit: int = DISPLAY_LIMIT) -> OverlayPicture:
    """A display copy of an original (already accepted at intake) for the map page."""
    from PIL import Image, ImageOps

    from desk.core.heif import enable_heif

    enable_heif()
    try:
        with Image.open(io.BytesIO(data)) as opened:
            source = opened.format or ""
            width, height = oriented_size(opened)
            scale = max(width, height) / limit
            if scale > 1 and source == "JPEG":  # decode at 1/2, 1/4 or 1/8 straight away
                opened.draft("RGB", (int(opened.size[0] / scale) + 1,
                                     int(opened.size[1] / scale) + 1))
            image = ImageOps.exif_transpose(opened)
            has_alpha = "A" in image.getbands() or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha else "RGB")
    except Exception as exc:  # noqa: BLE001 - any decoder failure is a message
        raise OverlayImageError(f"its image could not be decoded ({type(exc).__name__})"
                                ) from None
    if width <= 0 or height <= 0:
        raise OverlayImageError("its image has no pixels")
    if max(image.size) > limit:
        image.thumbnail((limit, limit), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if has_alpha or (source == "PNG" and image.width * image.height <= _PNG_PIXELS):
        image.save(out, "PNG", optimize=False)
        mime = "image/png"
    else:
        image.save(out, "JPEG", quality=90)
        mime = "image/jpeg"
    src = f"data:{mime};base64,{base64.b64encode(out.getvalue()).decode('ascii')}"
    return OverlayPicture(src, width, height)


def overlay_name(overlay: ReferenceOverlay, evidence_name: str) -> str:
    """What the reviewer calls an overlay: its label, else the still's name (plain text)."""
    return overlay.label or evidence_name


class CaseImagery:
    """Opens the packs of one case at a time; `close` (or the next `load`) closes them."""

    def __init__(self) -> None:
        self._open: dict[str, TilePack] = {}
        self.layers: list[BaseLayer] = []
        self._pack_notes: list[str] = []
        self._overlay_notes: list[str] = []
        #: The reference overlays as the page draws them (see desk_map.js setOverlays).
        self.overlays: list[dict[str, Any]] = []
        #: Display copies by the original's SHA-256 (or why it cannot be shown).
        self._pictures: OrderedDict[str, OverlayPicture | str] = OrderedDict()

    @property
    def packs(self) -> dict[str, TilePack]:
        return dict(self._open)

    @property
    def notes(self) -> list[str]:
        """One line per pack or overlay of the case the map does not show, and why."""
        return [*self._pack_notes, *self._overlay_notes]

    def load(self, case: CaseFile | None) -> None:
        from desk.core.imagery import FOUND, presence
        from desk.mapping.tilepacks import TilePackError, open_pack

        self.close()
        self.load_overlays(case)
        if case is None:
            return
        for ref in case.tile_packs():
            here = presence(ref)
            if here.state != FOUND:
                self._pack_notes.append(f"Tile pack “{ref.name or ref.path}” not shown:"
                                        f" {here.detail}.")
                continue
            key = f"pack{ref.id}"
            try:
                pack = open_pack(ref.path)
            except TilePackError as exc:
                self._pack_notes.append(f"Tile pack “{ref.name or ref.path}” not shown: {exc}.")
                continue
            self._open[key] = pack
            self.layers.append(pack_layer(key, pack.info, ref.role, ref.opacity))

    def load_overlays(self, case: CaseFile | None) -> None:
        """Read the case's overlays again (after one is placed, adjusted or removed)."""
        from desk.core.overlay_fit import PlacementError, PointPair, fit

        self.overlays = []
        self._overlay_notes = []
        if case is None:
            return
        for overlay in case.overlays():
            try:
                evidence = case.get_evidence(overlay.evidence_id)
            except KeyError:
                self._overlay_notes.append(f"Overlay {overlay.id} not shown: its evidence"
                                           f" {overlay.evidence_id} is not in the case.")
                continue
            name = overlay_name(overlay, evidence.name)
            picture = self._picture(case, evidence.id, evidence.sha256)
            if isinstance(picture, str):
                self._overlay_notes.append(f"Overlay “{name}” not shown: {picture}.")
                continue
            try:
                placement = fit([PointPair(*pair) for pair in overlay.pairs])
            except PlacementError as exc:
                self._overlay_notes.append(f"Overlay “{name}” not shown: {exc}.")
                continue
            corners = placement.corners(picture.width, picture.height)
            self.overlays.append({
                "id": overlay.id, "src": picture.src, "width": picture.width,
                "height": picture.height, "opacity": overlay.opacity,
                "corners": [[round(lat, 10), round(lon, 10)] for lat, lon in corners],
            })

    def picture(self, case: CaseFile, evidence_id: int) -> OverlayPicture | str:
        """The display copy of a still of the case, or why it cannot be shown."""
        try:
            evidence = case.get_evidence(evidence_id)
        except KeyError:
            return f"there is no evidence {evidence_id} in the case"
        return self._picture(case, evidence_id, evidence.sha256)

    def _picture(self, case: CaseFile, evidence_id: int, sha256: str) -> OverlayPicture | str:
        kept = self._pictures.get(sha256)
        if kept is not None:
            self._pictures.move_to_end(sha256)
            return kept
        try:
            made: OverlayPicture | str = display_copy(case.original(evidence_id))
        except KeyError:
            made = "its original is missing from the case file"
        except OverlayImageError as exc:
            made = str(exc)
        self._pictures[sha256] = made
        while len(self._pictures) > _KEPT:
            self._pictures.popitem(last=False)
        return made

    def close(self) -> None:
        for pack in self._open.values():
            pack.close()
        self._open.clear()
        self.layers = []
        self._pack_notes = []
        self._overlay_notes = []
        self.overlays = []
