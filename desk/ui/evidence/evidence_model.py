"""The case's evidence as a Qt item model, plus the sort/filter proxy the evidence list shows.

Rows are read once from the case as the list shows them (`case_listing.list_rows`: name,
size, capture time, flag codes, GPS or not); an item is read whole only when something asks
for it (the selected item, a few at a time). Thumbnails are read from the case's thumbnail
table only for rows a view actually asks to paint, a page at a time, and kept as
display-sized pixmaps. Originals are never touched here, so a 10,000-item case opens and
scrolls without decoding a single full image or building every item whole.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractListModel,
    QBuffer,
    QByteArray,
    QIODevice,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    QSortFilterProxyModel,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QImage, QImageReader, QPixmap

from desk.ui.common import theme

if TYPE_CHECKING:
    from desk.core.case_listing import FrameLink, ListedItem
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence

ModelIndex = QModelIndex | QPersistentModelIndex

#: Size thumbnails are kept at (logical pixels, times the screen's device pixel ratio).
THUMB_SIZE = QSize(104, 72)
#: Thumbnails read from the case in one query when a view asks for one that is missing.
PAGE = 24
#: Decoded thumbnails kept; beyond this the least recently painted are dropped.
CACHE_LIMIT = 1500
#: Items kept whole (read from the case when asked for): the selected one and its neighbours.
WHOLE_LIMIT = 64


class Role(IntEnum):
    EVIDENCE = Qt.ItemDataRole.UserRole + 1
    ID = Qt.ItemDataRole.UserRole + 2
    BADGES = Qt.ItemDataRole.UserRole + 3
    CAPTURED = Qt.ItemDataRole.UserRole + 4
    HAS_GPS = Qt.ItemDataRole.UserRole + 5
    GEOLOCATED = Qt.ItemDataRole.UserRole + 6
    FLAGGED = Qt.ItemDataRole.UserRole + 7
    #: "video", "frame" (a still taken from a video of the case) or "still".
    KIND = Qt.ItemDataRole.UserRole + 8
    #: For a frame: "frame 312 · 00:00:12.480 of clip.mp4" (the video's name is untrusted).
    FRAME_OF = Qt.ItemDataRole.UserRole + 9


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
VIDEO = Badge("VIDEO", theme.ACCENT, "A video: select it to play it and take frames")


@cache
def _badges(codes: tuple[str, ...], has_gps: bool, geolocated: bool) -> tuple[Badge, ...]:
    """A row's badges, worked out when it is painted: the same few combinations recur
    across a case, so each is worked out once."""
    badges: list[Badge] = []
    if has_gps and "invalid_gps" not in codes and "null_island" not in codes:
        badges.append(GPS)
    if geolocated:
        badges.append(GEOLOCATED)
    if "no_metadata" in codes:
        badges.append(STRIPPED)
    badges.extend(WARNING_FLAGS[c] for c in dict.fromkeys(codes) if c in WARNING_FLAGS)
    return tuple(badges)


@cache
def _flagged(codes: tuple[str, ...]) -> bool:
    """Whether flags mean "look closer": a warning, or no metadata at all."""
    return "no_metadata" in codes or any(c in WARNING_FLAGS for c in codes)


def captured_label(item: Evidence) -> str:
    """'2024-03-02 14:05' from the stored ISO time; '' when the file has none."""
    return _captured_text(item.metadata.captured_at)


def _captured_text(value: str | None) -> str:
    return (value or "").replace("T", " ")[:16]


def plain_tooltip(*lines: str) -> str:
    """Tooltips detect rich text on their own; forcing it and escaping keeps names literal."""
    return "<qt>" + "<br>".join(html.escape(line) for line in lines if line) + "</qt>"


class EvidenceModel(QAbstractListModel):
    """One row per evidence item of the open case, in import order, except that the stills
    taken from a video follow it (in frame order), so a frame is read under its video."""

    #: Thumbnails of these evidence ids became available (views repaint them).
    thumbnailsLoaded = Signal(list)  # noqa: N815 - Qt signal naming

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._case: CaseFile | None = None
        self._rows: list[ListedItem] = []
        self._row_of: dict[int, int] = {}
        self._flagged_total = 0
        self._geolocated: set[int] = set()
        self._claims: dict[int, set[int]] = {}
        self._videos: set[int] = set()
        self._frames: dict[int, FrameLink] = {}
        self._last_id = 0  # the newest item held (rows are not in id order: frames move up)
        self._whole: OrderedDict[int, Evidence] = OrderedDict()
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
        self._whole.clear()
        self._wanted.clear()
        self._rows = []
        self._geolocated = set()
        self._claims = {}
        self._videos, self._frames = set(), {}
        if case is not None:
            from desk.core import case_listing

            self._geolocated = case_listing.geolocated_ids(case)
            self._claims = case_listing.claim_links(case)
            self._videos, self._frames = case_listing.video_links(case)
            self._rows = _grouped(case_listing.list_rows(case), self._frames)
        self._last_id = max((r.id for r in self._rows), default=0)
        self._reindex()
        self.endResetModel()

    def set_device_pixel_ratio(self, ratio: float) -> None:
        if ratio != self._ratio:
            self._ratio = ratio
            self._thumbs.clear()

    def sync(self) -> list[int]:
        """Take in items added to the case since it was read (an import); returns their ids.
        Only rows newer than the last one held are read, so a sync during a long import
        costs what it adds, not what the case holds."""
        if self._case is None:
            return []
        from desk.core.case_listing import list_rows

        fresh = [item for item in list_rows(self._case, after_id=self._last_id)
                 if item.id not in self._row_of]
        if not fresh:
            return []
        from desk.core.case_listing import video_links

        self._last_id = max(self._last_id, *(item.id for item in fresh))
        self._videos, self._frames = video_links(self._case)
        ending: list[ListedItem] = []  # appended together, in one insertion
        for item in fresh:
            link = self._frames.get(item.id)
            if link is not None and any(r.id == link.video_id for r in ending):
                self._append(ending)
                ending = []
            if link is not None and link.video_id in self._row_of:
                self._insert(self._frame_position(link), item)
            else:
                ending.append(item)
        self._append(ending)
        return [item.id for item in fresh]

    def _append(self, items: list[ListedItem]) -> None:
        if not items:
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(items) - 1)
        self._rows.extend(items)
        self._reindex()
        self.endInsertRows()

    def _insert(self, row: int, item: ListedItem) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.insert(row, item)
        self._reindex()
        self.endInsertRows()

    def _frame_position(self, link: FrameLink) -> int:
        """Where a new frame of a video goes: after the video and its earlier frames."""
        row = self._row_of[link.video_id] + 1
        while row < len(self._rows):
            other = self._frames.get(self._rows[row].id)
            if other is None or other.video_id != link.video_id \
                    or other.frame_index > link.frame_index:
                break
            row += 1
        return row

    def refresh(self, evidence_ids: set[int] | list[int]) -> None:
        """Re-read some items after an edit (or its undo) so every view shows the case's truth."""
        if self._case is None:
            return
        from desk.core import case_listing

        self._geolocated = case_listing.geolocated_ids(self._case)
        for eid in evidence_ids:
            self._whole.pop(eid, None)
            row = self._row_of.get(eid)
            if row is None:
                continue
            item = case_listing.listed_item(self._case, eid)
            if item is None:
                continue
            self._rows[row] = item
            index = self.index(row)
            self.dataChanged.emit(index, index)
        self._count_flagged()

    def refresh_claims(self) -> None:
        """Claim links changed (a later issue's claim editor); the claim filter depends on them."""
        if self._case is not None:
            from desk.core.case_listing import claim_links

            self._claims = claim_links(self._case)
            if self._rows:
                self.dataChanged.emit(self.index(0), self.index(len(self._rows) - 1))

    def _reindex(self) -> None:
        self._row_of = {r.id: i for i, r in enumerate(self._rows)}
        self._count_flagged()

    def _count_flagged(self) -> None:
        self._flagged_total = sum(1 for r in self._rows if _flagged(r.flag_codes))

    # ----------------------------------------------------------------- lookups

    def evidence(self, row: int) -> Evidence:
        """The item of a row, whole (metadata, provenance, sources), read when first asked
        for: a list of thousands holds only what its rows show."""
        eid = self._rows[row].id
        item = self._whole.get(eid)
        if item is not None:
            self._whole.move_to_end(eid)
            return item
        if self._case is None:
            raise KeyError(f"no evidence {eid}: no case is open")
        item = self._case.get_evidence(eid)
        self._whole[eid] = item
        while len(self._whole) > WHOLE_LIMIT:
            self._whole.popitem(last=False)
        return item

    def listed(self, row: int) -> ListedItem:
        """What the list shows of a row (cheap: held for every row)."""
        return self._rows[row]

    def evidence_id(self, row: int) -> int:
        return self._rows[row].id

    def row_of(self, evidence_id: int) -> int | None:
        return self._row_of.get(evidence_id)

    def is_flagged(self, row: int) -> bool:
        return _flagged(self._rows[row].flag_codes)

    def is_geolocated(self, row: int) -> bool:
        return self._rows[row].id in self._geolocated

    def claims_of(self, row: int) -> set[int]:
        return self._claims.get(self._rows[row].id, set())

    def is_video(self, row: int) -> bool:
        return self._rows[row].id in self._videos

    def frame_link(self, row: int) -> FrameLink | None:
        """Which video and frame a row's still was taken from (None for other items)."""
        return self._frames.get(self._rows[row].id)

    def kind(self, row: int) -> str:
        eid = self._rows[row].id
        return "video" if eid in self._videos else "frame" if eid in self._frames else "still"

    def frame_label(self, row: int) -> str:
        """'frame 312 · 00:00:12.480 of clip.mp4' for a frame, '' otherwise."""
        link = self._frames.get(self._rows[row].id)
        if link is None:
            return ""
        video_row = self._row_of.get(link.video_id)
        video = self._rows[video_row].name if video_row is not None else \
            f"evidence-{link.video_id}"
        return f"frame {link.frame_index:,} · {link.timecode} of {video}"

    def flagged_count(self) -> int:
        return self._flagged_total

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
        item = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return item.name
        if role == Qt.ItemDataRole.DecorationRole:
            return self._thumbnail(item.id)
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tooltip(item)
        if role == Role.EVIDENCE:
            return self.evidence(index.row())
        if role == Role.ID:
            return item.id
        if role == Role.BADGES:
            return self._badges(item)
        if role == Role.CAPTURED:
            return _captured_text(item.captured_at)
        if role == Role.HAS_GPS:
            return item.has_gps
        if role == Role.GEOLOCATED:
            return item.id in self._geolocated
        if role == Role.FLAGGED:
            return _flagged(item.flag_codes)
        if role == Role.KIND:
            return self.kind(index.row())
        if role == Role.FRAME_OF:
            return self.frame_label(index.row())
        return None

    def roleNames(self) -> dict[int, bytes]:  # noqa: N802
        names = dict(super().roleNames())
        names.update({r.value: r.name.lower().encode() for r in Role})
        return names

    def _badges(self, item: ListedItem) -> tuple[Badge, ...]:
        badges = _badges(item.flag_codes, item.has_gps, item.id in self._geolocated)
        return (VIDEO, *badges) if item.id in self._videos else badges

    def _tooltip(self, item: ListedItem) -> str:
        lines = [item.name, f"{item.width} × {item.height} {item.format}"]
        row = self._row_of.get(item.id)
        if row is not None and item.id in self._frames:
            lines.append(f"Taken from a video: {self.frame_label(row)}")
        captured = _captured_text(item.captured_at)
        lines.append(f"Captured {captured}" if captured else "No capture time")
        lines.extend(b.meaning for b in self._badges(item))
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
        ids = [self._rows[r].id for r in (*rows, *ahead)]
        ids = [e for e in ids if e not in self._thumbs]
        blobs = self._case.thumbnails(ids)
        size = THUMB_SIZE * self._ratio
        for eid in ids:
            image = _decode_scaled(blobs.get(eid, b""), size)
            if image.isNull():
                self._thumbs[eid] = QPixmap()  # remembered as missing: no retry while scrolling
                continue
            pixmap = QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(self._ratio)
            self._thumbs[eid] = pixmap
        while len(self._thumbs) > CACHE_LIMIT:
            self._thumbs.popitem(last=False)
        for first, last in _runs(sorted(self._row_of[e] for e in ids)):
            self.dataChanged.emit(self.index(first), self.index(last),
                                  [Qt.ItemDataRole.DecorationRole])
        self.thumbnailsLoaded.emit(ids)


def _decode_scaled(data: bytes, size: QSize) -> QImage:
    """A stored thumbnail decoded straight to display size: the JPEG decoder scales while it
    decodes (about half the time of decoding whole and scaling after), and a thumbnail whose
    header claims a huge picture is never decoded whole. Null when it cannot be read."""
    buffer = QBuffer()
    buffer.setData(QByteArray(data))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    reader = QImageReader(buffer)
    full = reader.size()
    if not full.isValid() or full.isEmpty():
        return QImage()
    reader.setScaledSize(full.scaled(size, Qt.AspectRatioMode.KeepAspectRatio)
                         .expandedTo(QSize(1, 1)))
    return reader.read()


def _grouped(rows: list[ListedItem], frames: dict[int, FrameLink]) -> list[ListedItem]:
    """Rows in import order, each video's frames moved to follow it (in frame order)."""
    if not frames:
        return rows
    present = {r.id for r in rows}
    under: dict[int, list[ListedItem]] = {}
    for row in rows:
        link = frames.get(row.id)
        if link is not None and link.video_id in present:
            under.setdefault(link.video_id, []).append(row)
    if not under:
        return rows
    moved = {r.id for group in under.values() for r in group}
    out: list[ListedItem] = []
    for row in rows:
        if row.id in moved:
            continue
        out.append(row)
        group = under.get(row.id)
        if group:
            out.extend(sorted(group, key=lambda r: (frames[r.id].frame_index, r.id)))
    return out


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
    """What the evidence list shows: text search, GPS, geolocated, flagged, claim; and order.

    Import order is the source's own order, so it is shown unsorted (`sort(-1)`): opening a
    case of 10,000 items compares none of them, and with no filter set no row is tested.
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text = ""
        self._gps = Tri.ANY
        self._geolocated = Tri.ANY
        self._flagged_only = False
        self._claim: int | None = None
        self._only: frozenset[int] | None = None  # ids kept (near-duplicate groups)
        self._filtering = False
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
        self._filtering = self.is_filtering()
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
        self._filtering = False
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def is_filtering(self) -> bool:
        return bool(self._text) or self._gps != Tri.ANY or self._geolocated != Tri.ANY or \
            self._flagged_only or self._claim is not None or self._only is not None

    def set_sort_key(self, key: SortKey, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        self._key = key
        if self.sortColumn() == 0 and self.sortOrder() == order and not self._unsorted(order):
            self.invalidate()  # sorted by column 0 already: sort() alone would not re-sort
        else:
            self.sort(0, order)

    @property
    def sort_key(self) -> SortKey:
        return self._key

    # ----------------------------------------------------------------- Qt

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Import order ascending is the source's order: shown as it is, nothing compared."""
        super().sort(-1 if column == 0 and self._unsorted(order) else column, order)

    def _unsorted(self, order: Qt.SortOrder) -> bool:
        return self._key == SortKey.IMPORTED and order == Qt.SortOrder.AscendingOrder

    def filterAcceptsRow(self, source_row: int, source_parent: ModelIndex) -> bool:  # noqa: N802
        if not self._filtering:
            return True
        model = self.source()
        item = model.listed(source_row)
        if self._text and self._text not in item.name.casefold():
            return False
        if self._gps != Tri.ANY and item.has_gps != (self._gps == Tri.YES):
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
        a, b = model.listed(left.row()), model.listed(right.row())
        if self._key == SortKey.NAME:
            return (a.name.casefold(), a.id) < (b.name.casefold(), b.id)
        if self._key == SortKey.CAPTURED:
            # Items without a capture time sort after every item that has one.
            return (a.captured_at or "\uffff", a.id) < (b.captured_at or "\uffff", b.id)
        if self._key == SortKey.FLAGGED:
            fa, fb = model.is_flagged(left.row()), model.is_flagged(right.row())
            return (not fa, a.id) < (not fb, b.id)
        return a.id < b.id
