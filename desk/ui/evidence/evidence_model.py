"""The case's evidence as a Qt item model, plus the sort/filter proxy the evidence list shows.

Rows are read once from the case (`list_evidence`); thumbnails are read from the case's
thumbnail table only for rows a view actually asks to paint, a page at a time, and kept as
display-sized pixmaps. Originals are never touched here, so a 1,000-item case opens and
scrolls without decoding a single full image.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QImage, QPixmap

from desk.ui.common import theme

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence

ModelIndex = QModelIndex | QPersistentModelIndex

#: Size thumbnails are kept at (logical pixels, times the screen's device pixel ratio).
THUMB_SIZE = QSize(104, 72)
#: Thumbnails read from the case in one query when a view asks for one that is missing.
PAGE = 24
#: Decoded thumbnails kept; beyond this the least recently painted are dropped.
CACHE_LIMIT = 1500


class Role(IntEnum):
    EVIDENCE = Qt.ItemDataRole.UserRole + 1
    ID = Qt.ItemDataRole.UserRole + 2
    BADGES = Qt.ItemDataRole.UserRole + 3
    CAPTURED = Qt.ItemDataRole.UserRole + 4
    HAS_GPS = Qt.ItemDataRole.UserRole + 5
    GEOLOCATED = Qt.ItemDataRole.UserRole + 6
    FLAGGED = Qt.ItemDataRole.UserRole + 7


@dataclass(frozen=True)
class Badge:
    """A small coloured tag on a row; `text` is ours, never from the file."""

    text: str
    colour: str
    meaning: str


#: Flags that mean "look closer" (amber/red) rather than "information is missing" (grey).
WARNING_FLAGS: dict[str, Badge] = {
    "time_mismatch": Badge("TIME", theme.WARN, "Capture time and GPS time disagree"),
    "edited_software": Badge("EDITED", theme.WARN, "Saved by editing software"),
    "datetime_modified": Badge("MODIFIED", theme.WARN, "Changed after capture"),
    "invalid_gps": Badge("BAD GPS", theme.DANGER, "GPS position is invalid"),
    "null_island": Badge("0,0", theme.DANGER, "GPS position is 0°, 0° (no real fix)"),
    "invalid_capture_time": Badge("BAD TIME", theme.DANGER, "Capture time is invalid"),
    "exif_unreadable": Badge("EXIF?", theme.DANGER, "Metadata could not be read"),
}
STRIPPED = Badge("NO EXIF", theme.NEUTRAL, "Metadata stripped: no camera metadata at all")
GPS = Badge("GPS", theme.OK, "The file carries a GPS position")
GEOLOCATED = Badge("GEO", theme.INFO, "Geolocated by a reviewer")


@dataclass
class _Row:
    evidence: Evidence
    badges: tuple[Badge, ...]
    flagged: bool


def _badges(item: Evidence, geolocated: bool) -> tuple[tuple[Badge, ...], bool]:
    codes = [f.code for f in item.metadata.flags]
    badges: list[Badge] = []
    if item.metadata.gps is not None and "invalid_gps" not in codes and "null_island" not in codes:
        badges.append(GPS)
    if geolocated:
        badges.append(GEOLOCATED)
    if "no_metadata" in codes:
        badges.append(STRIPPED)
    warnings = [WARNING_FLAGS[c] for c in dict.fromkeys(codes) if c in WARNING_FLAGS]
    badges.extend(warnings)
    return tuple(badges), bool(warnings) or "no_metadata" in codes


def captured_label(item: Evidence) -> str:
    """'2024-03-02 14:05' from the stored ISO time; '' when the file has none."""
    value = item.metadata.captured_at or ""
    return value.replace("T", " ")[:16]


def plain_tooltip(*lines: str) -> str:
    """Tooltips detect rich text on their own; forcing it and escaping keeps names literal."""
    return "<qt>" + "<br>".join(html.escape(line) for line in lines if line) + "</qt>"


class EvidenceModel(QAbstractListModel):
    """One row per evidence item of the open case, in import order."""

    #: Thumbnails of these evidence ids became available (views repaint them).
    thumbnailsLoaded = Signal(list)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._case: CaseFile | None = None
        self._rows: list[_Row] = []
        self._row_of: dict[int, int] = {}
        self._geolocated: set[int] = set()
        self._claims: dict[int, set[int]] = {}
        self._thumbs: OrderedDict[int, QPixmap] = OrderedDict()
        self._wanted: set[int] = set()
        self._ratio = 1.0
        self._loader = QTimer(self)
        self._loader.setSingleShot(True)
        self._loader.setInterval(0)
        self._loader.timeout.connect(self._load_wanted)

    # ----------------------------------------------------------------- case

    @property
    def case(self) -> CaseFile | None:
        return self._case

    def set_case(self, case: CaseFile | None) -> None:
        self.beginResetModel()
        self._case = case
        self._thumbs.clear()
        self._wanted.clear()
        self._rows = []
        self._geolocated = set()
        self._claims = {}
        if case is not None:
            self._geolocated = {g.evidence_id for g in case.geolocations()}
            self._claims = self._read_claims(case)
            self._rows = [self._make_row(item) for item in case.list_evidence()]
        self._reindex()
        self.endResetModel()

    def set_device_pixel_ratio(self, ratio: float) -> None:
        if ratio != self._ratio:
            self._ratio = ratio
            self._thumbs.clear()

    def sync(self) -> list[int]:
        """Take in items added to the case since it was read (an import); returns their ids."""
        if self._case is None:
            return []
        fresh = [item for item in self._case.list_evidence() if item.id not in self._row_of]
        if not fresh:
            return []
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(fresh) - 1)
        self._rows.extend(self._make_row(item) for item in fresh)
        self._reindex()
        self.endInsertRows()
        return [item.id for item in fresh]

    def refresh(self, evidence_ids: set[int] | list[int]) -> None:
        """Re-read some items after an edit (or its undo) so every view shows the case's truth."""
        if self._case is None:
            return
        self._geolocated = {g.evidence_id for g in self._case.geolocations()}
        for eid in evidence_ids:
            row = self._row_of.get(eid)
            if row is None:
                continue
            try:
                item = self._case.get_evidence(eid)
            except KeyError:
                continue
            self._rows[row] = self._make_row(item)
            index = self.index(row)
            self.dataChanged.emit(index, index)

    def refresh_claims(self) -> None:
        """Claim links changed (a later issue's claim editor); the claim filter depends on them."""
        if self._case is not None:
            self._claims = self._read_claims(self._case)
            if self._rows:
                self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def _read_claims(self, case: CaseFile) -> dict[int, set[int]]:
        claims: dict[int, set[int]] = {}
        for link in case.claim_evidence():
            claims.setdefault(link.evidence_id, set()).add(link.claim_id)
        return claims

    def _make_row(self, item: Evidence) -> _Row:
        badges, flagged = _badges(item, item.id in self._geolocated)
        return _Row(item, badges, flagged)

    def _reindex(self) -> None:
        self._row_of = {r.evidence.id: i for i, r in enumerate(self._rows)}

    # ----------------------------------------------------------------- lookups

    def evidence(self, row: int) -> Evidence:
        return self._rows[row].evidence

    def row_of(self, evidence_id: int) -> int | None:
        return self._row_of.get(evidence_id)

    def is_flagged(self, row: int) -> bool:
        return self._rows[row].flagged

    def is_geolocated(self, row: int) -> bool:
        return self._rows[row].evidence.id in self._geolocated

    def claims_of(self, row: int) -> set[int]:
        return self._claims.get(self._rows[row].evidence.id, set())

    def flagged_count(self) -> int:
        return sum(1 for r in self._rows if r.flagged)

    def cached_thumbnail(self, evidence_id: int) -> QPixmap | None:
        return self._thumbs.get(evidence_id)

    # ----------------------------------------------------------------- Qt model

    def rowCount(self, parent: ModelIndex = QModelIndex()) -> int:  # noqa: N802, B008
        return 0 if parent.isValid() else len(self._rows)

    def flags(self, index: ModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | \
            Qt.ItemFlag.ItemNeverHasChildren

    def data(self, index: ModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        item = row.evidence
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(item.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(row)
        if role == Role.EVIDENCE:
            return item
        if role == Role.ID:
            return item.id
        if role == Role.BADGES:
            return row.badges
        if role == Role.CAPTURED:
            return captured_label(item)
        if role == Role.HAS_GPS:
            return item.metadata.gps is not None
        if role == Role.GEOLOCATED:
            return item.id in self._geolocated
        if role == Role.FLAGGED:
            return row.flagged
        return None

    def roleNames(self) -> dict[int, bytes]:  # noqa: N802
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in Role})
        return names

    def _tooltip(self, row: _Row) -> str:
        item = row.evidence
        lines = [item.name, f"{item.width} × {item.height} {item.format}"]
        captured = captured_label(item)
        lines.append(f"Captured {captured}" if captured else "No capture time")
        lines.extend(b.meaning for b in row.badges)
        return plain_tooltip(*lines)

    # ----------------------------------------------------------------- thumbnails

    def _thumbnail(self, evidence_id: int) -> QPixmap | None:
        pixmap = self._thumbs.get(evidence_id)
        if pixmap is not None:
            self._thumbs.move_to_end(evidence_id)
            return None if pixmap.isNull() else pixmap
        # Painting asks for many rows in a row: gather them and read them in one query later.
        self._wanted.add(evidence_id)
        if not self._loader.isActive():
            self._loader.start()
        return None

    def _load_wanted(self) -> None:
        if self._case is None or not self._wanted:
            self._wanted.clear()
            return
        rows = sorted(self._row_of[e] for e in self._wanted if e in self._row_of)
        self._wanted.clear()
        if not rows:
            return
        # Read ahead in the direction a reviewer usually scrolls.
        ahead = range(rows[-1] + 1, min(len(self._rows), rows[-1] + 1 + PAGE - len(rows)))
        ids = [self._rows[r].evidence.id for r in (*rows, *ahead)]
        ids = [e for e in ids if e not in self._thumbs]
        blobs = self._case.thumbnails(ids)
        size = THUMB_SIZE * self._ratio
        for eid in ids:
            image = QImage.fromData(blobs.get(eid, b""))
            if image.isNull():
                self._thumbs[eid] = QPixmap()  # remembered as missing: no retry while scrolling
                continue
            image = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self._ratio)
            self._thumbs[eid] = pixmap
        while len(self._thumbs) > CACHE_LIMIT:
            self._thumbs.popitem(last=False)
        for first, last in _runs(sorted(self._row_of[e] for e in ids)):
            self.dataChanged.emit(self.index(first), self.index(last),
                                  [Qt.ItemDataRole.DecorationRole])
        self.thumbnailsLoaded.emit(ids)


def _runs(rows: list[int]) -> list[tuple[int, int]]:
    """Consecutive rows as (first, last) ranges: one dataChanged per run, not per row."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and row == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs


class Tri(IntEnum):
    """A yes/no filter that can also be off."""

    ANY = 0
    YES = 1
    NO = 2


class SortKey(IntEnum):
    IMPORTED = 0
    NAME = 1
    CAPTURED = 2
    FLAGGED = 3


class EvidenceFilter(QSortFilterProxyModel):
    """What the evidence list shows: text search, GPS, geolocated, flagged, claim; and order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._gps = Tri.ANY
        self._geolocated = Tri.ANY
        self._flagged_only = False
        self._claim: int | None = None
        self._only: frozenset[int] | None = None  # ids kept (near-duplicate groups)
        self._key = SortKey.IMPORTED
        self.setDynamicSortFilter(True)

    def source(self) -> EvidenceModel:
        model = self.sourceModel()
        assert isinstance(model, EvidenceModel)
        return model

    # ----------------------------------------------------------------- settings

    def _change(self, attr: str, value: object) -> None:
        if getattr(self, attr) == value:
            return
        self.beginFilterChange()
        setattr(self, attr, value)
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def set_text(self, text: str) -> None:
        self._change("_text", text.strip().casefold())

    def set_gps(self, value: Tri) -> None:
        self._change("_gps", value)

    def set_geolocated(self, value: Tri) -> None:
        self._change("_geolocated", value)

    def set_flagged_only(self, value: bool) -> None:
        self._change("_flagged_only", value)

    def set_claim(self, claim_id: int | None) -> None:
        self._change("_claim", claim_id)

    def set_only_ids(self, ids: frozenset[int] | None) -> None:
        """Keep only these items (None: all); the near-duplicate filter sets it."""
        self._change("_only", ids)

    def clear_filters(self) -> None:
        self.beginFilterChange()
        self._text, self._gps, self._geolocated = "", Tri.ANY, Tri.ANY
        self._flagged_only, self._claim, self._only = False, None, None
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def is_filtering(self) -> bool:
        return bool(self._text) or self._gps != Tri.ANY or self._geolocated != Tri.ANY or \
            self._flagged_only or self._claim is not None or self._only is not None

    def set_sort_key(self, key: SortKey, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._key = key
        self.invalidate()
        self.sort(0, order)

    @property
    def sort_key(self) -> SortKey:
        return self._key

    # ----------------------------------------------------------------- Qt

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802
        model = self.source()
        item = model.evidence(source_row)
        if self._text and self._text not in item.name.casefold():
            return False
        if self._gps != Tri.ANY and (item.metadata.gps is not None) != (self._gps == Tri.YES):
            return False
        if self._geolocated != Tri.ANY and \
                model.is_geolocated(source_row) != (self._geolocated == Tri.YES):
            return False
        if self._flagged_only and not model.is_flagged(source_row):
            return False
        if self._only is not None and item.id not in self._only:
            return False
        return self._claim is None or self._claim in model.claims_of(source_row)

    def lessThan(self, left: ModelIndex, right: ModelIndex) -> bool:  # noqa: N802
        model = self.source()
        a, b = model.evidence(left.row()), model.evidence(right.row())
        if self._key == SortKey.NAME:
            return (a.name.casefold(), a.id) < (b.name.casefold(), b.id)
        if self._key == SortKey.CAPTURED:
            # Items without a capture time sort after every item that has one.
            return (a.metadata.captured_at or "\uffff", a.id) < \
                (b.metadata.captured_at or "\uffff", b.id)
        if self._key == SortKey.FLAGGED:
            fa, fb = model.is_flagged(left.row()), model.is_flagged(right.row())
            return (not fa, a.id) < (not fb, b.id)
        return a.id < b.id
