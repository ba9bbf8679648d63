"""Near-duplicates in the window: the inspector's "Similar items" and the list's group filter.

A reviewer looking for the earliest copy of a picture sees, on every item, the other items of
the case that are the same picture re-encoded, resized, cropped a little or marked, with how
far apart their perceptual hashes are, and the group's earliest copy named; a click selects
one. The evidence list can show only items that have near-duplicates, or one group. Names come
from untrusted files: every label is plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QIcon, QPixmap
from PySide6.QtWidgets import QListWidget, QListWidgetItem, QMenu, QVBoxLayout, QWidget

from desk.ui.common import theme
from desk.ui.common.labels import plain_label, section_label

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.model import Evidence
    from desk.core.near_duplicates import Group
    from desk.ui.evidence.evidence_model import EvidenceFilter, EvidenceModel

_ICON = QSize(52, 36)
NOT_READ = "Not compared (imported before desk 1.5: no perceptual hash was taken)."
NONE_FOUND = "No near-duplicates of this item in the case."


def bits_text(distance: int) -> str:
    if distance == 0:
        return "same picture pattern (0 bits apart)"
    return f"{distance} bit{'' if distance == 1 else 's'} apart"


class SimilarItems(QWidget):
    """The shown item's near-duplicates, closest first; activating one asks to select it."""

    itemChosen = Signal(int)  # noqa: N815 - Qt naming

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SimilarItems")
        self.note = plain_label(role="dim")
        self.list = QListWidget()
        self.list.setObjectName("SimilarList")
        self.list.setIconSize(_ICON)
        self.list.setUniformItemSizes(True)
        self.list.setWordWrap(True)
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setStyleSheet(f"QListWidget {{ border: 1px solid {theme.BORDER}; }}")
        self.list.itemClicked.connect(self._chosen)
        self.list.itemActivated.connect(self._chosen)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(section_label("Similar items"))
        layout.addWidget(self.note)
        layout.addWidget(self.list)

    def show_item(self, case: CaseFile | None, item: Evidence | None) -> None:
        from desk.core.near_duplicates import case_hashes, group_of, near_duplicates_of

        self.list.clear()
        hashes = case_hashes(case) if case is not None and item is not None else {}
        found = near_duplicates_of(case, item.id, hashes=hashes) \
            if case is not None and item is not None else []
        if case is None or item is None or found is None:
            self._finish(NOT_READ if found is None else "")
            return
        if not found:
            self._finish(NONE_FOUND)
            return
        group = group_of(case, item.id, hashes=hashes)  # the hashes read once per item
        thumbs = case.thumbnails([s.evidence_id for s in found])
        for similar in found:
            try:
                other = case.get_evidence(similar.evidence_id)
            except KeyError:
                continue
            text = f"{other.name}\nEvidence {other.id} · {bits_text(similar.distance)}"
            if group is not None and group.earliest == other.id:
                text += f"\nEarliest copy (by {group.earliest_by})"
            row = QListWidgetItem(text)
            row.setData(Qt.ItemDataRole.UserRole, other.id)
            row.setToolTip(other.name)
            row.setSizeHint(QSize(200, 58))
            picture = thumbs.get(other.id)
            if picture:
                pixmap = QPixmap()
                if pixmap.loadFromData(picture):
                    row.setIcon(QIcon(pixmap.scaled(_ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                                    Qt.TransformationMode.SmoothTransformation)))
            self.list.addItem(row)
        earliest = ""
        if group is not None and group.earliest == item.id:
            earliest = f" This item is the earliest copy (by {group.earliest_by})."
        count = self.list.count()
        self._finish(f"{count} near-duplicate{'' if count == 1 else 's'} in the case,"
                     f" closest first.{earliest}")

    def _finish(self, note: str) -> None:
        self.note.setText(note)
        self.note.setVisible(bool(note))
        shown = self.list.count()
        self.list.setVisible(bool(shown))
        self.list.setFixedHeight(min(shown, 4) * 60 + 4 if shown else 0)

    def shown_ids(self) -> list[int]:
        return [int(self.list.item(i).data(Qt.ItemDataRole.UserRole))
                for i in range(self.list.count())]

    def _chosen(self, row: QListWidgetItem) -> None:
        eid = row.data(Qt.ItemDataRole.UserRole)
        if isinstance(eid, int):
            self.itemChosen.emit(eid)


class NearDuplicateFilter:
    """The evidence list's "Near-duplicates" submenu: any item, items with near-duplicates,
    or one group (named after its earliest copy). Groups are worked out when the menu opens,
    so a case just imported into shows its new groups."""

    def __init__(self, menu: QMenu, model: EvidenceModel, proxy: EvidenceFilter,
                 changed: Callable[[], None]) -> None:
        self.menu = menu.addMenu("Near-duplicates")
        self.menu.setObjectName("NearDuplicateMenu")
        self._model = model
        self._proxy = proxy
        self._changed = changed
        self._group = QActionGroup(self.menu)
        self._groups: list[Group] = []
        self.selected: str = ""  # "" any, "with" items with near-duplicates, "group:N"
        self.menu.aboutToShow.connect(self.rebuild)
        self.rebuild()

    def rebuild(self) -> None:
        case = self._model.case
        self._groups = []
        if case is not None:
            from desk.core.near_duplicates import case_groups

            self._groups = case_groups(case)
        self.menu.clear()
        for action in self._group.actions():
            self._group.removeAction(action)
        names = {}
        if case is not None and self._groups:
            wanted = {g.earliest for g in self._groups}
            names = {e.id: e.name for e in case.list_evidence() if e.id in wanted}
        entries = [("", "Any item"), ("with", "Items with near-duplicates")]
        for index, group in enumerate(self._groups):
            name = names.get(group.earliest, f"evidence {group.earliest}")
            label = name if len(name) <= 40 else name[:37] + "…"
            entries.append((f"group:{index}", f"Group of {label} ({len(group.members)})"))
        if self.selected not in {key for key, _ in entries}:
            self.selected = ""
        for key, text in entries:
            action = QAction(text.replace("&", "&&"), self.menu)
            action.setCheckable(True)
            action.setChecked(key == self.selected)
            action.setData(key)
            action.toggled.connect(lambda on, k=key: on and self._choose(k))
            self._group.addAction(action)
            self.menu.addAction(action)
        self.menu.setEnabled(case is not None)

    def _choose(self, key: str) -> None:
        self.selected = key
        self.apply()
        self._changed()

    def apply(self) -> None:
        """Tell the list which ids the chosen entry keeps (None: every item)."""
        if self.selected == "with":
            self._proxy.set_only_ids(frozenset(i for g in self._groups for i in g.members))
        elif self.selected.startswith("group:"):
            self._proxy.set_only_ids(frozenset(self._groups[int(self.selected[6:])].members))
        else:
            self._proxy.set_only_ids(None)

    def clear(self) -> None:
        self.selected = ""
        self.apply()
        for action in self._group.actions():
            action.setChecked(action.data() == "")

    def summary(self) -> str:
        """What the filter button says about this filter ("" when it shows every item)."""
        if self.selected == "with":
            return "Near-duplicates"
        if self.selected.startswith("group:"):
            return "One group"
        return ""
