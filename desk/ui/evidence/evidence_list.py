"""The evidence list: one row per still with its thumbnail, name, capture time and badges.

Rows are painted by a delegate (no widget per row), all the same height, so a list of
thousands scrolls without layout work; thumbnails come from the model's cache.
"""

from __future__ import annotations

from PySide6.QtCore import (
    QEvent,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QRectF,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QColor,
    QFont,
    QFontMetrics,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.ui.common import icons, theme
from desk.ui.evidence.evidence_model import (
    THUMB_SIZE,
    Badge,
    EvidenceFilter,
    EvidenceModel,
    Role,
    SortKey,
    Tri,
)
from desk.ui.evidence.similar_items import NearDuplicateFilter

ModelIndex = QModelIndex | QPersistentModelIndex
ROW_HEIGHT = THUMB_SIZE.height() + 16
PAD = 8


#: How far a frame's row is indented under its video (pixels).
FRAME_INDENT = 18


def _in_import_order(index: ModelIndex) -> bool:
    """Frames follow their video only in import order; sorted otherwise, they are not
    indented (their row still says which video they come from)."""
    model = index.model()
    return not isinstance(model, EvidenceFilter) or model.sort_key == SortKey.IMPORTED


class EvidenceDelegate(QStyledItemDelegate):
    """Paints a row: thumbnail box, elided name, capture time, badge tags."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._name_font = QFont()
        self._name_font.setWeight(QFont.Weight.DemiBold)
        self._small_font = QFont()
        self._small_font.setPointSizeF(max(8.0, self._small_font.pointSizeF() - 1))
        self._badge_font = QFont()
        self._badge_font.setPointSizeF(7.0)
        self._badge_font.setWeight(QFont.Weight.Bold)
        self._badge_font.setLetterSpacing(QFont.SpacingType.PercentageSpacing, 104)

    def sizeHint(self, option: QStyleOptionViewItem, index: ModelIndex) -> QSize:  # noqa: N802
        return QSize(260, ROW_HEIGHT)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: ModelIndex) -> None:
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect: QRect = option.rect  # type: ignore[attr-defined]
        state = option.state  # type: ignore[attr-defined]
        selected = bool(state & QStyle.StateFlag.State_Selected)
        hovered = bool(state & QStyle.StateFlag.State_MouseOver)
        if selected:
            painter.fillRect(rect, QColor(theme.SELECTION))
            painter.fillRect(QRect(rect.left(), rect.top(), 3, rect.height()), QColor(theme.ACCENT))
        elif hovered:
            painter.fillRect(rect, QColor(theme.PANEL_ALT))
        painter.setPen(QPen(QColor(theme.BORDER), 1))
        painter.drawLine(rect.left() + PAD, rect.bottom(), rect.right(), rect.bottom())

        # A frame taken from a video sits under it: indented, joined to it by a line.
        frame_of = str(index.data(Role.FRAME_OF) or "")
        indent = FRAME_INDENT if frame_of and _in_import_order(index) else 0
        if indent:
            painter.setPen(QPen(QColor(theme.TEXT_FAINT), 1))
            x = rect.left() + PAD + 6
            painter.drawLine(x, rect.top(), x, rect.center().y())
            painter.drawLine(x, rect.center().y(), x + indent - 8, rect.center().y())

        # Thumbnail, letterboxed in a fixed box so rows line up whatever the aspect ratio.
        box = QRect(rect.left() + PAD + 2 + indent, rect.top() + PAD, THUMB_SIZE.width(),
                    THUMB_SIZE.height())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor(theme.CANVAS))
        painter.drawRoundedRect(QRectF(box), 4, 4)
        pixmap = index.data(Qt.ItemDataRole.DecorationRole)
        if pixmap is not None and not pixmap.isNull():
            size = pixmap.deviceIndependentSize().toSize()
            target = QRect(0, 0, size.width(), size.height())
            target.moveCenter(box.center())
            painter.drawPixmap(target, pixmap)
        else:
            icon_rect = QRect(0, 0, 22, 22)
            icon_rect.moveCenter(box.center())
            icons.icon("image", theme.TEXT_FAINT).paint(painter, icon_rect)

        # Text column.
        left = box.right() + 10
        width = rect.right() - left - PAD
        text_colour = QColor("#ffffff" if selected else theme.TEXT)
        painter.setFont(self._name_font)
        painter.setPen(text_colour)
        metrics = QFontMetrics(self._name_font)
        name = metrics.elidedText(str(index.data(Qt.ItemDataRole.DisplayRole) or ""),
                                  Qt.TextElideMode.ElideMiddle, width)
        top = rect.top() + PAD
        painter.drawText(QRect(left, top, width, metrics.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        top += metrics.height() + 2

        painter.setFont(self._small_font)
        small = QFontMetrics(self._small_font)
        captured = str(index.data(Role.CAPTURED) or "")
        painter.setPen(QColor(theme.TEXT_DIM if captured or frame_of else theme.TEXT_FAINT))
        line = frame_of or captured or "No capture time"
        painter.drawText(QRect(left, top, width, small.height()),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         small.elidedText(line, Qt.TextElideMode.ElideRight, width))
        top += small.height() + 6

        badges = index.data(Role.BADGES) or ()
        self._paint_badges(painter, badges, left, top, rect.right() - PAD)
        painter.restore()

    def _paint_badges(self, painter: QPainter, badges: tuple[Badge, ...], left: int, top: int,
                      right: int) -> None:
        painter.setFont(self._badge_font)
        metrics = QFontMetrics(self._badge_font)
        x = left
        height = metrics.height() + 3
        for badge in badges:
            w = metrics.horizontalAdvance(badge.text) + 10
            if x + w > right:
                break
            colour = QColor(badge.colour)
            fill = QColor(colour)
            fill.setAlpha(48)
            painter.setPen(QPen(colour, 1))
            painter.setBrush(fill)
            tag = QRectF(x + 0.5, top + 0.5, w, height)
            painter.drawRoundedRect(tag, 3, 3)
            painter.setPen(colour.lighter(135))
            painter.drawText(tag, Qt.AlignmentFlag.AlignCenter, badge.text)
            x += w + 4


class EvidenceList(QListView):
    """The list of stills; `currentEvidenceChanged` tells which one the reviewer is looking at."""

    currentEvidenceChanged = Signal(object)  # noqa: N815 - evidence id or None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EvidenceList")
        self.setItemDelegate(EvidenceDelegate(self))
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalScrollBar().setSingleStep(ROW_HEIGHT // 3)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setMouseTracking(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setFrameShape(QListView.Shape.NoFrame)
        self.setAttribute(Qt.WidgetAttribute.WA_MacShowFocusRect, False)
        self.empty_title = ""
        self.empty_hint = ""

    def setModel(self, model: EvidenceFilter) -> None:  # type: ignore[override]  # noqa: N802
        super().setModel(model)
        self.selectionModel().currentChanged.connect(self._on_current_changed)

    def filter_model(self) -> EvidenceFilter:
        model = self.model()
        assert isinstance(model, EvidenceFilter)
        return model

    def current_evidence_id(self) -> int | None:
        index = self.currentIndex()
        return int(index.data(Role.ID)) if index.isValid() else None

    def select_evidence(self, evidence_id: int) -> bool:
        proxy = self.filter_model()
        row = proxy.source().row_of(evidence_id)
        if row is None:
            return False
        index = proxy.mapFromSource(proxy.source().index(row))
        if not index.isValid():
            return False
        self._select(index)
        return True

    def select_row(self, row: int) -> None:
        model = self.model()
        if model is not None and 0 <= row < model.rowCount():
            self._select(model.index(row, 0))

    def step(self, delta: int) -> None:
        """Move to the next (+1) or previous (-1) item in the order shown."""
        model = self.model()
        if model is None or model.rowCount() == 0:
            return
        current = self.currentIndex()
        row = current.row() + delta if current.isValid() else 0
        self.select_row(max(0, min(model.rowCount() - 1, row)))

    def _select(self, index: QModelIndex) -> None:
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.scrollTo(index, QAbstractItemView.ScrollHint.EnsureVisible)

    def _on_current_changed(self, current: QModelIndex, previous: QModelIndex) -> None:
        self.currentEvidenceChanged.emit(int(current.data(Role.ID)) if current.isValid() else None)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        model = self.model()
        if model is not None and model.rowCount() == 0 and self.empty_title:
            self._paint_empty()

    def _paint_empty(self) -> None:
        painter = QPainter(self.viewport())
        rect = self.viewport().rect().adjusted(24, 40, -24, -24)
        icon_rect = QRect(0, 0, 40, 40)
        icon_rect.moveCenter(rect.center())
        icon_rect.moveTop(rect.top())
        icons.icon("drop", theme.TEXT_FAINT).paint(painter, icon_rect)
        title_font = QFont(self.font())
        title_font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(title_font)
        painter.setPen(QColor(theme.TEXT_DIM))
        text_rect = rect.adjusted(0, 52, 0, 0)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                         self.empty_title)
        painter.setFont(self.font())
        painter.setPen(QColor(theme.TEXT_FAINT))
        painter.drawText(text_rect.adjusted(0, 28, 0, 0),
                         Qt.AlignmentFlag.AlignHCenter | Qt.TextFlag.TextWordWrap,
                         self.empty_hint)
        painter.end()

    def viewportEvent(self, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.Leave:
            self.viewport().update()  # drop the hover highlight
        return super().viewportEvent(event)


class EvidencePanel(QWidget):
    """The left column: header with counts, search, filters and sort above the list."""

    def __init__(self, model: EvidenceModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("EvidencePanel")
        self.model = model
        self.proxy = EvidenceFilter(self)
        self.proxy.setSourceModel(model)
        self.proxy.sort(0)
        self.list = EvidenceList(self)
        self.list.setModel(self.proxy)
        self._claim_names: dict[int, str] = {}

        self.title = QLabel("Evidence")
        self.title.setProperty("role", "heading")
        self.count = QLabel("")
        self.count.setProperty("role", "dim")
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.count.setWordWrap(True)  # "10,000 items · 3,334 flagged" wraps in a narrow column

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search names")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(icons.icon("search", theme.TEXT_FAINT),
                              QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(self.proxy.set_text)

        self.filter_button = QToolButton()
        self.filter_button.setObjectName("FilterButton")
        self.filter_button.setIcon(icons.icon("filter", theme.TEXT_DIM))
        self.filter_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.filter_button.setToolTip("Show only some items: GPS, geolocated, flagged, claim")
        self.filter_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.filter_menu = QMenu(self.filter_button)
        self.filter_button.setMenu(self.filter_menu)
        self._build_filter_menu()
        self.filter_button.setText(self._filter_summary())

        self.sort = QComboBox()
        self.sort.setObjectName("SortBox")
        self.sort.addItem(icons.icon("sort", theme.TEXT_DIM), "Import order", SortKey.IMPORTED)
        self.sort.addItem(icons.icon("sort", theme.TEXT_DIM), "Name", SortKey.NAME)
        self.sort.addItem(icons.icon("sort", theme.TEXT_DIM), "Capture time", SortKey.CAPTURED)
        self.sort.addItem(icons.icon("sort", theme.TEXT_DIM), "Flagged first", SortKey.FLAGGED)
        self.sort.setToolTip("Order of the list")
        self.sort.currentIndexChanged.connect(
            lambda _: self.proxy.set_sort_key(SortKey(self.sort.currentData()))
        )

        header = QHBoxLayout()
        header.setContentsMargins(12, 10, 12, 4)
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.count)
        search_row = QHBoxLayout()
        search_row.setContentsMargins(10, 4, 10, 4)
        search_row.addWidget(self.search)
        tools = QHBoxLayout()
        tools.setContentsMargins(10, 2, 10, 8)
        tools.setSpacing(6)
        tools.addWidget(self.filter_button)
        tools.addStretch(1)
        tools.addWidget(self.sort)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addLayout(header)
        layout.addLayout(search_row)
        layout.addLayout(tools)
        separator = QFrame()
        separator.setFrameShape(QFrame.Shape.HLine)
        separator.setStyleSheet(f"color: {theme.BORDER};")
        layout.addWidget(separator)
        layout.addWidget(self.list, 1)

        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved,
                       model.dataChanged, self.proxy.layoutChanged, self.proxy.rowsInserted,
                       self.proxy.rowsRemoved, self.proxy.modelReset):
            signal.connect(self._update_count)
        self._update_count()

    # ----------------------------------------------------------------- filters

    def _build_filter_menu(self) -> None:
        menu = self.filter_menu
        menu.clear()
        self.flagged_action = menu.addAction("Flagged items only")
        self.flagged_action.setCheckable(True)
        self.flagged_action.toggled.connect(self._filters_changed)
        self.gps_actions = self._tri_section(menu, "GPS in metadata", "With GPS", "Without GPS")
        self.geo_actions = self._tri_section(menu, "Geolocation", "Geolocated",
                                             "Not geolocated")
        self.claim_menu = menu.addMenu("Claim")
        self.claim_group = QActionGroup(self)
        self.near_duplicates = NearDuplicateFilter(menu, self.model, self.proxy,
                                                   self._filters_changed)
        menu.addSeparator()
        clear = menu.addAction("Clear filters")
        clear.triggered.connect(self.clear_filters)
        self.set_claims({})

    def _tri_section(self, menu: QMenu, title: str, yes: str, no: str) -> dict[Tri, QAction]:
        menu.addSection(title)
        group = QActionGroup(self)
        actions: dict[Tri, QAction] = {}
        for value, text in ((Tri.ANY, "Any"), (Tri.YES, yes), (Tri.NO, no)):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked(value == Tri.ANY)
            action.setData(int(value))
            group.addAction(action)
            action.toggled.connect(self._filters_changed)
            actions[value] = action
        return actions

    def set_claims(self, claims: dict[int, str]) -> None:
        """The claims of the case, for the 'by claim' filter (texts are untrusted: plain only)."""
        self._claim_names = claims
        self.claim_menu.clear()
        for action in self.claim_group.actions():
            self.claim_group.removeAction(action)
        entries = [(None, "Any claim")] + [(cid, text) for cid, text in claims.items()]
        for cid, text in entries:
            label = text if len(text) <= 60 else text[:57] + "…"
            action = self.claim_menu.addAction(label.replace("&", "&&"))
            action.setCheckable(True)
            action.setChecked(cid is None)
            action.setData(cid)
            self.claim_group.addAction(action)
            action.toggled.connect(self._filters_changed)
        self.claim_menu.setEnabled(bool(claims))
        self.proxy.set_claim(None)

    @staticmethod
    def _tri(actions: dict[Tri, QAction]) -> Tri:
        return next((value for value, a in actions.items() if a.isChecked()), Tri.ANY)

    def _filters_changed(self, *_: object) -> None:
        self.proxy.set_flagged_only(self.flagged_action.isChecked())
        self.proxy.set_gps(self._tri(self.gps_actions))
        self.proxy.set_geolocated(self._tri(self.geo_actions))
        checked = self.claim_group.checkedAction()
        self.proxy.set_claim(checked.data() if checked is not None else None)
        self.filter_button.setText(self._filter_summary())
        self._update_count()

    def _filter_summary(self) -> str:
        """What the filter button says: the reviewer must see that items are hidden."""
        parts = []
        if self.flagged_action.isChecked():
            parts.append("Flagged")
        gps, geo = self._tri(self.gps_actions), self._tri(self.geo_actions)
        if gps != Tri.ANY:
            parts.append("GPS" if gps == Tri.YES else "No GPS")
        if geo != Tri.ANY:
            parts.append("Geolocated" if geo == Tri.YES else "Not geolocated")
        checked = self.claim_group.checkedAction()
        if checked is not None and checked.data() is not None:
            parts.append(f"Claim {checked.data()}")
        parts += [p for p in [self.near_duplicates.summary()] if p]
        return (" · ".join(parts) if parts else "All items") + "  ▾"

    def clear_filters(self) -> None:
        for actions in (self.gps_actions, self.geo_actions):
            actions[Tri.ANY].setChecked(True)
        self.flagged_action.setChecked(False)
        for action in self.claim_group.actions():
            if action.data() is None:
                action.setChecked(True)
        self.search.clear()
        self.near_duplicates.clear()
        self.proxy.clear_filters()
        self._filters_changed()

    # ----------------------------------------------------------------- counts and empty state

    def _update_count(self, *_: object) -> None:
        total = self.model.rowCount()
        shown = self.proxy.rowCount()
        flagged = self.model.flagged_count()
        text = f"{total:,} items" if shown == total else f"{shown:,} of {total:,}"
        if flagged:
            text += f" · {flagged:,} flagged"
        self.count.setText(text if self.model.case is not None else "")
        if self.model.case is None:
            self.list.empty_title, self.list.empty_hint = "", ""
        elif total == 0:
            self.list.empty_title = "No evidence yet"
            self.list.empty_hint = "Drop photos or folders here,\nor use File › Import (Ctrl+I)."
        else:
            self.list.empty_title = "Nothing matches"
            self.list.empty_hint = "Change the filters or clear them\n(Filter › Clear filters)."
        self.list.viewport().update()
