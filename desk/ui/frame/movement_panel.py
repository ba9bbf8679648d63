"""The Movement tab: the shown frame's arrows, their tracks on the ground, and the finding.

This is where "into town or out of it?" gets its answer as numbers: the relation word with
its angle, then the core's finding in the core's own words (`desk.core.movement`), so the
window, the dossier and `desk info --json` say the same sentence. Every change (a label, a
projection, a typed bearing, the reference point, the camera height) is one named core
command on the undo stack; the panel re-reads the case on `refresh` and holds nothing of its
own.
Labels and landmark names are untrusted: every QLabel here shows plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core import geo
from desk.core import movement as geometry
from desk.core.arrow_style import ArrowStyle, arrow_styles
from desk.core.model import Evidence, Geolocation, Horizon, Landmark, Movement
from desk.ui.common import theme
from desk.ui.common.fields import chain_tab_order
from desk.ui.common.labels import plain_label, section_label
from desk.ui.frame.frame_annotations import ARROW_COLOURS, HORIZON, MOVEMENT, colour_icon

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.commands import Command

#: How each relation is shown: the word's colour (no value judgement: blue, orange, grey).
RELATION_COLOURS = {geometry.TOWARD: "#5fb4ff", geometry.AWAY: "#ff8a5b",
                    geometry.ACROSS: "#c9ced6"}
DEFAULT_CAMERA_HEIGHT_M = 1.7


def _plain(text: str = "", *, role: str = "", wrap: bool = True) -> QLabel:
    return plain_label(text, wrap=wrap, selectable=True, role=role)


_section = section_label


def compass(bearing: float) -> str:
    return f"{bearing:.0f}° {geo.compass_label(bearing)}"


def arrow_name(movement: Movement, style: ArrowStyle) -> str:
    """The arrow's one label (desk.core.arrow_style: its own, or "Arrow N" per frame from 1,
    as the frame, the map and the dossier name it), saying when the reviewer gave none."""
    return style.label if movement.label.strip() else f"{style.label} (no label)"


class MovementPanel(QWidget):
    """Arrows of the shown frame, the selected one's ground track and its finding."""

    #: The reviewer selected an arrow in the list (movement id or None).
    movementSelected = Signal(object)  # noqa: N815
    #: "Draw on map" was pressed for this movement; the window puts the map in track mode.
    drawOnMapRequested = Signal(int)  # noqa: N815
    drawOnMapCancelled = Signal()  # noqa: N815
    #: A tool button was pressed ("movement" or "horizon").
    toolRequested = Signal(str)  # noqa: N815
    #: This movement's track was just put on the map (projected): show it there.
    trackPlaced = Signal(int)  # noqa: N815

    def __init__(self, push: Callable[[Command], object], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("MovementPanel")
        self._push = push
        self._case: CaseFile | None = None
        self._evidence: Evidence | None = None
        self._movements: list[Movement] = []
        self._landmarks: list[Landmark] = []
        self._geolocation: Geolocation | None = None
        self._horizon: Horizon | None = None
        self._selected: int | None = None
        self._filling = False
        self.finding: geometry.MovementFinding | None = None
        self.track: geometry.GroundTrack | None = None

        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(14, 6, 14, 14)
        layout.setSpacing(6)
        layout.addLayout(self._build_list())
        layout.addWidget(self._build_finding())
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.setSpacing(6)
        details.addLayout(self._build_arrow_form())
        details.addLayout(self._build_track_form())
        details.addLayout(self._build_reference_form())
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
        """The controls in reading order: the list and its tools, the selected arrow, its
        track on the ground, then the reference point."""
        return [self.arrow_list, self.draw_button, self.horizon_button,
                self.remove_horizon_button, self.label_field, self.delete_button,
                *self.colour_buttons.values(), self.project_button, self.draw_on_map_button,
                self.bearing_spin, self.height_spin, self.reference_combo, self.default_button]

    # ----------------------------------------------------------------- building

    def _build_list(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(6)
        column.addWidget(_section("Arrows on this frame"))
        self.arrow_list = QListWidget()
        self.arrow_list.setObjectName("MovementList")
        self.arrow_list.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.arrow_list.currentRowChanged.connect(self._on_row_changed)
        column.addWidget(self.arrow_list)
        self.empty_hint = _plain(role="dim")
        column.addWidget(self.empty_hint)
        tools = QHBoxLayout()
        self.draw_button = QPushButton("Draw arrow (M)")
        self.draw_button.setToolTip("Drag on the frame from where the movement starts to where"
                                    " it goes")
        self.draw_button.clicked.connect(lambda: self.toolRequested.emit(MOVEMENT))
        self.horizon_button = QPushButton("Mark horizon (H)")
        self.horizon_button.setToolTip("Drag along the horizon on the frame")
        self.horizon_button.clicked.connect(lambda: self.toolRequested.emit(HORIZON))
        tools.addWidget(self.draw_button)
        tools.addWidget(self.horizon_button)
        tools.addStretch(1)
        column.addLayout(tools)
        horizon_row = QHBoxLayout()
        self.horizon_label = _plain(role="dim")
        self.remove_horizon_button = QToolButton()
        self.remove_horizon_button.setText("Remove")
        self.remove_horizon_button.setToolTip("Remove the horizon line from this frame")
        self.remove_horizon_button.clicked.connect(self._remove_horizon)
        horizon_row.addWidget(self.horizon_label, 1)
        horizon_row.addWidget(self.remove_horizon_button, 0, Qt.AlignmentFlag.AlignTop)
        column.addLayout(horizon_row)
        return column

    def _build_finding(self) -> QFrame:
        """The answer, big: TOWARD / AWAY / ACROSS with the angle and the numbers behind it."""
        card = QFrame()
        card.setObjectName("FindingCard")
        card.setProperty("card", True)
        column = QVBoxLayout(card)
        column.setContentsMargins(12, 10, 12, 10)
        column.setSpacing(3)
        top = QHBoxLayout()
        self.relation_label = _plain(wrap=False)
        self.relation_label.setObjectName("RelationWord")
        font = QFont(self.font())
        font.setPointSizeF(22)
        font.setWeight(QFont.Weight.Bold)
        self.relation_label.setFont(font)
        self.angle_label = _plain(wrap=False)
        angle_font = QFont(self.font())
        angle_font.setPointSizeF(15)
        angle_font.setWeight(QFont.Weight.DemiBold)
        self.angle_label.setFont(angle_font)
        top.addWidget(self.relation_label)
        top.addSpacing(10)
        top.addWidget(self.angle_label, 0, Qt.AlignmentFlag.AlignBottom)
        top.addStretch(1)
        column.addLayout(top)
        # The core's sentences, verbatim: the dossier and `desk info` state the same words.
        self.relation_line = _plain()
        self.relation_line.setObjectName("RelationSentence")
        self.relation_line.setStyleSheet(f"color: {theme.TEXT};")
        self.distance_label = _plain()
        self.distance_label.setObjectName("DistanceSentence")
        self.distance_label.setStyleSheet(f"color: {theme.TEXT};")
        for label in (self.relation_line, self.distance_label):
            column.addWidget(label)
        self.finding_card = card
        return card

    def _build_arrow_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        form.addRow(_section("Selected arrow"))
        self.label_field = QLineEdit()
        self.label_field.setPlaceholderText("What moves, e.g. group of 6 soldiers")
        self.label_field.editingFinished.connect(self._commit_label)
        self.delete_button = QPushButton("Delete")
        self.delete_button.setToolTip("Delete this arrow (Delete on the frame)")
        self.delete_button.clicked.connect(self._delete)
        label_row = QHBoxLayout()
        label_row.addWidget(self.label_field, 1)
        label_row.addWidget(self.delete_button)
        form.addRow(self._form_label("Label"), label_row)
        colours = QHBoxLayout()
        colours.setSpacing(0)
        self.colour_buttons: dict[str, QToolButton] = {}
        for colour in ARROW_COLOURS:
            button = QToolButton()
            button.setIcon(colour_icon(colour))
            button.setCheckable(True)
            button.setAutoRaise(True)
            button.setStyleSheet("QToolButton { padding: 2px; }")
            button.setToolTip(f"Arrow colour {colour}")
            button.clicked.connect(lambda _=False, c=colour: self._commit_colour(c))
            self.colour_buttons[colour] = button
            colours.addWidget(button)
        colours.addStretch(1)
        form.addRow(self._form_label("Colour"), colours)
        return form

    def _build_track_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        form.addRow(_section("On the ground"))
        self.track_status = _plain()
        self.track_status.setObjectName("TrackStatus")
        form.addRow(self.track_status)
        self.track_warning = _plain()
        self.track_warning.setStyleSheet(f"color: {theme.WARN};")
        form.addRow(self.track_warning)
        buttons = QHBoxLayout()
        self.project_button = QPushButton("Project onto map")
        self.project_button.setProperty("primary", True)
        self.project_button.setToolTip("Place the arrow on the ground from the camera position,"
                                       " heading, field of view, horizon and camera height")
        self.project_button.clicked.connect(self.project)
        self.draw_on_map_button = QPushButton("Draw on map")
        self.draw_on_map_button.setCheckable(True)
        self.draw_on_map_button.setToolTip("Click the map where the movement starts, then where"
                                           " it ends")
        self.draw_on_map_button.toggled.connect(self._toggle_draw_on_map)
        buttons.addWidget(self.project_button)
        buttons.addWidget(self.draw_on_map_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.bearing_spin = QDoubleSpinBox()
        self.bearing_spin.setObjectName("BearingSpin")
        self.bearing_spin.setRange(-1, 359.9)
        self.bearing_spin.setDecimals(1)
        self.bearing_spin.setSuffix("°")
        self.bearing_spin.setSpecialValueText("not set")
        self.bearing_spin.setKeyboardTracking(False)
        self.bearing_spin.setToolTip("Direction of movement, degrees clockwise from true north."
                                     " With a track on the map, the track turns about its start.")
        self.bearing_spin.valueChanged.connect(self._commit_bearing)
        form.addRow(self._form_label("Bearing"), self.bearing_spin)
        self.height_spin = QDoubleSpinBox()
        self.height_spin.setObjectName("CameraHeightSpin")
        self.height_spin.setRange(0.1, 5000)
        self.height_spin.setDecimals(2)
        self.height_spin.setSingleStep(0.1)
        self.height_spin.setSuffix(" m")
        self.height_spin.setKeyboardTracking(False)
        self.height_spin.setToolTip("Height of the camera above the ground (1.7 m: held at eye"
                                    " level). Projected distances scale with it.")
        self.height_spin.valueChanged.connect(self._commit_height)
        form.addRow(self._form_label("Camera height"), self.height_spin)
        return form

    def _build_reference_form(self) -> QFormLayout:
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(6)
        form.addRow(_section("Reference point"))
        row = QHBoxLayout()
        self.reference_combo = QComboBox()
        self.reference_combo.setObjectName("ReferenceCombo")
        self.reference_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.reference_combo.setMinimumContentsLength(12)
        self.reference_combo.setSizePolicy(QSizePolicy.Policy.Expanding,
                                           QSizePolicy.Policy.Fixed)
        self.reference_combo.currentIndexChanged.connect(self._commit_reference)
        self.default_button = QPushButton("Make default")
        self.default_button.setToolTip("Use this landmark as the case's reference point for"
                                       " every arrow that has not chosen its own")
        self.default_button.clicked.connect(self._make_default_reference)
        row.addWidget(self.reference_combo, 1)
        row.addWidget(self.default_button)
        form.addRow(self._form_label("Measured to"), row)
        self.reference_hint = _plain(role="dim")
        form.addRow(self.reference_hint)
        return form

    @staticmethod
    def _form_label(text: str) -> QLabel:
        label = QLabel(text)
        label.setStyleSheet(f"color: {theme.TEXT_DIM};")
        return label

    # ----------------------------------------------------------------- public API

    @property
    def selected(self) -> int | None:
        return self._selected

    @property
    def movement(self) -> Movement | None:
        return next((m for m in self._movements if m.id == self._selected), None)

    def set_case(self, case: CaseFile | None) -> None:
        self._case = case
        self._evidence = None
        self._selected = None
        self.refresh()

    def set_evidence(self, evidence: Evidence | None) -> None:
        """Show another frame's arrows (the first one selected)."""
        changed = (evidence.id if evidence else None) != (
            self._evidence.id if self._evidence else None)
        self._evidence = evidence
        if changed:
            self._selected = None
            self._set_drawing(False)
        self.refresh()

    def select_movement(self, movement_id: int | None) -> None:
        """Select an arrow (from the frame); None keeps the list without a selection."""
        if movement_id == self._selected:
            return
        if movement_id is not None and not any(m.id == movement_id for m in self._movements):
            return
        self._selected = movement_id
        self._set_drawing(False)
        self._fill()

    def set_map_mode(self, mode: str) -> None:
        """The map left track mode (drawn, cancelled, another frame): release the button."""
        if mode != "track":
            self._set_drawing(False, notify=False)

    def refresh(self) -> None:
        """Re-read the shown frame's arrows, horizon, camera and the landmarks."""
        case, item = self._case, self._evidence
        if case is None or item is None:
            self._movements, self._landmarks = [], []
            self._geolocation = self._horizon = None
        else:
            self._movements = case.movements(item.id)
            self._landmarks = case.landmarks()
            self._geolocation = case.geolocation(item.id)
            self._horizon = case.horizon(item.id)
        ids = [m.id for m in self._movements]
        if self._selected not in ids:
            self._selected = ids[0] if ids else None
        self._fill()

    # ----------------------------------------------------------------- showing

    def reference(self) -> Landmark | None:
        """The selected arrow's reference point (the core's rule: its own, else the default)."""
        movement = self.movement
        return geometry.reference_for(movement, self._landmarks) if movement else None

    def _projection(self, movement: Movement) -> geometry.GroundTrack | None:
        item = self._evidence
        if self._geolocation is None or item is None or item.width <= 0 or item.height <= 0:
            return None
        return geometry.project_arrow(self._geolocation, self._horizon, item.width, item.height,
                                      movement)

    def _fill(self) -> None:
        self._filling = True
        try:
            self._fill_list()
            self._fill_horizon()
            movement = self.movement
            self.details.setVisible(movement is not None)
            self.track = self._projection(movement) if movement is not None else None
            reference = self.reference()
            self.finding = (geometry.finding_for(movement, self._landmarks, self._geolocation)
                            if movement is not None else None)
            self._fill_arrow(movement)
            self._fill_track(movement)
            self._fill_reference(movement, reference)
            self._fill_finding(movement)
        finally:
            self._filling = False

    def _relation_of(self, movement: Movement) -> str:
        finding = geometry.finding_for(movement, self._landmarks, self._geolocation)
        if finding is None:
            return ""
        return f"{compass(finding.bearing)} · {finding.relation}"

    def _fill_list(self) -> None:
        with QSignalBlocker(self.arrow_list):
            self.arrow_list.clear()
            styles = arrow_styles(self._movements)
            for movement in self._movements:
                summary = self._relation_of(movement) or "not on the map yet"
                style = styles[movement.id]
                row = QListWidgetItem(colour_icon(style.colour),
                                      f"{arrow_name(movement, style)} — {summary}")
                row.setData(Qt.ItemDataRole.UserRole, movement.id)
                row.setToolTip(movement.label)
                self.arrow_list.addItem(row)
                if movement.id == self._selected:
                    self.arrow_list.setCurrentItem(row)
        has_frame = self._evidence is not None
        rows = min(max(len(self._movements), 1), 4)
        self.arrow_list.setFixedHeight(rows * max(self.arrow_list.sizeHintForRow(0), 24) + 6)
        self.arrow_list.setVisible(bool(self._movements))
        if not has_frame:
            self.empty_hint.setText("Select a frame to mark how things in it move.")
        elif not self._movements:
            self.empty_hint.setText("No arrows yet. Press M (or Draw arrow) and drag on the"
                                    " frame from where the movement starts to where it goes.")
        self.empty_hint.setVisible(not self._movements)
        writable = has_frame and self._case is not None and not self._case.read_only
        self.draw_button.setEnabled(writable)
        self.horizon_button.setEnabled(writable)

    def _fill_horizon(self) -> None:
        horizon = self._horizon
        if self._evidence is None:
            self.horizon_label.setText("")
        elif horizon is None:
            self.horizon_label.setText("Horizon not marked: projecting arrows onto the map needs"
                                       " it. Press H and drag along the horizon.")
        else:
            tilt = "level" if abs(horizon.y_right - horizon.y_left) < 0.002 else (
                f"tilted, {horizon.y_left * 100:.0f}% to {horizon.y_right * 100:.0f}% down")
            self.horizon_label.setText(
                f"Horizon marked {horizon.y_at(0.5) * 100:.0f}% down the frame ({tilt}).")
        self.horizon_label.setVisible(self._evidence is not None)
        self.remove_horizon_button.setVisible(horizon is not None)
        self.remove_horizon_button.setEnabled(horizon is not None and self._writable())

    def _writable(self) -> bool:
        return self._case is not None and not self._case.read_only

    def _fill_arrow(self, movement: Movement | None) -> None:
        writable = self._writable()
        if not self.label_field.hasFocus() or movement is None:
            self.label_field.setText(movement.label if movement else "")
        chosen = movement.color.lower() if movement else ""
        for colour, button in self.colour_buttons.items():
            button.setChecked(colour == chosen)
            button.setEnabled(writable)
        self.label_field.setReadOnly(not writable)
        self.delete_button.setEnabled(writable)

    def _fill_track(self, movement: Movement | None) -> None:
        status, warning = self.track_text(movement)
        self.track_status.setText(status)
        self.track_warning.setText(warning)
        self.track_warning.setVisible(bool(warning))
        writable = self._writable()
        track = self.track
        usable = track is not None and track.usable
        self.project_button.setEnabled(writable and movement is not None and usable)
        self.project_button.setToolTip(
            "Place the arrow on the ground from the camera position, heading, field of view,"
            " horizon and camera height" if usable else status)
        self.draw_on_map_button.setEnabled(writable and movement is not None)
        bearing = None
        if movement is not None:
            track_on_ground = movement.track
            bearing = (geo.initial_bearing(track_on_ground.start, track_on_ground.end)
                       if track_on_ground is not None else movement.bearing)
        self.bearing_spin.setEnabled(writable and movement is not None)
        self.bearing_spin.setValue(-1 if bearing is None else round(bearing, 1) % 360)
        location = self._geolocation
        self.height_spin.setEnabled(writable and location is not None)
        self.height_spin.setValue(location.camera_height_m if location is not None
                                  else DEFAULT_CAMERA_HEIGHT_M)
        self.height_spin.setToolTip(
            "Height of the camera above the ground (1.7 m: held at eye level). Projected"
            " distances scale with it." if location is not None
            else "Geolocate the frame on the map first.")

    def track_text(self, movement: Movement | None) -> tuple[str, str]:
        """(status, warning) of the selected arrow's ground track, in plain words."""
        if movement is None:
            return "", ""
        track = self.track
        reason = self._cannot_project(track)
        notes = "; ".join(dict.fromkeys(track.notes)) if track is not None else ""
        stored = movement.track
        if stored is not None:
            length = geometry.track_length_m(movement) or 0.0
            bearing = geo.initial_bearing(stored.start, stored.end)
            shape = f"{compass(bearing)}, {geo.format_distance(length)} long"
            if track is not None and geometry.same_track(movement, track):
                warning = (f"Unreliable projection: {notes}." if not track.reliable and notes
                           else "")
                return f"Projected onto the map: {shape}.", warning
            if track is not None and track.usable and track.bearing is not None:
                start = (track.start.lat, track.start.lon)
                end = (track.end.lat, track.end.lon)
                projected = (f"{compass(track.bearing)},"
                             f" {geo.format_distance(geo.distance_m(start, end))} long")  # type: ignore[arg-type]
                return (f"On the map (drawn or corrected by hand): {shape}.",
                        f"Projecting the arrow now gives {projected}; press Project onto map"
                        " to use that instead.")
            return (f"On the map (drawn by hand): {shape}.",
                    f"It cannot be projected: {reason}." if reason else "")
        if movement.bearing is not None:
            # The finding above says what a typed bearing cannot tell (the distances).
            return (f"Bearing typed: {compass(movement.bearing)}. No track on the map.",
                    f"It cannot be projected: {reason}." if reason else "")
        if reason:
            return ("Not on the map yet.", f"It cannot be projected: {reason}. Draw it on the"
                                           " map or type its bearing.")
        assert track is not None
        preview = ""
        if track.bearing is not None:
            start, end = (track.start.lat, track.start.lon), (track.end.lat, track.end.lon)
            preview = (f" Projected, it would run {compass(track.bearing)},"
                       f" {geo.format_distance(geo.distance_m(start, end))} long.")  # type: ignore[arg-type]
        warning = f"Unreliable projection: {notes}." if not track.reliable and notes else ""
        return "Not on the map yet." + preview, warning

    def _cannot_project(self, track: geometry.GroundTrack | None) -> str:
        if self._geolocation is None:
            return "the frame is not geolocated yet (place the camera on the map)"
        if track is None:
            return "the frame's size is not known"
        if track.usable:
            return ""
        return "; ".join(dict.fromkeys(track.notes)) or "the arrow does not reach the ground"

    def _fill_reference(self, movement: Movement | None, reference: Landmark | None) -> None:
        with QSignalBlocker(self.reference_combo):
            self.reference_combo.clear()
            for landmark in self._landmarks:
                name = landmark.name + (" · default" if landmark.is_reference else "")
                self.reference_combo.addItem(name, landmark.id)
            index = self.reference_combo.findData(reference.id) if reference else -1
            self.reference_combo.setCurrentIndex(index)
        writable = self._writable() and movement is not None
        self.reference_combo.setEnabled(writable and bool(self._landmarks))
        self.default_button.setEnabled(writable)
        self.default_button.setVisible(reference is not None and not reference.is_reference)
        if not self._landmarks:
            hint = ("No landmarks yet: add the town centre or another named point on the map"
                    " (Landmark tab) to measure toward or away from it.")
        elif reference is None:
            hint = "Choose the point the movement is measured against."
        elif movement is not None and movement.reference_id is None:
            hint = "The case's default reference point."
        else:
            hint = ""
        self.reference_hint.setText(hint)
        self.reference_hint.setVisible(bool(hint))

    def _fill_finding(self, movement: Movement | None) -> None:
        """The word big, then the core's own sentences: no wording of the panel's own."""
        finding = self.finding
        card = self.finding_card
        card.setVisible(movement is not None)
        if movement is None:
            return
        if finding is None:
            self.relation_label.setText("NO FINDING YET")
            self.relation_label.setStyleSheet(f"color: {theme.TEXT_FAINT};")
            self.angle_label.setText("")
            self.relation_line.setText(
                geometry.why_no_finding(movement, self._landmarks, self._geolocation))
            self.distance_label.setText("")
            self.distance_label.setVisible(False)
            return
        colour = RELATION_COLOURS.get(finding.relation, theme.TEXT)
        self.relation_label.setText(finding.relation.upper())
        self.relation_label.setStyleSheet(f"color: {colour};")
        self.angle_label.setText(f"{finding.angle:.0f}°")
        self.angle_label.setStyleSheet(f"color: {colour};")
        self.relation_line.setText(finding.relation_sentence())
        self.distance_label.setText(finding.distance_sentence())
        self.distance_label.setVisible(True)

    # ----------------------------------------------------------------- edits

    def _send(self, make: Callable[[], Command]) -> bool:
        """Build a core command and push it; a value the core refuses is said in one line."""
        from desk.core import commands  # with the case file: not at start-up

        try:
            command = make()
        except commands.CommandError as exc:
            self.track_warning.setText(str(exc))
            self.track_warning.setVisible(True)
            return False
        return bool(self._push(command))

    def _on_row_changed(self, row: int) -> None:
        item = self.arrow_list.item(row) if row >= 0 else None
        movement_id = int(item.data(Qt.ItemDataRole.UserRole)) if item is not None else None
        if movement_id == self._selected:
            return
        self._selected = movement_id
        self._set_drawing(False)
        self._fill()
        self.movementSelected.emit(movement_id)

    def _commit_label(self) -> None:
        from desk.core import commands

        movement = self.movement
        text = " ".join(self.label_field.text().split())
        if (movement is not None and not self._filling and text != movement.label
                and self._writable()):
            self._send(lambda: commands.label_arrow(movement, text))

    def _commit_colour(self, colour: str) -> None:
        from desk.core import commands

        movement = self.movement
        if movement is not None and not self._filling and colour != movement.color:
            self._send(lambda: commands.colour_arrow(movement, colour))
        else:
            self._fill()

    def _delete(self) -> None:
        from desk.core import commands

        movement = self.movement
        if movement is not None:
            self._send(lambda: commands.delete_arrow(movement))

    def project(self) -> bool:
        """Write the arrow's projection as its ground track (the bearing follows the track)."""
        from desk.core import commands

        movement, track = self.movement, self.track
        if movement is None or track is None or self._filling:
            return False
        placed = geometry.projected_track(track)
        if placed is None:
            return False
        if not self._send(lambda: commands.draw_track(movement, placed, projected=True)):
            return False
        self.trackPlaced.emit(movement.id)
        return True

    def _commit_bearing(self, value: float) -> None:
        from desk.core import commands

        movement = self.movement
        if self._filling or movement is None:
            return
        if value < 0:
            if movement.bearing is not None and movement.track is None:
                self._send(lambda: commands.turn_track(movement, None))
            else:
                self._fill()
            return
        self._send(lambda: commands.turn_track(movement, value))

    def _commit_height(self, value: float) -> None:
        from desk.core import commands

        location = self._geolocation
        if self._filling or location is None or abs(value - location.camera_height_m) < 1e-6:
            return
        self._send(lambda: commands.set_camera_height(location.evidence_id, round(value, 2)))

    def _commit_reference(self, index: int) -> None:
        from desk.core import commands

        movement = self.movement
        if self._filling or index < 0:
            return
        landmark_id = self.reference_combo.itemData(index)
        if movement is None or landmark_id is None:
            return
        if movement.reference_id != landmark_id:
            self._send(lambda: commands.choose_reference(movement, int(landmark_id)))

    def _make_default_reference(self) -> None:
        """Mark the chosen landmark as the case's reference point (one undo step)."""
        from desk.core import commands

        reference, case = self.reference(), self._case
        if reference is None or reference.is_reference or case is None:
            return
        self._send(lambda: commands.set_default_reference(case, reference.id))

    def _remove_horizon(self) -> None:
        from desk.core import commands

        evidence = self._evidence
        if evidence is not None and self._horizon is not None:
            self._send(lambda: commands.clear_horizon(evidence.id))

    def _toggle_draw_on_map(self, on: bool) -> None:
        if self._filling:
            return
        movement = self.movement
        if on and movement is not None:
            self.drawOnMapRequested.emit(movement.id)
        elif not on:
            self.drawOnMapCancelled.emit()

    def _set_drawing(self, on: bool, notify: bool = True) -> None:
        """Check or release "Draw on map"; releasing it tells the map, unless it told us."""
        if self.draw_on_map_button.isChecked() == on:
            return
        with QSignalBlocker(self.draw_on_map_button):
            self.draw_on_map_button.setChecked(on)
        if not on and notify:
            self.drawOnMapCancelled.emit()
