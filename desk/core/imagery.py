"""Imagery of a case's map: the tile packs it uses, as the case refers to them (by path and
SHA-256), and stills of the case laid over the map as references (placed by point pairs).

Packs run to gigabytes and belong to the machine, not the case, so the case holds only what
identifies one. A colleague who opens the case on another machine is told which pack it
expects and whether the file at that path (or one they point to) is that pack: a pack whose
size differs is another pack; one of the same size is checked by its hash on request.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: Roles a pack plays on the map.
BASE, OVERLAY = "base", "overlay"
ROLES = (BASE, OVERLAY)
_CHUNK = 4 * 1024 * 1024


class PackHashCancelled(Exception):
    """The reviewer stopped hashing a pack; nothing was added."""


@dataclass(frozen=True)
class TilePackRef:
    """A pack as the case records it."""

    id: int
    path: str
    sha256: str
    size: int
    format: str
    name: str = ""
    attribution: str = ""
    role: str = BASE
    opacity: float = 1.0
    added_at: str = ""

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "path": self.path, "sha256": self.sha256, "size": self.size,
                "format": self.format, "name": self.name, "attribution": self.attribution,
                "role": self.role, "opacity": self.opacity, "added_at": self.added_at}


#: What this machine has of a referenced pack.
FOUND, MISSING, DIFFERENT = "found", "missing", "different"


@dataclass(frozen=True)
class PackPresence:
    state: str  # FOUND, MISSING or DIFFERENT
    path: str
    hashed: bool  # FOUND by its hash, not only its size
    detail: str

    def to_json(self) -> dict[str, object]:
        return {"state": self.state, "path": self.path, "hashed": self.hashed,
                "detail": self.detail}


def imagery_credit(packs: list[TilePackRef]) -> str:
    """The credit printed under a map drawn with the case's packs this machine has (the ones
    the map and its pictures show): "Imagery: <name> (<attribution as the pack states it>)"."""
    shown = [ref for ref in packs if presence(ref).state == FOUND]
    if not shown:
        return ""
    parts = [f"{ref.name or Path(ref.path).name} ({ref.attribution})" if ref.attribution
             else (ref.name or Path(ref.path).name) for ref in shown]
    return "Imagery: " + "; ".join(parts)


def hash_file(path: Path, progress: Callable[[int, int], None] | None = None,
              cancelled: Callable[[], bool] | None = None) -> tuple[str, int]:
    """SHA-256 and size of a file read in chunks (a 2 GB pack never sits in memory)."""
    digest = hashlib.sha256()
    done = 0
    with open(path, "rb") as handle:
        total = os.fstat(handle.fileno()).st_size
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(done, total)
            if cancelled is not None and cancelled():
                raise PackHashCancelled(path.name)
    return digest.hexdigest(), done


def presence(ref: TilePackRef, path: str | None = None, *, check_hash: bool = False
             ) -> PackPresence:
    """Whether the pack at `path` (default: where the case says) is the one the case expects."""
    where = Path(path or ref.path)
    try:
        size = where.stat().st_size
    except OSError:
        return PackPresence(MISSING, str(where), False,
                            f"no file at {where}: the case expects {ref.name or 'a pack'}"
                            f" ({ref.format}, {ref.size:,} bytes, SHA-256 {ref.sha256[:12]}…)")
    if size != ref.size:
        return PackPresence(DIFFERENT, str(where), False,
                            f"{where.name} is {size:,} bytes; the case's pack is"
                            f" {ref.size:,} bytes: another pack (or another version of it)")
    if not check_hash:
        return PackPresence(FOUND, str(where), False, "same size; not re-hashed")
    try:
        digest, _ = hash_file(where)
    except OSError as exc:
        return PackPresence(MISSING, str(where), False, f"{where.name} cannot be read:"
                                                          f" {exc.strerror}")
    if digest != ref.sha256:
        return PackPresence(DIFFERENT, str(where), True,
                            f"{where.name} has SHA-256 {digest[:12]}…; the case's pack has"
                            f" {ref.sha256[:12]}…")
    return PackPresence(FOUND, str(where), True, "same SHA-256")


@dataclass(frozen=True)
class ReferenceOverlay:
    """A still of the case laid over the map, placed by (x, y) ↔ (lat, lon) point pairs."""

    id: int
    evidence_id: int
    pairs: tuple[tuple[float, float, float, float], ...]
    opacity: float = 0.7
    label: str = ""

    def to_json(self) -> dict[str, object]:
        return {"id": self.id, "evidence_id": self.evidence_id,
                "pairs": [list(p) for p in self.pairs], "opacity": self.opacity,
                "label": self.label}


def pairs_from_text(text: str) -> tuple[tuple[float, float, float, float], ...] | None:
    """Point pairs as stored; None when a case from elsewhere holds something else."""
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(value, list) or len(value) > 1000:
        return None
    pairs = []
    for item in value:
        if (not isinstance(item, list) or len(item) != 4
                or not all(isinstance(v, int | float) and not isinstance(v, bool)
                           and math.isfinite(v) for v in item)):
            return None
        pairs.append((float(item[0]), float(item[1]), float(item[2]), float(item[3])))
    return tuple(pairs)
