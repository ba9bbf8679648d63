"""Movement arrows, shadows and the horizon drawn over a frame, and the tools that edit them.

Items live in the frame view's annotation layer, in image pixels; lines, heads, handles and
labels keep a constant size on screen whatever the zoom. The annotator turns the reviewer's
drags into core commands on the undo stack, one command when a drag ends, so every gesture
is one undo step and one custody-log entry. It holds nothing of its own: after every applied
command the window calls `refresh` and the items are rebuilt from the case.
Arrow and shadow labels are untrusted text: they are drawn with QGraphicsSimpleTextItem
(never HTML). A shadow runs from an object's base to its shadow's tip; its bearing on the
ground comes from the camera model (`desk.core.shadow_projection`) when the frame has one,
else the drawing waits, unsaved, for the reviewer to type the bearing in the Sun tab.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QLineF, QObject, QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QIcon,
    QKeyEvent,
    QPainter,
    QPainterPath,
    QPainterPathStroker,
    QPen,
    QPixmap,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QFrame,
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsSimpleTextItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStyleOptionGraphicsItem,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.arrow_style import ArrowStyle, arrow_styles, short_label
from desk.core.model import Geolocation, Horizon, Movement, Shadow
from desk.core.movement import horizon_through
from desk.core.shadow_names import shadow_names
from desk.ui.common import theme

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.commands import Command
    from desk.core.shadow_projection import ProjectedShadow
    from desk.ui.frame.frame_view import FrameView

#: The tools of the frame view: pan and select, draw movement arrows, mark the horizon, draw
#: shadows (object base to shadow tip).
PAN, MOVEMENT, HORIZON, SHADOW = "pan", "movement", "horizon", "shadow"
TOOLS = (PAN, MOVEMENT, HORIZON, SHADOW)
#: Arrow colours offered to the reviewer (the case stores any #rrggbb).
ARROW_COLOURS = ("#e4572e", "#ffd23f", "#3bceac", "#4f8cff", "#ee6fd0", "#f4f4f4")
DEFAULT_COLOUR = ARROW_COLOURS[0]
HORIZON_COLOUR = "#5ad1ff"
#: Shadows: a dark dashed line on a pale casing (unlike any arrow), the sun's colour on its tag.
SHADOW_INK = "#15171b"
SHADOW_CASING = "#f2efe6"
SUN_COLOUR = "#ffb000"
#: On-screen sizes, in pixels, whatever the zoom.
LINE_PX = 4.0
HEAD_PX = 20.0
HANDLE_PX = 6.5
HIT_PX = 8.0
#: A press and release closer than this on screen is a click, not an arrow.
MIN_ARROW_PX = 10.0


def _valid_colour(text: str) -> QColor:
    colour = QColor(text) if isinstance(text, str) and text.startswith("#") else QColor()
    return colour if colour.isValid() else QColor(DEFAULT_COLOUR)


def colour_icon(colour: str, size: int = 14) -> QIcon:
    pixmap = QPixmap(QSize(size * 2, size * 2))
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(QColor(theme.CANVAS), 2))
    painter.setBrush(_valid_colour(colour))
    painter.drawEllipse(QRectF(2, 2, size * 2 - 4, size * 2 - 4))
    painter.end()
    pixmap.setDevicePixelRatio(2.0)
    return QIcon(pixmap)


def distance_to_segment(p: QPointF, a: QPointF, b: QPointF) -> float:
    dx, dy = b.x() - a.x(), b.y() - a.y()
    length2 = dx * dx + dy * dy
    t = 0.0 if length2 == 0 else max(0.0, min(1.0, ((p.x() - a.x()) * dx + (p.y() - a.y()) * dy)
                                           / length2))
    return math.hypot(p.x() - (a.x() + t * dx), p.y() - (a.y() + t * dy))


# --------------------------------------------------------------------------- items


class LabelItem(QGraphicsRectItem):
    """A plain-text tag at a point, drawn at screen size (it ignores the view's zoom)."""

    def __init__(self, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIgnoresTransformations)
        self.setBrush(QColor(18, 20, 23, 225))
        self.text_item = QGraphicsSimpleTextItem(self)
        self.text_item.setBrush(QColor("#ffffff"))
        font = QFont()
        font.setPointSizeF(9.5)
        font.setWeight(QFont.Weight.DemiBold)
        self.text_item.setFont(font)
        self._side = 1

    def set_text(self, text: str, colour: QColor, side: int = 1) -> None:
        """`side` 1 puts the tag right of its point, -1 left of it."""
        self.text_item.setText(text)  # plain text by construction
        self.setPen(QPen(colour, 1.5))
        self._side = side
        bounds = self.text_item.boundingRect()
        width, height = bounds.width() + 14, bounds.height() + 6
        left = 12 if side > 0 else -12 - width
        self.setRect(QRectF(left, -height / 2, width, height))
        self.text_item.setPos(left + 7, -height / 2 + 3)
        self.setVisible(bool(text))

    @property
    def text(self) -> str:
        return self.text_item.text()


class _LineItem(QGraphicsItem):
    """A line drawn on the frame from `start` to `end` (image pixels) with its label at the
    end: what arrows and shadows share (geometry, scale, selection, hit shape)."""

    #: Room around the line for its head, handles and casing (screen pixels).
    MARGIN_PX = 0.0

    def __init__(self, start: QPointF, end: QPointF, parent: QGraphicsItem,
                 text: str = "") -> None:
        super().__init__(parent)
        self.start = QPointF(start)
        self.end = QPointF(end)
        self.selected = False
        self._scale = 1.0
        self.label = LabelItem(self)
        self.label_text = text

    def label_colour(self) -> QColor:
        raise NotImplementedError

    def set_scale(self, scale: float) -> None:
        self.prepareGeometryChange()
        self._scale = max(scale, 1e-6)

    def set_geometry(self, start: QPointF, end: QPointF) -> None:
        self.prepareGeometryChange()
        self.start, self.end = QPointF(start), QPointF(end)
        self._place_label()
        self.update()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def _place_label(self) -> None:
        side = -1 if self.end.x() < self.start.x() - 1 else 1
        self.label.setPos(self.end)
        self.label.set_text(short_label(self.label_text), self.label_colour(), side)

    def boundingRect(self) -> QRectF:  # noqa: N802
        margin = self.MARGIN_PX / self._scale
        return QRectF(self.start, self.end).normalized().adjusted(-margin, -margin, margin,
                                                                  margin)

    def shape(self) -> QPainterPath:
        path = QPainterPath(self.start)
        path.lineTo(self.end)
        stroker = QPainterPathStroker()
        stroker.setWidth(2 * HIT_PX / self._scale)
        return stroker.createStroke(path)


class ArrowItem(_LineItem):
    """One movement arrow from `start` to `end` (image pixels), its head at the end."""

    MARGIN_PX = HEAD_PX + HANDLE_PX + 4

    def __init__(self, movement: Movement, start: QPointF, end: QPointF,
                 parent: QGraphicsItem, style: ArrowStyle | None = None) -> None:
        # One label and colour for the frame, the map and the dossier (desk.core.arrow_style).
        style = style or arrow_styles([movement])[movement.id]
        super().__init__(start, end, parent, style.label)
        self.movement_id = movement.id
        self.colour = QColor(style.colour)
        self._place_label()

    def label_colour(self) -> QColor:
        return self.colour

    def head(self) -> QPolygonF:
        s = 1 / self._scale
        line = QLineF(self.end, self.start)
        if line.length() == 0:
            return QPolygonF()
        unit = line.unitVector()
        ux, uy = unit.dx(), unit.dy()
        length, half = HEAD_PX * s, HEAD_PX * 0.55 * s
        base = QPointF(self.end.x() + ux * length, self.end.y() + uy * length)
        return QPolygonF([self.end, QPointF(base.x() - uy * half, base.y() + ux * half),
                          QPointF(base.x() + uy * half, base.y() - ux * half)])

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        s = 1 / self._scale
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = QLineF(self.start, self.end)
        head = self.head()
        shaft_end = self.end
        if line.length() > HEAD_PX * s:
            shaft_end = line.pointAt(1 - (HEAD_PX * 0.8 * s) / line.length())
        casing = QColor(theme.CANVAS)
        casing.setAlpha(200)
        if self.selected:
            glow = QColor("#ffffff")
            glow.setAlpha(90)
            painter.setPen(QPen(glow, (LINE_PX + 9) * s, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap))
            painter.drawLine(QLineF(self.start, self.end))
        painter.setPen(QPen(casing, (LINE_PX + 3) * s, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawLine(QLineF(self.start, shaft_end))
        painter.setPen(QPen(self.colour, LINE_PX * s, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawLine(QLineF(self.start, shaft_end))
        painter.setPen(QPen(casing, 1.5 * s))
        painter.setBrush(self.colour)
        painter.drawPolygon(head)
        painter.drawEllipse(self.start, 3.5 * s, 3.5 * s)  # the tail: where it starts
        if self.selected:
            # Rings, not discs: the head and the tail stay visible under their handles.
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for pen in (QPen(QColor(theme.CANVAS), 4.5 * s), QPen(QColor("#ffffff"), 2 * s)):
                painter.setPen(pen)
                for point in (self.start, self.end):
                    painter.drawEllipse(point, HANDLE_PX * s, HANDLE_PX * s)


class HorizonItem(QGraphicsItem):
    """The marked horizon across the whole frame, with a handle at each edge."""

    def __init__(self, left: QPointF, right: QPointF, parent: QGraphicsItem) -> None:
        super().__init__(parent)
        self.left = QPointF(left)
        self.right = QPointF(right)
        self.selected = False
        self.show_handles = False
        self._scale = 1.0
        self.label = LabelItem(self)
        self.label.set_text("horizon", QColor(HORIZON_COLOUR))
        self._place_label()

    def set_scale(self, scale: float) -> None:
        self.prepareGeometryChange()
        self._scale = max(scale, 1e-6)

    def set_geometry(self, left: QPointF, right: QPointF) -> None:
        self.prepareGeometryChange()
        self.left, self.right = QPointF(left), QPointF(right)
        self._place_label()
        self.update()

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        self.update()

    def set_show_handles(self, show: bool) -> None:
        self.show_handles = show
        self.update()

    def _place_label(self) -> None:
        self.label.setPos(self.left)

    def boundingRect(self) -> QRectF:  # noqa: N802
        margin = (HANDLE_PX + 10) / self._scale
        return QRectF(self.left, self.right).normalized().adjusted(-margin, -margin, margin,
                                                                   margin)

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        s = 1 / self._scale
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = QLineF(self.left, self.right)
        casing = QColor(theme.CANVAS)
        casing.setAlpha(170)
        painter.setPen(QPen(casing, 4.5 * s))
        painter.drawLine(line)
        pen = QPen(QColor(HORIZON_COLOUR), (3.0 if self.selected else 2.0) * s,
                   Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawLine(line)
        if self.selected or self.show_handles:
            painter.setPen(QPen(QColor(theme.CANVAS), 2 * s))
            painter.setBrush(QBrush(QColor(HORIZON_COLOUR)))
            for point in (self.left, self.right):
                painter.drawRect(QRectF(point.x() - HANDLE_PX * s, point.y() - HANDLE_PX * s,
                                        2 * HANDLE_PX * s, 2 * HANDLE_PX * s))


class ShadowItem(_LineItem):
    """One shadow from the object's `base` to the shadow's `tip` (image pixels): a dark dashed
    line on a pale casing, a square foot at the base and a ring at the tip."""

    MARGIN_PX = HANDLE_PX + LINE_PX + 8

    def __init__(self, shadow_id: int, base: QPointF, tip: QPointF, parent: QGraphicsItem,
                 text: str = "") -> None:
        super().__init__(base, tip, parent, text)
        self.shadow_id = shadow_id
        self.pending = False  # drawn, not saved: it waits for a typed bearing
        self._place_label()

    def label_colour(self) -> QColor:
        return QColor(SUN_COLOUR)

    def set_text(self, text: str) -> None:
        self.label_text = text
        self._place_label()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem,
              widget: QWidget | None = None) -> None:
        s = 1 / self._scale
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        line = QLineF(self.start, self.end)
        casing = QColor(SHADOW_CASING)
        casing.setAlpha(150 if self.pending else 215)
        if self.selected:
            glow = QColor(SUN_COLOUR)
            glow.setAlpha(110)
            painter.setPen(QPen(glow, (LINE_PX + 10) * s, Qt.PenStyle.SolidLine,
                                Qt.PenCapStyle.RoundCap))
            painter.drawLine(line)
        painter.setPen(QPen(casing, (LINE_PX + 3) * s, Qt.PenStyle.SolidLine,
                            Qt.PenCapStyle.RoundCap))
        painter.drawLine(line)
        ink = QPen(QColor(SHADOW_INK), LINE_PX * s, Qt.PenStyle.CustomDashLine,
                   Qt.PenCapStyle.FlatCap)
        ink.setDashPattern([2.2, 1.4])  # in line widths: the dashes keep their size on screen
        painter.setPen(ink)
        painter.drawLine(line)
        # The foot: a square where the object stands; the tip: a ring where its shadow ends.
        foot = 4.5 * s
        painter.setPen(QPen(casing, 1.8 * s))
        painter.setBrush(QColor(SHADOW_INK))
        painter.drawRect(QRectF(self.start.x() - foot, self.start.y() - foot, 2 * foot,
                                2 * foot))
        painter.setPen(QPen(QColor(SHADOW_INK), 2.2 * s))
        painter.setBrush(casing)
        painter.drawEllipse(self.end, 4.0 * s, 4.0 * s)
        if self.selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for pen in (QPen(QColor(theme.CANVAS), 4.5 * s), QPen(QColor(SUN_COLOUR), 2 * s)):
                painter.setPen(pen)
                for point in (self.start, self.end):
                    painter.drawEllipse(point, HANDLE_PX * 1.3 * s, HANDLE_PX * 1.3 * s)


# --------------------------------------------------------------------------- the label editor


class ArrowEditor(QFrame):
    """A small editor over the frame for an arrow's label and colour (shown after drawing)."""

    labelChosen = Signal(int, str)  # noqa: N815 - movement id, label
    colourChosen = Signal(int, str)  # noqa: N815 - movement id, #rrggbb
    closed = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("ArrowEditor")
        self.setStyleSheet(
            f"QFrame#ArrowEditor {{ background: {theme.PANEL}; border: 1px solid {theme.ACCENT};"
            " border-radius: 6px; }")
        self.movement_id: int | None = None
        title = QLabel("What moves?")
        title.setStyleSheet(f"color: {theme.TEXT_DIM}; font-weight: 600;")
        self.field = QLineEdit()
        self.field.setPlaceholderText("e.g. group of 6 soldiers, vehicle")
        self.field.setMinimumWidth(240)
        self.field.returnPressed.connect(self.finish)
        self.swatches: dict[str, QToolButton] = {}
        swatch_row = QHBoxLayout()
        swatch_row.setSpacing(4)
        for colour in ARROW_COLOURS:
            button = QToolButton()
            button.setIcon(colour_icon(colour))
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setToolTip(f"Arrow colour {colour}")
            button.clicked.connect(lambda _=False, c=colour: self._choose_colour(c))
            self.swatches[colour] = button
            swatch_row.addWidget(button)
        swatch_row.addStretch(1)
        hint = QLabel("Enter to save · Esc to close")
        hint.setStyleSheet(f"color: {theme.TEXT_FAINT}; font-size: 8pt;")
        swatch_row.addWidget(hint)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.setSpacing(6)
        layout.addWidget(title)
        layout.addWidget(self.field)
        layout.addLayout(swatch_row)
        self.hide()

    def open(self, movement: Movement, anchor: QPointF) -> None:
        """Show for an arrow near `anchor` (viewport pixels), the label field focused."""
        self.movement_id = movement.id
        self.field.setText(movement.label)
        self.field.selectAll()
        chosen = movement.color.lower()
        for colour, button in self.swatches.items():
            button.setChecked(colour == chosen)
        self.adjustSize()
        parent = self.parentWidget()
        if parent is not None:
            x = int(min(max(anchor.x() + 16, 8), parent.width() - self.width() - 8))
            y = int(min(max(anchor.y() + 16, 8), parent.height() - self.height() - 8))
            self.move(max(x, 0), max(y, 0))
        self.show()
        self.raise_()
        self.field.setFocus()

    def finish(self) -> None:
        """Save the label (if it changed) and close."""
        if self.movement_id is not None and self.isVisible():
            self.labelChosen.emit(self.movement_id, " ".join(self.field.text().split()))
        self.dismiss()

    def dismiss(self) -> None:
        was_open = self.isVisible()
        self.movement_id = None
        self.hide()
        if was_open:
            self.closed.emit()

    def _choose_colour(self, colour: str) -> None:
        for name, button in self.swatches.items():
            button.setChecked(name == colour)
        if self.movement_id is not None:
            self.colourChosen.emit(self.movement_id, colour)
        self.field.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802
        key = event.key()
        if key == Qt.Key.Key_Escape:
            self.dismiss()
        # The field passes Return on after saving; it must not reach the frame view, where
        # Return opens this editor again.
        if key in (Qt.Key.Key_Escape, Qt.Key.Key_Return, Qt.Key.Key_Enter):
            event.accept()
            return
        super().keyPressEvent(event)


# --------------------------------------------------------------------------- gestures


@dataclass
class _Drag:
    # new-arrow, move, start, end, new-horizon, h-left, h-right, h-move, new-shadow, s-move,
    # s-start, s-end
    kind: str
    origin: QPointF
    movement_id: int | None = None
    start: QPointF | None = None  # the geometry when the drag began
    end: QPointF | None = None
    shadow_id: int | None = None


#: Where a drawn shadow sits on the frame, normalized: base (x1, y1) to tip (x2, y2).
Ends = tuple[float, float, float, float]
#: A drawing's precision on screen (pixels): what the projection's tolerance starts from.
DRAWING_SCREEN_PX = 2.0
#: The narrowest and widest tolerance a projected shadow is saved with (degrees).
MIN_SHADOW_TOLERANCE = 0.5
#: A typed bearing differs from the one the drawing gives by more than this (degrees).
TYPED_BEARING_DEG = 0.05
#: A projected shadow with no tolerance of its own (the projection gave none).
DEFAULT_SHADOW_TOLERANCE = 5.0


def shadow_ends(shadow: Shadow) -> Ends | None:
    if shadow.x1 is None or shadow.y1 is None or shadow.x2 is None or shadow.y2 is None:
        return None
    return shadow.x1, shadow.y1, shadow.x2, shadow.y2


def saved_tolerance(tolerance: float | None) -> float:
    """A projection's tolerance as the case takes it: above 0 and at most 90 degrees."""
    from desk.core.commands import MAX_SHADOW_TOLERANCE

    if tolerance is None or not math.isfinite(tolerance):
        return DEFAULT_SHADOW_TOLERANCE
    return round(min(max(tolerance, MIN_SHADOW_TOLERANCE), MAX_SHADOW_TOLERANCE), 1)


def bearing_from_drawing(shadow: Shadow, projected_bearing: float | None) -> bool:
    """Whether the shadow's bearing is the one its drawing projects to (else it was typed)."""
    if projected_bearing is None:
        return False
    off = (shadow.bearing - projected_bearing + 180.0) % 360.0 - 180.0
    return abs(off) <= TYPED_BEARING_DEG


class FrameAnnotator(QObject):
    """Draws the shown frame's arrows and horizon and turns drags into undoable edits."""

    #: The selected arrow changed (movement id or None).
    movementSelected = Signal(object)  # noqa: N815
    #: The selected shadow changed (shadow id or None).
    shadowSelected = Signal(object)  # noqa: N815
    #: A shadow drawn on a frame without a camera model waits for a typed bearing: its ends
    #: (normalized x1, y1, x2, y2), or None once it is saved or dropped.
    shadowPending = Signal(object)  # noqa: N815
    #: A tool finished or refused something; the text is for the reviewer.
    message = Signal(str)

    def __init__(self, view: FrameView) -> None:
        super().__init__(view)
        self._view = view
        self._case: CaseFile | None = None
        self._evidence_id: int | None = None
        self._push: Callable[[Command], object] | None = None
        self._movements: dict[int, Movement] = {}
        self._horizon: Horizon | None = None
        self._shadows: dict[int, Shadow] = {}
        self._geolocation: Geolocation | None = None
        self._frame_size = (0, 0)
        self.arrows: dict[int, ArrowItem] = {}
        self.shadow_items: dict[int, ShadowItem] = {}
        self._selected_shadow: int | None = None
        self.pending: Ends | None = None
        self.pending_item: ShadowItem | None = None
        self.horizon_item: HorizonItem | None = None
        self._selected: int | None = None
        self._horizon_selected = False
        self._drag: _Drag | None = None
        self._preview: ArrowItem | HorizonItem | ShadowItem | None = None
        self.tool = PAN
        self.colour = DEFAULT_COLOUR
        self.editor = ArrowEditor(view)
        self.editor.labelChosen.connect(self._save_label)
        self.editor.colourChosen.connect(self._save_colour)
        self.editor.closed.connect(lambda: self._view.setFocus())

    # ----------------------------------------------------------------- state

    def set_push(self, push: Callable[[Command], object] | None) -> None:
        """Where edits go (the window's undo stack); None makes the annotations read-only."""
        self._push = push

    @property
    def editable(self) -> bool:
        case = self._case
        return self._push is not None and case is not None and not case.read_only

    @property
    def selected(self) -> int | None:
        return self._selected

    @property
    def horizon(self) -> Horizon | None:
        return self._horizon

    @property
    def selected_shadow(self) -> int | None:
        return self._selected_shadow

    @property
    def dragging(self) -> bool:
        return self._drag is not None

    def load(self, case: CaseFile | None, evidence_id: int | None) -> None:
        """Show another frame's annotations (or none)."""
        changed = evidence_id != self._evidence_id
        if changed:
            self.editor.finish()  # a label being typed is saved, not lost
            self._selected = None
            self._selected_shadow = None
            self._horizon_selected = False
        self._case = case
        self._evidence_id = evidence_id
        if changed and self.pending is not None:
            self.set_pending(None)  # a drawing waiting for a bearing belongs to its frame
        self.refresh()

    def refresh(self) -> None:
        """Rebuild from the case (after an edit, undo or redo); the selection stays if it can."""
        self._cancel_drag()
        case, eid = self._case, self._evidence_id
        if case is None or eid is None:
            self._movements, self._horizon, self._shadows = {}, None, {}
            self._geolocation, self._frame_size = None, (0, 0)
        else:
            self._movements = {m.id: m for m in case.movements(eid)}
            self._horizon = case.horizon(eid)
            self._shadows = {s.id: s for s in case.shadows(eid)}
            self._geolocation = case.geolocation(eid)
            try:
                item = case.get_evidence(eid)
                self._frame_size = (item.width, item.height)
            except KeyError:
                self._frame_size = (0, 0)
        self._rebuild()
        if self._selected is not None and self._selected not in self._movements:
            self._selected = None
            self.editor.dismiss()
            self.movementSelected.emit(None)
        if self._selected_shadow is not None and self._selected_shadow not in self._shadows:
            self._selected_shadow = None
            self.shadowSelected.emit(None)
        if self._horizon is None:
            self._horizon_selected = False

    def _rebuild(self) -> None:
        scene = self._view.scene()
        for item in list(self.arrows.values()):
            scene.removeItem(item)
        self.arrows.clear()
        for shadow_item in [*self.shadow_items.values(), self.pending_item]:
            if shadow_item is not None:
                scene.removeItem(shadow_item)
        self.shadow_items.clear()
        self.pending_item = None
        if self.horizon_item is not None:
            scene.removeItem(self.horizon_item)
            self.horizon_item = None
        size = self._view.image_size()
        if size.isEmpty():
            return
        layer = self._view.annotations
        zoom = self._view.zoom
        if self._horizon is not None:
            h = self._horizon
            item = HorizonItem(QPointF(0, h.y_left * size.height()),
                               QPointF(size.width(), h.y_right * size.height()), layer)
            item.set_scale(zoom)
            item.set_selected(self._horizon_selected)
            item.set_show_handles(self.tool == HORIZON)
            self.horizon_item = item
        styles = arrow_styles(self._movements.values())
        for movement in self._movements.values():
            arrow = ArrowItem(movement, self._view.from_normalized(movement.x1, movement.y1),
                              self._view.from_normalized(movement.x2, movement.y2), layer,
                              styles[movement.id])
            arrow.set_scale(zoom)
            arrow.set_selected(movement.id == self._selected)
            self.arrows[movement.id] = arrow
        names = shadow_names(list(self._shadows.values()))
        for shadow in self._shadows.values():
            ends = shadow_ends(shadow)
            if ends is None:
                continue  # a shadow typed in (the command line) has no place on the frame
            item = ShadowItem(shadow.id, self._view.from_normalized(ends[0], ends[1]),
                              self._view.from_normalized(ends[2], ends[3]), layer,
                              f"{names[shadow.id]} · {shadow.bearing:.0f}°")
            item.set_scale(zoom)
            item.set_selected(shadow.id == self._selected_shadow)
            self.shadow_items[shadow.id] = item
        if self.pending is not None:
            x1, y1, x2, y2 = self.pending
            item = ShadowItem(0, self._view.from_normalized(x1, y1),
                              self._view.from_normalized(x2, y2), layer,
                              "shadow · type its bearing")
            item.pending = True
            item.set_scale(zoom)
            self.pending_item = item

    def set_scale(self, zoom: float) -> None:
        for item in self._items():
            item.set_scale(zoom)

    def relayout(self) -> None:
        """The image changed size (the original replaced a missing thumbnail): place anew."""
        self._cancel_drag()
        self._rebuild()

    def _items(self) -> list[ArrowItem | HorizonItem | ShadowItem]:
        items: list[ArrowItem | HorizonItem | ShadowItem] = list(self.arrows.values())
        items += self.shadow_items.values()
        if self.pending_item is not None:
            items.append(self.pending_item)
        if self.horizon_item is not None:
            items.append(self.horizon_item)
        if self._preview is not None:
            items.append(self._preview)
        return items

    def set_tool(self, tool: str) -> None:
        self.tool = tool if tool in TOOLS else PAN
        if self.horizon_item is not None:
            self.horizon_item.set_show_handles(self.tool == HORIZON)

    def select(self, movement_id: int | None) -> None:
        """Select an arrow (from the movement panel or a click); None clears."""
        if movement_id is not None and movement_id not in self._movements:
            movement_id = None
        self._set_horizon_selected(False)
        if movement_id is not None:
            self.select_shadow(None)
        if movement_id == self._selected:
            return
        self._selected = movement_id
        for mid, arrow in self.arrows.items():
            arrow.set_selected(mid == movement_id)
        if self.editor.isVisible() and self.editor.movement_id != movement_id:
            self.editor.finish()
        self.movementSelected.emit(movement_id)

    def select_shadow(self, shadow_id: int | None) -> None:
        """Select a shadow (from the Sun tab or a click); None clears."""
        if shadow_id is not None and shadow_id not in self._shadows:
            shadow_id = None
        if shadow_id is not None:
            self.select(None)
            self._set_horizon_selected(False)
        if shadow_id == self._selected_shadow:
            return
        self._selected_shadow = shadow_id
        for sid, item in self.shadow_items.items():
            item.set_selected(sid == shadow_id)
        self.shadowSelected.emit(shadow_id)

    def set_pending(self, ends: Ends | None) -> None:
        """Keep a drawn shadow on the frame, unsaved, until its bearing is typed (or drop it)."""
        if ends == self.pending:
            return
        self.pending = ends
        self._rebuild()
        self.shadowPending.emit(ends)

    def _set_horizon_selected(self, selected: bool) -> None:
        self._horizon_selected = selected and self.horizon_item is not None
        if self.horizon_item is not None:
            self.horizon_item.set_selected(self._horizon_selected)

    def edit_label(self, movement_id: int | None = None) -> None:
        """Open the label and colour editor of an arrow (the selected one by default)."""
        movement_id = self._selected if movement_id is None else movement_id
        movement = self._movements.get(movement_id) if movement_id is not None else None
        if movement is None or not self.editable:
            return
        anchor = self._view.mapFromScene(self._view.from_normalized(movement.x2, movement.y2))
        self.editor.open(movement, QPointF(anchor))

    # ----------------------------------------------------------------- hit testing

    def _tolerance(self) -> float:
        return HIT_PX / max(self._view.zoom, 1e-6)

    def hit(self, point: QPointF) -> tuple[str, int | None] | None:
        """What a press at `point` (image pixels) would take hold of, given the tool."""
        tol = self._tolerance()
        arrows = self.tool in (PAN, MOVEMENT)
        shadows = self.tool in (PAN, SHADOW)
        horizon = self.tool in (PAN, HORIZON) and self.horizon_item is not None
        if arrows:
            # An end of any arrow (the selected one first): a press on the head or near the
            # tail takes hold of that end, so dragging there moves the tip, not the arrow.
            order = sorted(reversed(list(self.arrows.values())),
                           key=lambda a: a.movement_id != self._selected)
            head = HEAD_PX / max(self._view.zoom, 1e-6)
            for arrow in order:
                if QLineF(point, arrow.end).length() <= max(tol * 1.4, head):
                    return "end", arrow.movement_id
                if QLineF(point, arrow.start).length() <= tol * 1.4:
                    return "start", arrow.movement_id
        if shadows:
            ordered = sorted(reversed(list(self.shadow_items.values())),
                             key=lambda i: i.shadow_id != self._selected_shadow)
            for shade in ordered:
                if QLineF(point, shade.end).length() <= tol * 1.4:
                    return "s-end", shade.shadow_id
                if QLineF(point, shade.start).length() <= tol * 1.4:
                    return "s-start", shade.shadow_id
        if horizon and (self._horizon_selected or self.tool == HORIZON):
            assert self.horizon_item is not None
            for kind, at in (("h-left", self.horizon_item.left),
                             ("h-right", self.horizon_item.right)):
                if QLineF(point, at).length() <= tol * 1.6:
                    return kind, None
        if arrows:
            for mid in reversed(list(self.arrows)):
                arrow = self.arrows[mid]
                if distance_to_segment(point, arrow.start, arrow.end) <= tol:
                    return "move", mid
        if shadows:
            for sid in reversed(list(self.shadow_items)):
                shade = self.shadow_items[sid]
                if distance_to_segment(point, shade.start, shade.end) <= tol:
                    return "s-move", sid
        if horizon:
            assert self.horizon_item is not None
            if distance_to_segment(point, self.horizon_item.left, self.horizon_item.right) <= tol:
                return "h-move", None
        return None

    # ----------------------------------------------------------------- mouse

    def press(self, point: QPointF) -> bool:
        """A left press on the frame; True when a tool or an annotation took it (no panning)."""
        size = self._view.image_size()
        if self._case is None or self._evidence_id is None or size.isEmpty():
            return False
        if self.editor.isVisible():
            self.editor.finish()
        target = self.hit(point)
        if target is not None:
            kind, mid = target
            if kind.startswith("s-"):
                self.select_shadow(mid)
            elif mid is not None:
                self.select(mid)
            else:
                self.select(None)
                self.select_shadow(None)
                self._set_horizon_selected(True)
            if not self.editable:
                return True
            if kind.startswith("s-") and mid is not None:
                shade = self.shadow_items[mid]
                self._drag = _Drag(kind, QPointF(point), start=QPointF(shade.start),
                                   end=QPointF(shade.end), shadow_id=mid)
                return True
            drag = _Drag(kind, QPointF(point), mid)
            if mid is not None:
                arrow = self.arrows[mid]
                drag.start, drag.end = QPointF(arrow.start), QPointF(arrow.end)
            elif self.horizon_item is not None:
                drag.start = QPointF(self.horizon_item.left)
                drag.end = QPointF(self.horizon_item.right)
            self._drag = drag
            return True
        if self.tool == PAN:
            self.select(None)
            self.select_shadow(None)
            self._set_horizon_selected(False)
            return False
        if not self.editable:
            self.message.emit("This case file is read-only: save a copy to draw on it.")
            return True
        inside = self._clamp(point)
        self.select(None)
        self.select_shadow(None)
        self._set_horizon_selected(False)
        if self.tool == SHADOW:
            self._preview = ShadowItem(0, inside, inside, self._view.annotations)
            self._drag = _Drag("new-shadow", inside)
        elif self.tool == MOVEMENT:
            self._preview = ArrowItem(Movement(0, self._evidence_id, color=self.colour), inside,
                                      inside, self._view.annotations)
            self._drag = _Drag("new-arrow", inside)
        else:
            self._preview = HorizonItem(inside, inside, self._view.annotations)
            self._drag = _Drag("new-horizon", inside)
        self._preview.set_scale(self._view.zoom)
        return True

    def move(self, point: QPointF) -> None:
        drag = self._drag
        if drag is None:
            return
        point = self._clamp(point)
        if drag.kind in ("new-arrow", "new-horizon", "new-shadow"):
            if self._preview is not None:
                self._preview.set_geometry(drag.origin, point)
        elif drag.shadow_id is not None:
            shade = self.shadow_items.get(drag.shadow_id)
            if shade is None or drag.start is None or drag.end is None:
                return
            shade.set_geometry(*self._moved_arrow(drag, point))
        elif drag.movement_id is not None:
            arrow = self.arrows.get(drag.movement_id)
            if arrow is None or drag.start is None or drag.end is None:
                return
            start, end = self._moved_arrow(drag, point)
            arrow.set_geometry(start, end)
        elif self.horizon_item is not None:
            left, right = self._moved_horizon(drag, point)
            self.horizon_item.set_geometry(left, right)

    def release(self, point: QPointF) -> None:
        drag = self._drag
        if drag is None:
            return
        self._drag = None
        point = self._clamp(point)
        preview, self._preview = self._preview, None
        if preview is not None:
            self._view.scene().removeItem(preview)
        if drag.kind == "new-arrow":
            self._add_arrow(drag.origin, point)
        elif drag.kind == "new-horizon":
            self._mark_horizon(drag.origin, point)
        elif drag.kind == "new-shadow":
            self._add_shadow(drag.origin, point)
        elif drag.shadow_id is not None:
            self._save_shadow(drag, point)
        elif drag.movement_id is not None:
            self._save_arrow(drag, point)
        else:
            self._save_horizon(drag, point)

    def _cancel_drag(self) -> None:
        self._drag = None
        if self._preview is not None:
            self._view.scene().removeItem(self._preview)
            self._preview = None

    def cancel(self) -> bool:
        """Esc: drop a drag in progress (nothing is saved), else a drawn shadow waiting for its
        bearing; True if there was one."""
        if self._drag is None:
            if self.pending is not None:
                self.set_pending(None)
                return True
            return False
        self._cancel_drag()
        self._rebuild()
        return True

    def _clamp(self, point: QPointF) -> QPointF:
        size = self._view.image_size()
        return QPointF(min(max(point.x(), 0.0), float(size.width())),
                       min(max(point.y(), 0.0), float(size.height())))

    def _moved_arrow(self, drag: _Drag, point: QPointF) -> tuple[QPointF, QPointF]:
        assert drag.start is not None and drag.end is not None
        kind = drag.kind.removeprefix("s-")
        if kind == "start":
            return point, drag.end
        if kind == "end":
            return drag.start, point
        # Move the whole arrow, keeping both ends on the image.
        size = self._view.image_size()
        dx, dy = point.x() - drag.origin.x(), point.y() - drag.origin.y()
        xs, ys = (drag.start.x(), drag.end.x()), (drag.start.y(), drag.end.y())
        dx = min(max(dx, -min(xs)), size.width() - max(xs))
        dy = min(max(dy, -min(ys)), size.height() - max(ys))
        return drag.start + QPointF(dx, dy), drag.end + QPointF(dx, dy)

    def _moved_horizon(self, drag: _Drag, point: QPointF) -> tuple[QPointF, QPointF]:
        assert drag.start is not None and drag.end is not None
        if drag.kind == "h-left":
            return QPointF(drag.start.x(), point.y()), drag.end
        if drag.kind == "h-right":
            return drag.start, QPointF(drag.end.x(), point.y())
        dy = point.y() - drag.origin.y()
        return drag.start + QPointF(0, dy), drag.end + QPointF(0, dy)

    # ----------------------------------------------------------------- edits

    def _send(self, command: Command) -> bool:
        if self._push is None:
            return False
        return bool(self._push(command))

    def _normalized(self, point: QPointF) -> tuple[float, float]:
        n = self._view.to_normalized(point)
        return round(n.x(), 6), round(n.y(), 6)

    def _screen_length(self, a: QPointF, b: QPointF) -> float:
        return QLineF(a, b).length() * self._view.zoom

    def _add_arrow(self, start: QPointF, end: QPointF) -> None:
        from desk.core import commands

        case, eid = self._case, self._evidence_id
        if case is None or eid is None:
            return
        if self._screen_length(start, end) < MIN_ARROW_PX:
            self.message.emit("Drag from where the movement starts to where it goes.")
            return
        (x1, y1), (x2, y2) = self._normalized(start), self._normalized(end)
        command = commands.add_movement(case, Movement(0, eid, color=self.colour, x1=x1, y1=y1,
                                                       x2=x2, y2=y2))
        movement_id = commands.created_id(command)
        if self._send(command) and movement_id is not None:
            self.select(movement_id)
            self.edit_label(movement_id)

    def _save_arrow(self, drag: _Drag, point: QPointF) -> None:
        from desk.core import commands

        movement_id = drag.movement_id
        assert movement_id is not None
        movement = self._movements.get(movement_id)
        start, end = self._moved_arrow(drag, point)
        if (movement is None or self._screen_length(start, end) < MIN_ARROW_PX
                or (start == drag.start and end == drag.end)):
            self._rebuild()
            return
        (x1, y1), (x2, y2) = self._normalized(start), self._normalized(end)
        command = commands.move_arrow(movement, x1, y1, x2, y2, reshape=drag.kind != "move")
        if not self._send(command):
            self._rebuild()

    def _mark_horizon(self, a: QPointF, b: QPointF) -> None:
        from desk.core import commands

        eid = self._evidence_id
        size = self._view.image_size()
        if eid is None:
            return
        if self._screen_length(a, b) < MIN_ARROW_PX:
            self.message.emit("Drag along the horizon, from one side of the frame to the other.")
            return
        (x1, y1), (x2, y2) = self._normalized(a), self._normalized(b)
        horizon = horizon_through(eid, size.width(), size.height(), x1, y1, x2, y2)
        if horizon is None:
            self.message.emit("That line is too steep to be the horizon: drag along it, left"
                              " to right.")
            return
        if self._send(commands.set_horizon(Horizon(eid, round(horizon.y_left, 6),
                                                   round(horizon.y_right, 6)))):
            self._set_horizon_selected(True)

    def _save_horizon(self, drag: _Drag, point: QPointF) -> None:
        from desk.core import commands

        eid = self._evidence_id
        size = self._view.image_size()
        if eid is None or size.isEmpty():
            return
        left, right = self._moved_horizon(drag, point)
        if (left, right) == (drag.start, drag.end):
            return
        y_left, y_right = left.y() / size.height(), right.y() / size.height()
        if horizon_through(eid, size.width(), size.height(), 0.0, y_left, 1.0, y_right) is None:
            self.message.emit("The horizon cannot tilt that much.")
            self._rebuild()
            return
        horizon = Horizon(eid, round(y_left, 6), round(y_right, 6))
        if not self._send(commands.adjust_horizon(horizon)):
            self._rebuild()

    def delete_selected(self) -> bool:
        """Delete/Backspace: remove the selected arrow or shadow, or the horizon if it is
        selected."""
        from desk.core import commands

        if not self.editable:
            return False
        movement = self._movements.get(self._selected) if self._selected is not None else None
        if movement is not None:
            return self._send(commands.delete_arrow(movement))
        shadow = (self._shadows.get(self._selected_shadow) if self._selected_shadow is not None
                  else None)
        if shadow is not None:
            return self._send(commands.delete_shadow(shadow))
        if self._horizon_selected and self._evidence_id is not None:
            return self._send(commands.clear_horizon(self._evidence_id))
        return False

    def _save_label(self, movement_id: int, label: str) -> None:
        from desk.core import commands

        movement = self._movements.get(movement_id)
        if movement is not None and label != movement.label:
            self._send(commands.label_arrow(movement, label))

    def _save_colour(self, movement_id: int, colour: str) -> None:
        from desk.core import commands

        movement = self._movements.get(movement_id)
        self.colour = colour  # the next arrow takes the same colour
        if movement is not None and colour != movement.color:
            self._send(commands.colour_arrow(movement, colour))

    # ----------------------------------------------------------------- shadows

    def drawing_px(self) -> float:
        """How precise a drawing is, in image pixels, at the zoom it is drawn at."""
        return DRAWING_SCREEN_PX / max(self._view.zoom, 1e-6)

    def project(self, ends: Ends) -> ProjectedShadow | None:
        """The ground bearing of a shadow drawn at `ends`, through the frame's camera model;
        None when the frame has no geolocation or its size is unknown."""
        from desk.core.shadow_projection import project_shadow

        location = self._geolocation
        width, height = self._frame_size
        if location is None or width <= 0 or height <= 0:
            return None
        return project_shadow(location, self._horizon, width, height, *ends,
                              drawing_px=self.drawing_px())

    def _add_shadow(self, base: QPointF, tip: QPointF) -> None:
        from desk.core import commands

        case, eid = self._case, self._evidence_id
        if case is None or eid is None:
            return
        if self._screen_length(base, tip) < MIN_ARROW_PX:
            self.message.emit("Drag from the foot of an object to the tip of its shadow.")
            return
        (x1, y1), (x2, y2) = self._normalized(base), self._normalized(tip)
        projected = self.project((x1, y1, x2, y2))
        if projected is None or projected.bearing is None:
            # Kept on the frame, unsaved: the Sun tab asks for the bearing and says why.
            self.set_pending((x1, y1, x2, y2))
            self.message.emit("This shadow's direction on the ground cannot be worked out from"
                              " the frame: type its bearing in the Sun tab to save it.")
            return
        if self.pending is not None:
            self.set_pending(None)
        shadow = Shadow(0, eid, round(projected.bearing % 360.0, 2),
                        saved_tolerance(projected.tolerance), x1=x1, y1=y1, x2=x2, y2=y2)
        command = commands.add_shadow(case, shadow)
        shadow_id = commands.created_id(command)
        if self._send(command) and shadow_id is not None:
            self.select_shadow(shadow_id)

    def _save_shadow(self, drag: _Drag, point: QPointF) -> None:
        """A moved shadow, or one end of it: the drawing, and the bearing with it when the
        bearing came from the drawing (a typed bearing stays), in one undo step."""
        from desk.core import commands

        shadow = self._shadows.get(drag.shadow_id) if drag.shadow_id is not None else None
        start, end = self._moved_arrow(drag, point)
        if (shadow is None or self._screen_length(start, end) < MIN_ARROW_PX
                or (start == drag.start and end == drag.end)):
            self._rebuild()
            return
        (x1, y1), (x2, y2) = self._normalized(start), self._normalized(end)
        edits: list[Command] = [commands.move_shadow(shadow, x1, y1, x2, y2)]
        old = shadow_ends(shadow)
        before = self.project(old) if old is not None else None
        follows = before is not None and bearing_from_drawing(shadow, before.bearing)
        after = self.project((x1, y1, x2, y2)) if follows else None
        if after is not None and after.bearing is not None:
            edits.append(commands.set_shadow_bearing(shadow, round(after.bearing % 360.0, 2),
                                                     saved_tolerance(after.tolerance)))
        command: Command = (edits[0] if len(edits) == 1
                            else commands.Batch(tuple(edits), commands.MOVE_SHADOW.undo_text))
        if not self._send(command):
            self._rebuild()
