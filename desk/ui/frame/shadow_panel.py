"""The Sun tab: the shown frame's shadows, the days and time asked about, and the answer.

"When was this filmed?" gets its answer here as the core states it
(`desk.core.frame_time`, `Chronolocation.sentence`), so the window, the dossier and the
command line say the same words, with the core's day chart beside it. Every change (a
shadow's bearing, sizes or label, the days, the claimed time) is one named core command on
the undo stack; the panel re-reads the case on `refresh` and holds nothing of its own but
the answer it last worked out.

Solving a long range of days takes a second or two, so it runs on a worker (with progress
and a Cancel button) from plain values read here: the worker never touches the case.
Labels are untrusted text: every QLabel here shows plain text.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desk.core.arrow_style import short_label
from desk.core.chronolocation import elevation_range
from desk.core.model import Evidence, Geolocation, Horizon, Shadow
from desk.core.shadow_names import shadow_names
from desk.ui.common import theme
from desk.ui.common.fields import DateField, LineField, chain_tab_order
from desk.ui.common.labels import plain_label, section_label
from desk.ui.common.workers import Job, Jobs
from desk.ui.frame.day_chart_view import DayChartView, DayChartWindow
from desk.ui.frame.frame_annotations import (
    DEFAULT_SHADOW_TOLERANCE,
    SHADOW,
    Ends,
    bearing_from_drawing,
    shadow_ends,
)

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.chronolocation import Chronolocation
    from desk.core.commands import Command
    from desk.core.model import TimeQuestion
    from desk.core.shadow_projection import ProjectedShadow

#: Up to this many days are solved at once on the GUI thread (a day takes a few ms); longer
#: ranges go to a worker, with progress and a Cancel button.
INLINE_DAYS = 3
#: Days solved between two progress reports (and two looks at Cancel).
CHUNK_DAYS = 8


def _plain(text: str = "", *, role: str = "", wrap: bool = True) -> QLabel:
    return plain_label(text, wrap=wrap, selectable=True, role=role)


def _form() -> QFormLayout:
    form = QFormLayout()
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setHorizontalSpacing(10)
    form.setVerticalSpacing(6)
    return form


def _form_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet(f"color: {theme.TEXT_DIM};")
    return label


def degrees_text(value: float) -> str:
    return f"{value:.0f}°" if abs(value - round(value)) < 0.05 else f"{value:.1f}°"


def _number_text(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text or "0"


def read_number(text: str, what: str, low: float, high: float, unit: str = "",
                *, low_open: bool = False) -> float:
    """A number a reviewer typed ("312", "312.5", "312,5", "312°"), or a ValueError that says
    what the field expects."""
    value = text.strip().replace(",", ".").rstrip("°").rstrip()
    if unit:
        value = value.removesuffix(unit).rstrip()
    expect = f"{what} is a number from {low:g}{' (not included)' if low_open else ''} to" \
             f" {high:g}{(' ' + unit) if unit else ''}"
    try:
        number = float(value)
    except ValueError:
        raise ValueError(f"{expect}: “{text.strip()[:30]}” is not a number.") from None
    if not math.isfinite(number) or number > high or number < low or (low_open
                                                                       and number == low):
        raise ValueError(f"{expect} (got {text.strip()[:30]}).")
    return number


def solve(geolocation: Geolocation, shadows: list[Shadow], question: TimeQuestion,
          progress: Callable[[int, int], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> Chronolocation | str | None:
    """The core's answer for the frame (`frame_time.frame_chronolocation`), worked out a few
    days at a time so a long range reports progress and can stop; None when cancelled.

    The core solves each local day on its own, so the days' windows put together are the
    windows of the whole range: the same answer the dossier and the command line give."""
    from datetime import timedelta

    from desk.core.frame_time import frame_chronolocation

    days = (question.last - question.first).days + 1
    if days <= CHUNK_DAYS:
        return frame_chronolocation(geolocation, shadows, question)
    result: Chronolocation | None = None
    windows: list[Any] = []
    for start in range(0, days, CHUNK_DAYS):
        if cancelled is not None and cancelled():
            return None
        first = question.first + timedelta(days=start)
        last = min(first + timedelta(days=CHUNK_DAYS - 1), question.last)
        part = frame_chronolocation(geolocation, shadows,
                                    dataclasses.replace(question, first=first, last=last))
        if isinstance(part, str):
            return part
        result = result or part
        windows.extend(part.windows)
        if progress is not None:
            progress(min(start + CHUNK_DAYS, days), days)
    assert result is not None
    return dataclasses.replace(result, first=question.first, last=question.last,
                               windows=tuple(windows))


class ShadowPanel(QWidget):
    """Shadows of the shown frame, the time question and the answer with its day chart."""

    #: The reviewer selected a shadow in the list (shadow id or None).
    shadowSelected = Signal(object)  # noqa: N815
    #: A tool button was pressed ("shadow").
    toolRequested = Signal(str)  # noqa: N815
    #: The drawing that waited for a typed bearing was saved (or dropped): take it off.
    pendingResolved = Signal()  # noqa: N815
    #: The answer for a frame changed: (evidence id, Chronolocation or None). The map draws
    #: the sun's ray from it.
    answered = Signal(int, object)

    def __init__(self, push: Callable[[Command], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ShadowPanel")
        self._push = push
        self._case: CaseFile | None = None
        self._evidence: Evidence | None = None
        self._shadows: list[Shadow] = []
        self._geolocation: Geolocation | None = None
        self._horizon: Horizon | None = None
        self._question: TimeQuestion | None = None
        self._selected: int | None = None
        self._pending: Ends | None = None
        self._filling = False
        self._jobs = Jobs(self, max_threads=1)
        self._job: Job | None = None
        self._token = 0
        self._solved_key: object = None
        self.answer: Chronolocation | None = None
        self.reason = ""

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(14, 6, 14, 14)
        layout.setSpacing(6)
        # As in the Movement tab: the shadows, then the answer, then what it is asked and
        # the selected shadow's numbers (a 768 px screen shows the answer without scrolling).
        layout.addLayout(self._build_list())
        layout.addWidget(self._build_pending())
        answer = self._build_answer()
        layout.addWidget(answer)
        layout.addLayout(self._build_question_form())
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addLayout(self._build_shadow_form())
        layout.addWidget(self.details)
        layout.addStretch(1)
        area = QScrollArea()
        area.setWidget(content)
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(area)
        chain_tab_order(*self.tab_chain())
        self._fill()

    def tab_chain(self) -> list[QWidget]:
        """The controls in reading order: the shadows and the tool, a drawing waiting for its
        bearing, the answer's buttons, the days and time, then the selected shadow."""
        return [self.shadow_list, self.draw_button, self.pending_bearing,
                self.pending_tolerance, self.pending_save, self.pending_discard,
                self.cancel_button, self.solve_button, self.first_field, self.last_field,
                self.claimed_field, self.clear_question_button, self.label_field,
                self.delete_button, self.bearing_field, self.tolerance_field,
                self.height_field, self.length_field, self.use_length_button]

    # ----------------------------------------------------------------- building

    def _build_list(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(6)
        column.addWidget(section_label("Shadows on this frame"))
        self.shadow_list = QListWidget()
        self.shadow_list.setObjectName("ShadowList")
        self.shadow_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.shadow_list.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.shadow_list.currentRowChanged.connect(self._on_row_changed)
        column.addWidget(self.shadow_list)
        self.empty_hint = _plain(role="dim")
        column.addWidget(self.empty_hint)
        tools = QHBoxLayout()
        self.draw_button = QPushButton("Draw shadow (S)")
        self.draw_button.setToolTip("Drag on the frame from the foot of an object to the tip of"
                                    " its shadow")
        self.draw_button.clicked.connect(lambda: self.toolRequested.emit(SHADOW))
        tools.addWidget(self.draw_button)
        tools.addStretch(1)
        column.addLayout(tools)
        self.model_hint = _plain()
        self.model_hint.setObjectName("CameraModelHint")
        column.addWidget(self.model_hint)
        return column

    def _build_pending(self) -> QFrame:
        """A drawing on a frame without a camera model: kept until its bearing is typed."""
        card = QFrame()
        card.setObjectName("PendingShadow")
        card.setProperty("card", True)
        column = QVBoxLayout(card)
        column.setContentsMargins(10, 8, 10, 8)
        column.setSpacing(6)
        self.pending_text = _plain()
        self.pending_text.setStyleSheet(f"color: {theme.WARN};")
        column.addWidget(self.pending_text)
        row = QHBoxLayout()
        self.pending_bearing = LineField("bearing, e.g. 312")
        self.pending_bearing.setObjectName("PendingBearing")
        self.pending_bearing.returnPressed.connect(self._save_pending)
        self.pending_tolerance = LineField(f"± {DEFAULT_SHADOW_TOLERANCE:g}")
        self.pending_tolerance.setObjectName("PendingTolerance")
        self.pending_tolerance.setMaximumWidth(70)
        self.pending_tolerance.returnPressed.connect(self._save_pending)
        row.addWidget(self.pending_bearing, 1)
        row.addWidget(QLabel("±"))
        row.addWidget(self.pending_tolerance)
        row.addWidget(QLabel("°"))
        column.addLayout(row)
        buttons = QHBoxLayout()
        self.pending_save = QPushButton("Save shadow")
        self.pending_save.setProperty("primary", True)
        self.pending_save.clicked.connect(self._save_pending)
        self.pending_discard = QPushButton("Discard")
        self.pending_discard.setToolTip("Take the drawing off the frame (Esc on the frame)")
        self.pending_discard.clicked.connect(self._discard_pending)
        buttons.addWidget(self.pending_save)
        buttons.addWidget(self.pending_discard)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.pending_error = _plain(role="error")
        column.addWidget(self.pending_error)
        self.pending_card = card
        return card

    def _build_shadow_form(self) -> QFormLayout:
        form = _form()
        form.addRow(section_label("Selected shadow"))
        self.label_field = LineField("What casts it, e.g. fence post")
        self.label_field.setObjectName("ShadowLabel")
        self.label_field.editingFinished.connect(self._commit_label)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete this shadow (Delete on the frame)")
        self.delete_button.clicked.connect(self._delete)
        label_row = QHBoxLayout()
        label_row.addWidget(self.label_field, 1)
        label_row.addWidget(self.delete_button)
        form.addRow(_form_label("Label"), label_row)
        self.bearing_field = LineField("degrees from true north")
        self.bearing_field.setObjectName("ShadowBearing")
        self.bearing_field.setToolTip("Where the shadow points on the ground, from the object's"
                                      " foot to the shadow's tip, degrees clockwise from true"
                                      " north")
        self.bearing_field.editingFinished.connect(self._commit_bearing)
        self.tolerance_field = LineField("±")
        self.tolerance_field.setObjectName("ShadowTolerance")
        self.tolerance_field.setMaximumWidth(64)
        self.tolerance_field.setToolTip("How far the bearing may be off (±, degrees): the sun"
                                        " must stand within it")
        self.tolerance_field.editingFinished.connect(self._commit_bearing)
        bearing_row = QHBoxLayout()
        bearing_row.addWidget(self.bearing_field, 1)
        bearing_row.addWidget(QLabel("±"))
        bearing_row.addWidget(self.tolerance_field)
        bearing_row.addWidget(QLabel("°"))
        form.addRow(_form_label("Bearing"), bearing_row)
        self.source_label = _plain(role="dim")
        self.source_label.setObjectName("BearingSource")
        form.addRow(self.source_label)
        self.projection_warning = _plain()
        self.projection_warning.setStyleSheet(f"color: {theme.WARN};")
        form.addRow(self.projection_warning)
        self.height_field = LineField("optional")
        self.height_field.setObjectName("ObjectHeight")
        self.height_field.setToolTip("The height of the object casting the shadow (metres)")
        self.height_field.editingFinished.connect(self._commit_sizes)
        form.addRow(_form_label("Object height (m)"), self.height_field)
        self.length_field = LineField("optional")
        self.length_field.setObjectName("ShadowLength")
        self.length_field.setToolTip("The shadow's length on the ground (metres); with the"
                                     " object's height it gives the sun's elevation")
        self.length_field.editingFinished.connect(self._commit_sizes)
        self.use_length_button = QPushButton("Use drawn")
        self.use_length_button.setToolTip("Use the length the drawing has on the ground")
        self.use_length_button.clicked.connect(self._use_drawn_length)
        length_row = QHBoxLayout()
        length_row.addWidget(self.length_field, 1)
        length_row.addWidget(self.use_length_button)
        form.addRow(_form_label("Shadow length (m)"), length_row)
        self.elevation_label = _plain(role="dim")
        form.addRow(self.elevation_label)
        self.shadow_error = _plain(role="error")
        self.shadow_error.setObjectName("ShadowError")
        form.addRow(self.shadow_error)
        return form

    def _build_question_form(self) -> QFormLayout:
        form = _form()
        form.addRow(section_label("When: the days and time to test"))
        self.first_field = DateField()
        self.first_field.setObjectName("FirstDay")
        self.first_field.setToolTip("The local day at the camera (or the first of a range)")
        self.first_field.editingFinished.connect(self._commit_question)
        self.last_field = DateField("same day")
        self.last_field.setObjectName("LastDay")
        self.last_field.setToolTip("The last day of a range (empty: the one day)")
        self.last_field.editingFinished.connect(self._commit_question)
        days = QHBoxLayout()
        days.addWidget(self.first_field, 1)
        days.addWidget(QLabel("to"))
        days.addWidget(self.last_field, 1)
        form.addRow(_form_label("Days"), days)
        form.addRow(self.first_field.problem_label)
        form.addRow(self.last_field.problem_label)
        self.claimed_field = LineField("e.g. 2025-11-20 15:00")
        self.claimed_field.setObjectName("ClaimedTime")
        self.claimed_field.setToolTip("The time a claim gives: with its UTC offset"
                                      " (2025-11-20T15:00+02:00), or without one, read as the"
                                      " local time at the camera")
        self.claimed_field.editingFinished.connect(self._commit_question)
        self.clear_question_button = QPushButton("Clear")
        self.clear_question_button.setToolTip("Forget the days and the claimed time")
        self.clear_question_button.clicked.connect(self._clear_question)
        claimed_row = QHBoxLayout()
        claimed_row.addWidget(self.claimed_field, 1)
        claimed_row.addWidget(self.clear_question_button)
        form.addRow(_form_label("Claimed time"), claimed_row)
        self.question_hint = _plain(role="dim")
        self.question_hint.setObjectName("QuestionHint")
        form.addRow(self.question_hint)
        self.question_error = _plain(role="error")
        self.question_error.setObjectName("QuestionError")
        form.addRow(self.question_error)
        return form

    def _build_answer(self) -> QFrame:
        card = QFrame()
        card.setObjectName("ChronoCard")
        card.setProperty("card", True)
        column = QVBoxLayout(card)
        column.setContentsMargins(12, 10, 12, 10)
        column.setSpacing(6)
        column.addWidget(section_label("The sun says"))
        # The core's sentence, verbatim: the dossier and `desk shadow` state the same words.
        self.sentence_label = _plain()
        self.sentence_label.setObjectName("ChronoSentence")
        self.sentence_label.setStyleSheet(f"color: {theme.TEXT}; font-size: 10.5pt;")
        column.addWidget(self.sentence_label)
        self.assumption_label = _plain(role="dim")
        self.assumption_label.setObjectName("ChronoAssumption")
        column.addWidget(self.assumption_label)
        progress_row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setTextVisible(False)
        self.progress.setFixedHeight(8)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.clicked.connect(self.cancel_solving)
        self.solve_button = QPushButton("Solve again")
        self.solve_button.setToolTip("Work out the answer for these days")
        self.solve_button.clicked.connect(self.solve_now)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.cancel_button)
        progress_row.addWidget(self.solve_button)
        column.addLayout(progress_row)
        self.chart_caption = _plain(role="dim")
        self.chart_caption.setObjectName("ChartCaption")
        column.addWidget(self.chart_caption)
        self.chart = DayChartView()
        self.chart.setVisible(False)
        self.chart.setCursor(Qt.CursorShape.PointingHandCursor)
        self.chart.setToolTip("Click to see the chart larger")
        self.chart.clicked.connect(self.show_chart_window)
        column.addWidget(self.chart)
        self.chart_window: DayChartWindow | None = None
        self.answer_card = card
        return card

    # ----------------------------------------------------------------- public API

    @property
    def selected(self) -> int | None:
        return self._selected

    @property
    def evidence_id(self) -> int | None:
        return self._evidence.id if self._evidence is not None else None

    @property
    def shadow(self) -> Shadow | None:
        return next((s for s in self._shadows if s.id == self._selected), None)

    @property
    def solving(self) -> bool:
        return self._job is not None

    def set_case(self, case: CaseFile | None) -> None:
        self._case = case
        self._evidence = None
        self._selected = None
        self._pending = None
        self.refresh()

    def set_evidence(self, evidence: Evidence | None) -> None:
        """Show another frame's shadows (the first one selected)."""
        changed = (evidence.id if evidence else None) != (
            self._evidence.id if self._evidence else None)
        self._evidence = evidence
        if changed:
            self._selected = None
            self._pending = None
            self.shadow_error.clear()
            self.question_error.clear()
        self.refresh()

    def select_shadow(self, shadow_id: int | None) -> None:
        """Select a shadow (from the frame); None keeps the list without a selection."""
        if shadow_id == self._selected:
            return
        if shadow_id is not None and not any(s.id == shadow_id for s in self._shadows):
            return
        self._selected = shadow_id
        self.shadow_error.clear()
        self._fill()

    def set_pending(self, ends: object) -> None:
        """A drawing on the frame waits for its bearing (ends) or no longer does (None)."""
        self._pending = ends if isinstance(ends, tuple) and len(ends) == 4 else None
        self.pending_error.clear()
        if self._pending is not None:
            self.pending_bearing.clear()
            self.pending_tolerance.clear()
        self._fill()
        if self._pending is not None and self.isVisible():
            self.pending_bearing.setFocus()

    def refresh(self) -> None:
        """Re-read the shown frame's shadows, camera, horizon and time question, then the
        answer (only when what it depends on changed)."""
        case, item = self._case, self._evidence
        if case is None or item is None:
            self._shadows, self._geolocation, self._horizon, self._question = [], None, None, None
        else:
            self._shadows = case.shadows(item.id)
            self._geolocation = case.geolocation(item.id)
            self._horizon = case.horizon(item.id)
            self._question = case.time_question(item.id)
        ids = [s.id for s in self._shadows]
        if self._selected not in ids:
            self._selected = ids[0] if ids else None
        self._fill()
        self._update_answer()

    def show_chart_window(self) -> DayChartWindow | None:
        """The day chart in a window of its own, large enough to read."""
        if not self.chart.has_chart:
            return None
        if self.chart_window is None:
            self.chart_window = DayChartWindow(self.window())
        self.chart_window.show_chart(self.chart.svg, self._chart_title())
        self.chart_window.show()
        self.chart_window.raise_()
        return self.chart_window

    def _chart_title(self) -> str:
        name = self._evidence.name if self._evidence is not None else ""
        about = getattr(self, "_chart_about", "")
        return f"{name}: {about}" if name and about else about

    def shutdown(self) -> None:
        """Stop a solve in flight; called when the window closes."""
        if self.chart_window is not None:
            self.chart_window.close()
        self._token += 1
        self._job = None
        self._jobs.shutdown(wait_s=0)

    # ----------------------------------------------------------------- the camera model

    def _frame_size(self) -> tuple[int, int]:
        item = self._evidence
        return (item.width, item.height) if item is not None else (0, 0)

    def project(self, ends: Ends) -> ProjectedShadow | None:
        """What the frame's camera model says of a drawing (None: no geolocation or size)."""
        from desk.core.shadow_projection import project_shadow

        width, height = self._frame_size()
        if self._geolocation is None or width <= 0 or height <= 0:
            return None
        return project_shadow(self._geolocation, self._horizon, width, height, *ends)

    def camera_model_gap(self) -> str:
        """What the frame lacks for a drawn shadow to be laid on the ground ('' if nothing)."""
        location = self._geolocation
        if self._evidence is None:
            return ""
        if location is None:
            return "the frame is not geolocated yet (place the camera on the map)"
        missing = [name for name, absent in (("camera heading", location.heading is None),
                                             ("field of view", location.fov is None),
                                             ("horizon", self._horizon is None)) if absent]
        if not missing:
            return ""
        listed = missing[0] if len(missing) == 1 else (", ".join(missing[:-1]) + " and "
                                                        + missing[-1])
        return f"the frame has no {listed} yet"

    # ----------------------------------------------------------------- showing

    def _writable(self) -> bool:
        return self._case is not None and not self._case.read_only

    def _fill(self) -> None:
        self._filling = True
        try:
            self._fill_list()
            self._fill_pending()
            shadow = self.shadow
            self.details.setVisible(shadow is not None)
            self._fill_shadow(shadow)
            self._fill_question()
        finally:
            self._filling = False

    def _fill_list(self) -> None:
        names = shadow_names(self._shadows)
        with QSignalBlocker(self.shadow_list):
            self.shadow_list.clear()
            for shadow in self._shadows:
                # Short enough for the narrow column to keep the numbers in view.
                text = (f"{short_label(names[shadow.id], 24)} — {degrees_text(shadow.bearing)}"
                        f" ± {degrees_text(shadow.tolerance)}")
                row = QListWidgetItem(text)
                row.setData(Qt.ItemDataRole.UserRole, shadow.id)
                row.setToolTip(shadow.label)
                self.shadow_list.addItem(row)
                if shadow.id == self._selected:
                    self.shadow_list.setCurrentItem(row)
        rows = min(max(len(self._shadows), 1), 4)
        self.shadow_list.setFixedHeight(rows * max(self.shadow_list.sizeHintForRow(0), 24) + 6)
        self.shadow_list.setVisible(bool(self._shadows))
        has_frame = self._evidence is not None
        if not has_frame:
            self.empty_hint.setText("Select a frame to date it by its shadows.")
        elif not self._shadows:
            self.empty_hint.setText("No shadows yet. Press S (or Draw shadow) and drag on the"
                                    " frame from the foot of an upright object to the tip of"
                                    " its shadow.")
        self.empty_hint.setVisible(not self._shadows)
        self.draw_button.setEnabled(has_frame and self._writable())
        gap = self.camera_model_gap()
        if not has_frame:
            hint = ""
        elif gap:
            hint = (f"Drawn shadows cannot be laid on the ground: {gap}. A shadow drawn now"
                    " waits for you to type its bearing.")
        else:
            hint = ""
        self.model_hint.setText(hint)
        self.model_hint.setStyleSheet(f"color: {theme.WARN};")
        self.model_hint.setVisible(bool(hint))

    def _fill_pending(self) -> None:
        ends = self._pending
        self.pending_card.setVisible(ends is not None)
        if ends is None:
            return
        projected = self.project(ends)
        gap = self.camera_model_gap()
        if projected is not None and projected.note:
            why = projected.note
        elif gap:
            why = f"Its direction on the ground cannot be worked out: {gap}."
        else:
            why = "Its direction on the ground cannot be worked out from the frame."
        self.pending_text.setText(f"A shadow is drawn but not saved. {why} Type the bearing it"
                                  " points on the ground (object to tip, degrees from true"
                                  " north) to save it.")
        for widget in (self.pending_bearing, self.pending_tolerance, self.pending_save):
            widget.setEnabled(self._writable())

    def _fill_shadow(self, shadow: Shadow | None) -> None:
        writable = self._writable()
        for field, value in ((self.label_field, shadow.label if shadow else ""),
                             (self.bearing_field,
                              _number_text(shadow.bearing) if shadow else ""),
                             (self.tolerance_field,
                              _number_text(shadow.tolerance) if shadow else ""),
                             (self.height_field,
                              _number_text(shadow.object_height_m) if shadow else ""),
                             (self.length_field,
                              _number_text(shadow.shadow_length_m) if shadow else "")):
            if not field.hasFocus() or shadow is None:
                field.show_value(value)
            field.setReadOnly(not writable)
        self.delete_button.setEnabled(writable and shadow is not None)
        source, warning, drawn_length = self.bearing_source(shadow)
        self.source_label.setText(source)
        self.source_label.setVisible(bool(source))
        self.projection_warning.setText(warning)
        self.projection_warning.setVisible(bool(warning))
        self._drawn_length = drawn_length
        self.use_length_button.setVisible(drawn_length is not None)
        self.use_length_button.setEnabled(writable)
        if drawn_length is not None:
            self.use_length_button.setText(f"Use drawn {drawn_length:.1f} m")
        span = elevation_range(shadow) if shadow is not None else None
        if shadow is not None and span is not None:
            text = (f"Height and length put the sun {span[0]:.1f}–{span[1]:.1f}° above the"
                    f" horizon (each ± {shadow.size_tolerance * 100:.0f}%).")
        elif shadow is not None and (shadow.object_height_m is None) != (
                shadow.shadow_length_m is None):
            text = "With both the object's height and the shadow's length, the sun's height" \
                   " is tested too."
        else:
            text = ""
        self.elevation_label.setText(text)
        self.elevation_label.setVisible(bool(text))
        self.shadow_error.setVisible(bool(self.shadow_error.text()))

    def bearing_source(self, shadow: Shadow | None) -> tuple[str, str, float | None]:
        """(where the bearing comes from, a warning about it, the drawing's ground length)."""
        if shadow is None:
            return "", "", None
        ends = shadow_ends(shadow)
        if ends is None:
            return "Typed (the shadow is not drawn on the frame).", "", None
        projected = self.project(ends)
        if projected is None or projected.bearing is None:
            why = projected.note if projected is not None else (
                f"{self.camera_model_gap() or 'the frame is not geolocated'}.")
            return f"Typed: the drawing cannot be laid on the ground ({why.rstrip('.')}).", "", \
                None
        length = projected.length_m
        if bearing_from_drawing(shadow, projected.bearing):
            warning = f"Unreliable projection: {projected.note}" if (
                not projected.reliable and projected.note) else ""
            return ("From the drawing and the camera model (the ± follows from the drawing's"
                    " precision, the heading and the lens)."), warning, length
        return (f"Typed. The drawing on the frame points {degrees_text(projected.bearing)} ±"
                f" {degrees_text(projected.tolerance or 0.0)} on the ground."), "", length

    def _fill_question(self) -> None:
        question = self._question
        eid = self._evidence.id if self._evidence is not None else None
        self.first_field.show_value(question.first.isoformat() if question else "", eid)
        last = question.last.isoformat() if question and question.last != question.first else ""
        self.last_field.show_value(last, eid)
        if not self.claimed_field.hasFocus() or question is None:
            self.claimed_field.show_value(question.claimed_at if question else "")
        writable = self._writable() and self._evidence is not None
        for field in (self.first_field, self.last_field, self.claimed_field):
            field.setReadOnly(not writable)
        self.clear_question_button.setVisible(question is not None)
        self.clear_question_button.setEnabled(writable)
        self.question_hint.setText("A claimed time without a UTC offset is read as the local"
                                   " time at the camera.")
        self.question_hint.setVisible(self._evidence is not None)
        self.question_error.setVisible(bool(self.question_error.text()))

    # ----------------------------------------------------------------- the answer

    def _inputs_key(self) -> object:
        item = self._evidence
        return (item.id if item else None, self._geolocation, tuple(self._shadows),
                self._question)

    def _update_answer(self, force: bool = False) -> None:
        key = self._inputs_key()
        if key == self._solved_key and not force:
            return
        self._solved_key = key
        self._stop_job()
        case, item = self._case, self._evidence
        if case is None or item is None:
            self._show_answer(None, "")
            return
        from desk.core.frame_time import why_no_chronolocation

        reason = why_no_chronolocation(case, item.id)
        question, location = self._question, self._geolocation
        if reason or question is None or location is None:
            self._show_answer(None, reason)
            return
        days = (question.last - question.first).days + 1
        shadows = list(self._shadows)
        if days <= INLINE_DAYS:
            self._show_result(solve(location, shadows, question))
            return
        self._token += 1
        token = self._token
        job = Job(lambda control: solve(location, shadows, question,
                                        progress=control.progress,
                                        cancelled=control.cancelled), name="chronolocate")
        job.progressed.connect(lambda done, total, _detail: self._on_progress(token, done,
                                                                              total))
        job.succeeded.connect(lambda result: self._on_solved(token, result))
        job.failed.connect(lambda message: self._on_solved(token, message))
        job.cancelled.connect(lambda: self._on_solved(token, None))
        self._job = self._jobs.start(job)
        self.sentence_label.setText(f"Working out which times of {days:,} days fit…")
        self.sentence_label.setStyleSheet(f"color: {theme.TEXT_DIM}; font-size: 10.5pt;")
        self.assumption_label.setVisible(False)
        self.progress.setRange(0, days)
        self.progress.setValue(0)
        self._show_progress(True)

    def _show_progress(self, running: bool) -> None:
        self.progress.setVisible(running)
        self.cancel_button.setVisible(running)
        self.solve_button.setVisible(False)

    def _on_progress(self, token: int, done: int, total: int) -> None:
        if token != self._token:
            return
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        self.sentence_label.setText(f"Working out which times fit: {done:,} of {total:,}"
                                    " days…")

    def _on_solved(self, token: int, result: object) -> None:
        if token != self._token:
            return
        self._job = None
        if result is None:  # cancelled
            self._show_answer(None, "Stopped before the answer was worked out.")
            self.solve_button.setVisible(True)
            self._solved_key = None
            return
        self._show_result(result)

    def _show_result(self, result: object) -> None:
        from desk.core.chronolocation import Chronolocation

        if isinstance(result, Chronolocation):
            self._show_answer(result, "")
        else:
            self._show_answer(None, str(result))

    def _stop_job(self) -> None:
        job, self._job = self._job, None
        self._token += 1
        if job is not None:
            job.cancel()
        self._show_progress(False)

    def cancel_solving(self) -> None:
        """Stop a long solve; the answer stays unknown until it is solved again."""
        if self._job is not None:
            self._job.cancel()
            self.cancel_button.setEnabled(False)

    def solve_now(self) -> None:
        self.cancel_button.setEnabled(True)
        self._update_answer(force=True)

    def _show_answer(self, answer: Chronolocation | None, reason: str) -> None:
        self.answer, self.reason = answer, reason
        self._show_progress(False)
        self.cancel_button.setEnabled(True)
        item = self._evidence
        self.answer_card.setVisible(item is not None)
        if answer is None:
            self.sentence_label.setText(reason)
            self.sentence_label.setStyleSheet(f"color: {theme.TEXT_DIM}; font-size: 10.5pt;")
            self.assumption_label.setVisible(False)
            self.chart.set_svg("")
            self.chart_caption.setVisible(False)
            if self.chart_window is not None:
                self.chart_window.close()
        else:
            self.sentence_label.setText(answer.sentence())
            self.sentence_label.setStyleSheet(f"color: {theme.TEXT}; font-size: 10.5pt;")
            self._show_assumption(answer)
            self._show_chart(answer)
        if item is not None:
            self.answered.emit(item.id, answer)

    def _show_assumption(self, answer: Chronolocation) -> None:
        claim = answer.claim
        if claim is not None and claim.assumption:
            text = f"The claimed time: {claim.assumption}."
        else:
            moment = (answer.windows[0].start if answer.windows
                      else claim.at if claim is not None else _noon(answer))
            text = f"Local times: {answer.zone.name}, {answer.zone.offset_text(moment)}."
        self.assumption_label.setText(text)
        self.assumption_label.setVisible(True)

    def _show_chart(self, answer: Chronolocation) -> None:
        from desk.core.day_chart import chart_day, finding_chart_svg

        try:
            svg = finding_chart_svg(answer)
        except ValueError as exc:
            self.chart.set_svg("")
            self.chart_caption.setText(f"No day chart: {exc}")
            self.chart_caption.setVisible(True)
            return
        self.chart.set_svg(svg)
        day = chart_day(answer)
        what = "the claimed day" if (answer.claim is not None and answer.claim.at.astimezone(
            answer.zone.zone).date() == day) else (
            "the first day that fits" if answer.windows and answer.first != answer.last
            else "the day asked about")
        self._chart_about = f"The sun over {day.isoformat()} ({what})"
        self.chart_caption.setText(f"{self._chart_about}; click the chart to enlarge it:")
        self.chart_caption.setVisible(True)
        if self.chart_window is not None and self.chart_window.isVisible():
            self.chart_window.show_chart(svg, self._chart_title())

    # ----------------------------------------------------------------- edits

    def _send(self, make: Callable[[], Command], error: QLabel) -> bool:
        """Build a core command and push it; a value the core refuses is said in one line."""
        from desk.core import commands  # with the case file: not at start-up

        try:
            command = make()
        except commands.CommandError as exc:
            error.setText(str(exc))
            error.setVisible(True)
            return False
        error.clear()
        error.setVisible(False)
        return bool(self._push(command))

    def _refuse(self, error: QLabel, message: str) -> None:
        error.setText(message)
        error.setVisible(True)

    def _on_row_changed(self, row: int) -> None:
        item = self.shadow_list.item(row) if row >= 0 else None
        shadow_id = int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
        if shadow_id == self._selected:
            return
        self._selected = shadow_id
        self.shadow_error.clear()
        self._fill()
        self.shadowSelected.emit(shadow_id)

    def _commit_label(self) -> None:
        from desk.core import commands

        shadow = self.shadow
        text = " ".join(self.label_field.text().split())
        if shadow is not None and not self._filling and text != shadow.label and \
                self._writable():
            self._send(lambda: commands.label_shadow(shadow, text), self.shadow_error)

    def _commit_bearing(self) -> None:
        from desk.core import commands
        from desk.core.commands import MAX_SHADOW_TOLERANCE

        shadow = self.shadow
        if shadow is None or self._filling or not self._writable():
            return
        try:
            bearing = read_number(self.bearing_field.text(), "The bearing", 0, 360, "")
            tolerance = read_number(self.tolerance_field.text() or _number_text(
                shadow.tolerance), "The tolerance (±)", 0, MAX_SHADOW_TOLERANCE, "",
                low_open=True)
        except ValueError as exc:
            self._refuse(self.shadow_error, f"{exc} Nothing was saved.")
            return
        if abs(bearing % 360 - shadow.bearing) < 1e-9 and abs(tolerance - shadow.tolerance) \
                < 1e-9:
            self.shadow_error.clear()
            self.shadow_error.setVisible(False)
            return
        self._send(lambda: commands.set_shadow_bearing(shadow, bearing % 360.0, tolerance),
                   self.shadow_error)

    def _read_size(self, field: LineField, what: str) -> float | None:
        if not field.text().strip():
            return None
        return read_number(field.text(), what, 0, 100_000, "m", low_open=True)

    def _commit_sizes(self) -> None:
        from desk.core import commands

        shadow = self.shadow
        if shadow is None or self._filling or not self._writable():
            return
        try:
            height = self._read_size(self.height_field, "The object's height")
            length = self._read_size(self.length_field, "The shadow's length")
        except ValueError as exc:
            self._refuse(self.shadow_error, f"{exc} Leave it empty if it is not known.")
            return
        if height == shadow.object_height_m and length == shadow.shadow_length_m:
            return
        self._send(lambda: commands.measure_shadow(shadow, height, length), self.shadow_error)

    def _use_drawn_length(self) -> None:
        length = getattr(self, "_drawn_length", None)
        if length is None:
            return
        self.length_field.setText(f"{length:.2f}")
        self._commit_sizes()

    def _delete(self) -> None:
        from desk.core import commands

        shadow = self.shadow
        if shadow is not None:
            self._send(lambda: commands.delete_shadow(shadow), self.shadow_error)

    def _save_pending(self) -> None:
        from desk.core import commands
        from desk.core.commands import MAX_SHADOW_TOLERANCE

        ends, case, item = self._pending, self._case, self._evidence
        if ends is None or case is None or item is None or not self._writable():
            return
        try:
            bearing = read_number(self.pending_bearing.text(), "The bearing", 0, 360)
            tolerance = read_number(self.pending_tolerance.text() or
                                    f"{DEFAULT_SHADOW_TOLERANCE:g}", "The tolerance (±)", 0,
                                    MAX_SHADOW_TOLERANCE, low_open=True)
        except ValueError as exc:
            self._refuse(self.pending_error, str(exc))
            return
        x1, y1, x2, y2 = ends
        shadow = Shadow(0, item.id, bearing % 360.0, tolerance, x1=x1, y1=y1, x2=x2, y2=y2)
        holder: dict[str, Command] = {}

        def make() -> Command:
            holder["command"] = commands.add_shadow(case, shadow)
            return holder["command"]

        if not self._send(make, self.pending_error):
            return
        self._pending = None
        self.pendingResolved.emit()
        created = commands.created_id(holder["command"])
        if created is not None:
            self.select_shadow(created)
            self.shadowSelected.emit(created)
        self._fill()

    def _discard_pending(self) -> None:
        self._pending = None
        self.pendingResolved.emit()
        self._fill()

    def _commit_question(self) -> None:
        from desk.core import commands

        case, item = self._case, self._evidence
        if case is None or item is None or self._filling or not self._writable():
            return
        first_text = self.first_field.text().strip()
        last_text = self.last_field.text().strip()
        claimed = " ".join(self.claimed_field.text().split())
        question = self._question
        if not first_text and not last_text and not claimed:
            if question is not None:
                self._send(lambda: commands.clear_time_question(case, item.id),
                           self.question_error)
            return
        if not (self.first_field.acceptable() and self.last_field.acceptable()):
            return
        if not first_text:
            if claimed[:10] and _is_day(claimed[:10]):
                first_text = claimed[:10]  # the claimed day is the day to test
            else:
                self._refuse(self.question_error, "Give the day to test (YYYY-MM-DD): the"
                                                  " claimed time alone does not say it.")
                return
        first = date.fromisoformat(first_text[:10])
        last = date.fromisoformat(last_text[:10]) if last_text else first
        if (question is not None and (question.first, question.last, question.claimed_at)
                == (first, last, claimed)):
            self.question_error.clear()
            self.question_error.setVisible(False)
            return
        self._send(lambda: commands.set_time_question(case, item.id, first, last, claimed),
                   self.question_error)

    def _clear_question(self) -> None:
        from desk.core import commands

        case, item = self._case, self._evidence
        if case is not None and item is not None and self._question is not None:
            self._send(lambda: commands.clear_time_question(case, item.id),
                       self.question_error)


def _is_day(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _noon(answer: Chronolocation) -> Any:
    from datetime import datetime, time

    return datetime.combine(answer.first, time(12), answer.zone.zone)
