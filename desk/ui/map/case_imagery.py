"""The open case's tile packs, opened for the map, and what the reviewer is told of those
this machine lacks.

The case names each pack by path and SHA-256; the file is the machine's. A pack that is
missing here, or is another size (another pack, or another version of it), is not shown, and
the map says which pack the case expects instead, so a colleague knows what to ask for.
A pack of the right size is not re-hashed on every opening (gigabytes); `desk tiles list
--check-hash` does that on request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from desk.mapping.layers import BaseLayer, pack_layer

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.mapping.tilepacks import TilePack


class CaseImagery:
    """Opens the packs of one case at a time; `close` (or the next `load`) closes them."""

    def __init__(self) -> None:
        self._open: dict[str, TilePack] = {}
        self.layers: list[BaseLayer] = []
        self.notes: list[str] = []

    @property
    def packs(self) -> dict[str, TilePack]:
        return dict(self._open)

    def load(self, case: CaseFile | None) -> None:
        from desk.core.imagery import FOUND, presence
        from desk.mapping.tilepacks import TilePackError, open_pack

        self.close()
        if case is None:
            return
        for ref in case.tile_packs():
            here = presence(ref)
            if here.state != FOUND:
                self.notes.append(f"Tile pack “{ref.name or ref.path}” not shown: {here.detail}.")
                continue
            key = f"pack{ref.id}"
            try:
                pack = open_pack(ref.path)
            except TilePackError as exc:
                self.notes.append(f"Tile pack “{ref.name or ref.path}” not shown: {exc}.")
                continue
            self._open[key] = pack
            self.layers.append(pack_layer(key, pack.info, ref.role, ref.opacity))

    def close(self) -> None:
        for pack in self._open.values():
            pack.close()
        self._open.clear()
        self.layers = []
        self.notes = []
