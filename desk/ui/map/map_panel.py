"""MapPanel: the map with the geolocation form, place search and landmark form around it.

The panel holds no truth: it renders the case through MapView and turns the reviewer's
gestures (a click, a drag, a pasted link, a typed heading) into core commands sent through the
`push` it was given (the window's undo stack), so every edit is undoable and in the custody
log. Drags preview live and are saved once, when the drag ends. Anything from the case shown
in a label is plain text.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desk.core import commands, geocode
from desk.core import movement as movement_geometry
from desk.core.coords import parse_coordinates
from desk.core.model import Confidence, Geolocation, Landmark, Movement, Shadow, Track
from desk.mapping import measure
from desk.mapping import scene as scenes
from desk.mapping.layers import BaseLayer
from desk.ui.common.fields import TextField, chain_tab_order
from desk.ui.common.labels import plain_label
from desk.ui.common.workers import Jobs, one_line
from desk.ui.map.case_imagery import CaseImagery
from desk.ui.map.map_measure import MeasureTool
from desk.ui.map.map_view import MapView
from desk.ui.map.overlay_list import OverlayList

if TYPE_CHECKING:
    from desk.core.casefile import CaseFile
    from desk.core.chronolocation import Chronolocation
    from desk.core.commands import Command
    from desk.mapping.tile_cache import TileCache
    from desk.ui.map.overlay_placement import PlacementDialog

log = logging.getLogger(__name__)

#: Typed heading/FOV/precision changes are saved after the reviewer pauses this long.
COMMIT_DELAY_MS = 600
#: Keys that turn the measuring tools on and off (Esc stops either).
RULER_KEY = "R"
AREA_KEY = "Shift+R"
_ERROR_STYLE = "color: #e06c75;"
_DIM_STYLE = "color: #9aa3ae;"


def _plain_label(text: str = "", *, wrap: bool = True, dim: bool = False) -> QLabel:
    """Labels here show names from cases: never let Qt read them as rich text."""
    label = plain_label(text, wrap=wrap, selectable=True)
    if dim:
        label.setStyleSheet(_DIM_STYLE)
    return label


def _scrolled(page: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(page)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    area.setMinimumHeight(90)
    return area


_OVERLAY_ACTIONS = frozenset(action.name for action in (
    commands.PLACE_OVERLAY, commands.ADJUST_OVERLAY, commands.SET_OVERLAY_OPACITY,
    commands.REMOVE_OVERLAY))


def _overlays_only(command: object) -> bool:
    """Whether a command (or its undo) edits reference overlays and nothing else of the map's
    imagery: those are redrawn without reloading the page."""
    edits = getattr(command, "edits", None)
    if edits is not None:
        return all(_overlays_only(edit) for edit in edits)
    action = str(getattr(command, "action", ""))
    return action.removeprefix("undo ") in _OVERLAY_ACTIONS


def _open_tile_cache() -> TileCache | None:
    """The machine's cache of tiles seen (size limit from the settings); None if it cannot
    be opened, in which case the map still works online, without it."""
    from PySide6.QtCore import QSettings

    from desk.core.identity import user_config_dir
    from desk.mapping.tile_cache import DEFAULT_LIMIT_BYTES, TileCache

    limit_mb = QSettings().value("map/tile_cache_mb", DEFAULT_LIMIT_BYTES // 2**20)
    try:
        limit = int(limit_mb) * 2**20  # type: ignore[call-overload]
    except (TypeError, ValueError):
        limit = DEFAULT_LIMIT_BYTES
    try:
        return TileCache(user_config_dir() / "tile-cache.sqlite", limit)
    except Exception as exc:  # noqa: BLE001 - a cache is never in the way
        log.warning("map: no cache of tiles seen (%s)", exc)
        return None


class MapPanel(QWidget):
    """The map and its forms. Wire `evidenceSelected`, `show_evidence` and `refresh`."""

    #: The reviewer picked a point on the map: the window selects that evidence in its list.
    evidenceSelected = Signal(int)  # noqa: N815 - Qt signal naming
    #: What a click on the map does now: "none", "place", "pick", "track", "ruler" or "area".
    modeChanged = Signal(str)  # noqa: N815
    #: The case's reference overlays were read again: how many the map draws.
    overlaysChanged = Signal(int)  # noqa: N815

    def __init__(self, case: CaseFile | None, push: Callable[[Command], object],
                 parent: QWidget | None = None, *,
                 base_layers: Sequence[BaseLayer] | None = None,
                 search_online: bool = True, geocoder_url: str | None = None) -> None:
        super().__init__(parent)
        self._case = case
        self._push = push
        self._selected: int | None = None
        self._picked_on_map: int | None = None
        self._items: dict[int, scenes.Item] = {}
        self._geos: dict[int, Geolocation] = {}
        self._landmarks: list[Landmark] = []
        self._movements: list[Movement] = []
        self._shadows: list[Shadow] = []
        #: Each frame's chronolocation as the Sun tab last worked it out (None: no answer).
        self._answers: dict[int, Chronolocation | None] = {}
        self._mode = "none"
        self._track_for: int | None = None
        self._loaded = False
        self._filling = False
        self._search_online = search_online
        self._geocoder_url = geocoder_url
        self._search_token = 0
        self._places: list[geocode.Place] = []
        self._jobs = Jobs(self)  # place searches and "where is this" labels; no case in them

        from desk.ui.map.map_settings import web_layers  # the organisation's server first

        self._given_layers = base_layers
        self.view = MapView(self, base_layers=web_layers(base_layers),
                            tile_cache=_open_tile_cache())
        self.imagery = CaseImagery()
        self.destroyed.connect(self.imagery.close)
        self.view.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        events = self.view.events
        events.clicked.connect(self._on_map_clicked)
        events.point_picked.connect(self._on_point_picked)
        events.camera_dragged.connect(self._on_camera_dragged)
        events.view_dragged.connect(self._on_view_dragged)
        events.track_drawn.connect(self._on_track_drawn)
        events.track_moved.connect(self._on_track_moved)
        self.measure = MeasureTool(self.view)
        events.measure_cancelled.connect(self.cancel_mode)

        self._refresh_timer = QTimer(self, singleShot=True, interval=0)
        self._refresh_timer.timeout.connect(self._do_refresh)
        self._commit_timer = QTimer(self, singleShot=True, interval=COMMIT_DELAY_MS)
        self._commit_timer.timeout.connect(self._commit_form_numbers)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(self._build_search_row())
        layout.addWidget(self.search_message)
        self.imagery_message = _plain_label(dim=True)
        self.imagery_message.setContentsMargins(6, 0, 6, 0)
        self.imagery_message.hide()  # until a pack of the case is missing here
        layout.addWidget(self.imagery_message)
        self.tabs = QTabWidget()
        # Each form scrolls in its tab, so the map may take the height a small screen has.
        self.tabs.addTab(_scrolled(self._build_geolocation_form()), "Geolocation")
        self.tabs.addTab(_scrolled(self._build_landmark_form()), "Landmark")
        self.overlay_list = OverlayList(self._push, self.view)
        self.overlay_list.placeRequested.connect(self.place_overlay)
        self.overlay_list.adjustRequested.connect(self.place_overlay)
        self.tabs.addTab(_scrolled(self.overlay_list), "Overlays")
        self.placement: PlacementDialog | None = None
        self.tabs.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
        self.tabs.setCornerWidget(self._build_measure_buttons(), Qt.Corner.TopRightCorner)
        # The reviewer decides how the map and its forms share the height (the window
        # remembers it): on a 768 px screen the forms left the map about 220 px.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setObjectName("MapFormSplitter")
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(self.tabs)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 1)
        self.splitter.setStretchFactor(1, 0)
        self.view.setMinimumHeight(120)
        layout.addWidget(self.splitter, 1)
        self._build_measure_keys()
        self.set_case(case)

    # ----------------------------------------------------------------- public API

    @property
    def selected(self) -> int | None:
        return self._selected

    def set_case(self, case: CaseFile | None) -> None:
        """Show another case (or none): reloads the page."""
        if self.placement is not None:  # it belongs to the case before
            self.placement.reject()
        self._case = case
        self._selected = None
        self._answers = {}
        self._set_mode("none")
        self._read_case()
        self._load_imagery()
        self.view.show_scene(self._scene())
        self._loaded = True
        self._fill_form()

    def apply_map_settings(self) -> None:
        """The settings changed: the cache's limit and the organisation's server now."""
        from desk.ui.map.map_settings import cache_limit_mb, web_layers

        if self.view.tile_cache is not None:
            self.view.tile_cache.set_limit(cache_limit_mb() * 2**20)
        self.view.set_base_layers(web_layers(self._given_layers))
        if self._loaded:
            self.view.show_scene(self._scene())

    def _load_imagery(self) -> None:
        """Open the case's tile packs for the map and say which of them this machine lacks."""
        self.imagery.load(self._case)
        self.view.set_packs(self.imagery.packs, self.imagery.layers)
        self._show_overlays()

    def _load_overlays(self) -> None:
        """An overlay placed, adjusted, restyled or removed: no page reload, no tile refetch."""
        self.imagery.load_overlays(self._case)
        self._show_overlays()

    def _show_overlays(self) -> None:
        self.view.set_overlays(self.imagery.overlays)
        self.overlay_list.load(self._case)
        self.imagery_message.setText("\n".join(self.imagery.notes))
        self.imagery_message.setVisible(bool(self.imagery.notes))
        self.overlaysChanged.emit(len(self.imagery.overlays))

    def show_evidence(self, evidence_id: int | None, centre: bool = True) -> None:
        """Select a frame (from the evidence list): highlight it and centre the map on it."""
        if evidence_id is not None and evidence_id == self._picked_on_map:
            centre = False  # the reviewer just picked it on the map: do not move the map
        self._picked_on_map = None
        if evidence_id is not None and evidence_id not in self._items:
            evidence_id = None
        self._selected = evidence_id
        self._set_mode("none")
        self.view.select(self._detail(), centre)
        self._fill_form()

    def refresh(self, command: object = None) -> None:
        """Re-read the case after an edit, undo, redo or import (coalesced).

        Given the applied command, only one that changed what the map draws (an item's
        geolocation or arrows, a landmark) re-reads: a claim's verdict redraws nothing.
        """
        if command is not None:
            touched = commands.touched(command)
            if touched.imagery and _overlays_only(command):
                self._load_overlays()
                return
            if touched.imagery:  # packs added, removed or restyled: the page is rebuilt
                self._load_imagery()
                if self._loaded:
                    self.view.show_scene(self._scene())
                return
            if not (touched.evidence or touched.landmarks or touched.movements):
                return
        self._refresh_timer.start()

    @property
    def mode(self) -> str:
        return self._mode

    def draw_track(self, movement_id: int) -> None:
        """Let the reviewer draw a movement's ground track: two clicks, start then end."""
        self._flush_refresh()
        if not any(m.id == movement_id for m in self._movements):
            return
        self._track_for = movement_id
        self._set_mode("track")

    def _flush_refresh(self) -> None:
        """An edit just made is not read yet (refreshes wait for the event loop): read it."""
        if self._refresh_timer.isActive():
            self._refresh_timer.stop()
            self._do_refresh()

    def cancel_mode(self) -> None:
        self._set_mode("none")

    def show_movement(self, movement_id: int | None) -> None:
        """Bring a movement's ground track into view (when the reviewer selects its arrow)."""
        self._flush_refresh()
        movement = next((m for m in self._movements if m.id == movement_id), None)
        if movement is not None and movement_geometry.has_track(movement):
            self.view.call("focusTrack", movement.id)

    def set_chronolocation(self, evidence_id: int, answer: object) -> None:
        """A frame's answer (from the Sun tab, which works it out once for both): the map
        draws the sun's ray from it when the frame is selected."""
        from desk.core.chronolocation import Chronolocation

        found = answer if isinstance(answer, Chronolocation) else None
        if evidence_id in self._answers and self._answers[evidence_id] is found:
            return
        self._answers[evidence_id] = found
        if evidence_id == self._selected and self._loaded:
            self.view.select(self._detail(), False)

    def sun(self) -> dict[str, Any] | None:
        """The sun the map shows for the selected frame (its ray and shadow directions)."""
        detail = self._detail()
        return detail.get("sun") if detail else None

    # ----------------------------------------------------------------- reference overlays

    def place_overlay(self, overlay_id: int | None = None) -> PlacementDialog | None:
        """Open the placement dialog: a new overlay, or (an id) adjust that one. It starts
        where this map is; it is not modal, and one is open at a time."""
        from desk.ui.map.overlay_placement import MapSetup, PlacementDialog

        case = self._case
        if case is None or case.read_only:
            return None
        overlay = next((o for o in case.overlays() if o.id == overlay_id), None)
        if overlay_id is not None and overlay is None:
            return None
        if self.placement is not None:
            self.placement.reject()
        setup = MapSetup(self.view.base_layers, self.imagery.packs, tuple(self.imagery.layers),
                         self.view.tile_cache, self.view.tiles.offline, self._scene())
        dialog = PlacementDialog(case, self._push, setup, overlay, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: self._placement_closed(dialog))
        self.placement = dialog
        if overlay is None and self._loaded:
            self.view.probe(lambda state: self._start_placement_at(dialog, state))
        dialog.show()
        return dialog

    def _start_placement_at(self, dialog: PlacementDialog, state: dict[str, Any] | None) -> None:
        if self.placement is dialog and state and state.get("centre"):
            lat, lon = state["centre"]
            dialog.map.call("setView", float(lat), float(lon), int(state.get("zoom", 15)))

    def _placement_closed(self, dialog: PlacementDialog) -> None:
        if self.placement is dialog:
            self.placement = None

    def dispose(self) -> None:
        """Release the web view; call before the window closes (QtWebEngine needs it)."""
        if self.placement is not None:
            self.placement.reject()
        self._commit_timer.stop()
        self._refresh_timer.stop()
        self._jobs.shutdown(wait_s=0)  # a search still out there ends unheard
        self.view.dispose()

    # ----------------------------------------------------------------- reading the case

    def _read_case(self) -> None:
        case = self._case
        if case is None:
            self._items, self._geos, self._landmarks, self._movements = {}, {}, [], []
            self._shadows, self._answers = [], {}
            return
        self._items = {e.id: scenes.item_of(e) for e in case.list_evidence()}
        self._geos = {g.evidence_id: g for g in case.geolocations()}
        self._landmarks = case.landmarks()
        self._movements = case.movements()
        self._shadows = case.shadows()
        if self._selected is not None and self._selected not in self._items:
            self._selected = None

    def _scene(self) -> dict[str, Any]:
        return scenes.build_scene(list(self._items.values()), self._geos.values(),
                                  self._landmarks, self._movements, self._selected,
                                  self._shadows, self._answers.get(self._selected))

    def _detail(self, location: Geolocation | None = None) -> dict[str, Any] | None:
        if self._selected is None:
            return None
        item = self._items[self._selected]
        if location is None:
            location = self._geos.get(self._selected)
        return scenes.selection_detail(item, location, self._landmarks,
                                       [m for m in self._movements
                                        if m.evidence_id == self._selected],
                                       [s for s in self._shadows
                                        if s.evidence_id == self._selected],
                                       self._answers.get(self._selected))

    def _do_refresh(self) -> None:
        self._read_case()
        if self._loaded:
            self.view.set_scene(self._scene())
            overlays = self._case.overlays() if self._case is not None else []
            if overlays != self.overlay_list.overlays:  # a refresh not told what changed
                self._load_overlays()
        self._fill_form()

    # ----------------------------------------------------------------- edits

    def _send(self, make: Callable[[], Command], error: QLabel | None = None) -> None:
        """Build a named core command and push it; a value the core refuses is said in one
        plain line on the form (the position's error line unless told otherwise)."""
        try:
            command = make()
        except commands.CommandError as exc:
            label = error if error is not None else self.position_error
            label.setText(str(exc))
            label.setVisible(True)
            return
        self._push(command)

    def _place_camera(self, evidence_id: int, lat: float, lon: float) -> None:
        case = self._case
        if case is not None:
            self._send(lambda: commands.place_camera(case, evidence_id, lat, lon))

    def _geolocated(self) -> int | None:
        """The selected frame, if it has a geolocation to edit."""
        return self._selected if self._selected in self._geos else None

    # ----------------------------------------------------------------- map gestures

    def _on_map_clicked(self, lat: float, lon: float) -> None:
        if self._mode == "pick":
            self.landmark_position.setText(f"{lat:.6f}, {lon:.6f}")
            self._set_mode("none")
            return
        if self._selected is None:
            return
        if self._mode == "place" or self._selected not in self._geos:
            self._place_camera(self._selected, lat, lon)
            self._set_mode("none")

    def _on_point_picked(self, evidence_id: int) -> None:
        if evidence_id not in self._items:
            return
        self.show_evidence(evidence_id, centre=False)
        self._picked_on_map = evidence_id
        self.evidenceSelected.emit(evidence_id)

    def _on_camera_dragged(self, evidence_id: int, lat: float, lon: float, final: bool) -> None:
        location = self._geos.get(evidence_id)
        if evidence_id != self._selected or location is None:
            return
        if final:
            self._place_camera(evidence_id, lat, lon)
        else:
            self.view.preview(self._detail(dataclasses.replace(location, lat=lat, lon=lon)))

    def _on_view_dragged(self, evidence_id: int, heading: float, fov: float, final: bool) -> None:
        location = self._geos.get(evidence_id)
        if evidence_id != self._selected or location is None:
            return
        heading, fov = round(heading, 1) % 360.0, round(fov, 1)
        if final:
            self._send(lambda: commands.set_view(evidence_id, heading, fov))
        else:
            self.view.preview(self._detail(dataclasses.replace(location, heading=heading,
                                                               fov=fov)))

    def _on_track_drawn(self, start_lat: float, start_lon: float, end_lat: float,
                        end_lon: float) -> None:
        movement_id = self._track_for
        if self._mode != "track" or movement_id is None:
            return
        self._set_mode("none")
        movement = next((m for m in self._movements if m.id == movement_id), None)
        if movement is not None:
            track = Track((start_lat, start_lon), (end_lat, end_lon))
            self._send(lambda: commands.draw_track(movement, track))

    def _on_track_moved(self, movement_id: int, end: int, lat: float, lon: float) -> None:
        """A dragged end corrects the track; its bearing follows, all in one undo step."""
        movement = next((m for m in self._movements if m.id == movement_id), None)
        stored = movement.track if movement is not None else None
        if movement is None or stored is None:
            return
        start, finish = stored.start, stored.end
        if end == 0:
            start = (lat, lon)
        else:
            finish = (lat, lon)
        if start == finish:
            self.refresh()  # put the handle back where the case has it
            return
        track = Track(start, finish)
        self._send(lambda: commands.draw_track(movement, track, correct=True))

    def _set_mode(self, mode: str) -> None:
        changed = mode != self._mode
        self._mode = mode
        if mode != "track":
            self._track_for = None
        if hasattr(self, "place_button"):
            self.place_button.setChecked(mode == "place")
            self.pick_button.setChecked(mode == "pick")
        if hasattr(self, "ruler_button"):
            self.ruler_button.setChecked(mode == measure.RULER)
            self.area_button.setChecked(mode == measure.AREA)
            self._escape.setEnabled(mode in (measure.RULER, measure.AREA))
        if self._loaded:
            self.view.set_mode(mode)
        if changed and hasattr(self, "measure"):
            if mode in (measure.RULER, measure.AREA):
                self.measure.start(mode)
            else:
                self.measure.stop()
        if changed:
            self.modeChanged.emit(mode)

    # ----------------------------------------------------------------- measuring

    def toggle_measure(self, kind: str) -> None:
        """Turn the ruler or the area tool on (or off, when it is on). Nothing is saved."""
        if kind not in (measure.RULER, measure.AREA):
            raise ValueError(f"not a measuring tool: {kind!r}")
        on = self._mode != kind
        self._set_mode(kind if on else "none")
        if on:
            self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)  # so Esc reaches the map

    def _build_measure_keys(self) -> None:
        for key, kind in ((RULER_KEY, measure.RULER), (AREA_KEY, measure.AREA)):
            shortcut = QShortcut(QKeySequence(key), self)
            shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
            shortcut.activated.connect(lambda k=kind: self.toggle_measure(k))
        # Only while measuring, so it takes Esc from no one else (the frame's tools use it).
        self._escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), self)
        self._escape.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self._escape.setEnabled(False)
        self._escape.activated.connect(self.cancel_mode)

    # ----------------------------------------------------------------- search

    def _build_search_row(self) -> QHBoxLayout:
        row = QHBoxLayout()
        row.setContentsMargins(4, 4, 4, 0)
        self.search_field = QLineEdit()
        self.search_field.setPlaceholderText("Search a place (e.g. Kupiansk)")
        self.search_field.returnPressed.connect(self.search)
        self.search_button = QPushButton("Search")
        self.search_button.clicked.connect(self.search)
        self.search_results = QComboBox()
        self.search_results.setMinimumContentsLength(18)
        self.search_results.setVisible(False)
        self.search_results.activated.connect(self._show_search_result)
        # On its own line under the row, wrapped: a long message never squeezes the field.
        self.search_message = _plain_label(dim=True)
        self.search_message.setContentsMargins(6, 0, 6, 0)
        self.search_message.hide()  # until there is something to say
        row.addWidget(self.search_field, 2)
        row.addWidget(self.search_button)
        row.addWidget(self.search_results, 2)
        return row

    def _build_measure_buttons(self) -> QWidget:
        """Beside the form's tabs, where there is room: the search row is full already."""
        box = QWidget()
        row = QHBoxLayout(box)
        row.setContentsMargins(0, 0, 4, 2)
        row.setSpacing(4)
        self.ruler_button = QPushButton("Ruler")
        self.ruler_button.setCheckable(True)
        self.ruler_button.setToolTip(
            f"Measure distance and bearing between two points ({RULER_KEY}; Esc stops)."
            " Measurements are not saved in the case.")
        self.ruler_button.clicked.connect(lambda: self.toggle_measure(measure.RULER))
        self.area_button = QPushButton("Area")
        self.area_button.setCheckable(True)
        self.area_button.setToolTip(
            f"Measure an area: click its corners, double-click to close ({AREA_KEY};"
            " Esc stops). Measurements are not saved in the case.")
        self.area_button.clicked.connect(lambda: self.toggle_measure(measure.AREA))
        row.addWidget(self.ruler_button)
        row.addWidget(self.area_button)
        return box

    def search(self) -> None:
        """Look the place up off the UI thread; the message says which source answered."""
        query = self.search_field.text().strip()
        if not query:
            return
        self._search_token += 1
        token = ("search", self._search_token)
        online, url = self._search_online, self._geocoder_url
        self.search_message.setText("Searching…")
        self.search_message.show()
        self._run(token, lambda: geocode.search(query, online=online, endpoint=url))

    def _search_done(self, result: object, error: str = "") -> None:
        if error:
            log.warning("place search failed: %s", error)
            self.search_message.setText("The place search stopped before it found anything;"
                                        " try again.")
            return
        assert isinstance(result, geocode.SearchResult)
        self._places = list(result.places)
        self.search_message.setText(result.message)
        self.search_results.clear()
        for place in self._places:
            text = f"{place.name} ({place.detail})" if place.detail else place.name
            self.search_results.addItem(text)
        self.search_results.setVisible(bool(self._places))
        if self._places:
            self._show_search_result(0)

    def _show_search_result(self, index: int) -> None:
        if not 0 <= index < len(self._places):
            return
        place = self._places[index]
        self.view.show_place(place.lat, place.lon, place.name)
        # Ready to become a landmark with one click on "Add landmark".
        self.landmark_name.setText(place.name)
        self.landmark_position.setText(f"{place.lat:.6f}, {place.lon:.6f}")

    # ----------------------------------------------------------------- workers

    def _run(self, token: object, work: Callable[[], object]) -> None:
        job = self._jobs.run(lambda _control: work(), name="map lookup",
                             describe=lambda exc: one_line(exc) or type(exc).__name__)
        job.succeeded.connect(lambda result: self._task_done(token, result))
        job.failed.connect(lambda message: self._task_done(token, None, message))

    def _task_done(self, token: object, result: object, error: str = "") -> None:
        if token == ("search", self._search_token):
            self._search_done(result, error)
        elif token == self._where_token():
            self.where_label.setText(result if isinstance(result, str) else "")

    # ----------------------------------------------------------------- geolocation form

    def _build_geolocation_form(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(6, 6, 6, 6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.title_label = _plain_label()
        self.title_label.setStyleSheet("font-weight: bold;")
        form.addRow(self.title_label)
        self.hint_label = _plain_label(dim=True)
        form.addRow(self.hint_label)

        position_row = QHBoxLayout()
        self.position_field = QLineEdit()
        self.position_field.setPlaceholderText(
            "Paste coordinates or a map link: 49.71, 37.61 · 49°42'36\"N 37°36'54\"E")
        self.position_field.returnPressed.connect(self._commit_position)
        self.place_button = QPushButton("Place by clicking")
        self.place_button.setCheckable(True)
        self.place_button.setToolTip("Then click the map where the camera stood")
        self.place_button.toggled.connect(
            lambda on: self._set_mode("place" if on else "none") if on != (self._mode == "place")
            else None)
        position_row.addWidget(self.position_field, 1)
        position_row.addWidget(self.place_button)
        form.addRow("Position", position_row)
        self.position_error = _plain_label()
        self.position_error.setStyleSheet(_ERROR_STYLE)
        self.position_error.setVisible(False)
        form.addRow(self.position_error)

        numbers = QHBoxLayout()
        self.precision_spin = QDoubleSpinBox()
        self.precision_spin.setRange(1, 100_000)  # the core refuses 0 m
        self.precision_spin.setDecimals(0)
        self.precision_spin.setSuffix(" m")
        self.precision_spin.setToolTip("How far the true position may be from the point (±)")
        self.heading_spin = QDoubleSpinBox()
        self.heading_spin.setRange(-1, 359.9)
        self.heading_spin.setDecimals(1)
        self.heading_spin.setSuffix("°")
        self.heading_spin.setSpecialValueText("not set")
        self.heading_spin.setToolTip("Where the camera looks: degrees clockwise from true north")
        self.fov_spin = QDoubleSpinBox()
        self.fov_spin.setRange(0, 179)
        self.fov_spin.setDecimals(1)
        self.fov_spin.setSuffix("°")
        self.fov_spin.setSpecialValueText("not set")
        self.fov_spin.setToolTip("Horizontal field of view of the frame")
        for spin in (self.precision_spin, self.heading_spin, self.fov_spin):
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._form_numbers_changed)
            spin.editingFinished.connect(self._commit_form_numbers)
        # Two short rows rather than one long one: the map shares the centre with the frame.
        numbers.addWidget(QLabel("Heading"))
        numbers.addWidget(self.heading_spin, 1)
        numbers.addWidget(QLabel("FOV"))
        numbers.addWidget(self.fov_spin, 1)
        form.addRow("View", numbers)

        self.confidence_combo = QComboBox()
        for value in (Confidence.HIGH, Confidence.MODERATE, Confidence.LOW):
            self.confidence_combo.addItem(value.value.capitalize(), value.value)
        self.confidence_combo.activated.connect(self._commit_confidence)
        self.method_field = TextField(lines=2)  # a method is often a sentence or two
        self.method_field.setObjectName("MethodField")
        self.method_field.setPlaceholderText(
            "How it was found, e.g. matched TV tower and roofline against 2020 drone footage")
        self.method_field.editingFinished.connect(self._commit_method)
        # Each on its own row: side by side they squeezed the confidence to "Moderat" on a
        # 1366 px laptop screen.
        precision_row = QHBoxLayout()
        precision_row.addWidget(QLabel("±"))
        precision_row.addWidget(self.precision_spin, 1)
        form.addRow("Precision", precision_row)
        form.addRow("Confidence", self.confidence_combo)
        form.addRow("Method", self.method_field)

        self.where_label = _plain_label(dim=True)
        self.claim_label = _plain_label(dim=True)
        form.addRow("Where", self.where_label)
        form.addRow("Metadata", self.claim_label)
        self.remove_button = QPushButton("Remove geolocation")
        self.remove_button.clicked.connect(self._remove_geolocation)
        form.addRow(self.remove_button)
        chain_tab_order(self.position_field, self.place_button, self.heading_spin,
                        self.fov_spin, self.precision_spin, self.confidence_combo,
                        self.method_field, self.remove_button)
        return page

    def _fill_form(self) -> None:
        """Show the selected frame's geolocation in the form (without saving anything)."""
        self._filling = True
        try:
            self._commit_timer.stop()
            eid = self._selected
            item = self._items.get(eid) if eid is not None else None
            location = self._geos.get(eid) if eid is not None else None
            editable = location is not None
            self.title_label.setText(item.name if item else "No frame selected")
            if item is None:
                self.hint_label.setText("Select a frame in the evidence list or on the map.")
            elif location is None:
                self.hint_label.setText("Not geolocated yet: click the map where the camera"
                                        " stood, or paste its coordinates.")
            else:
                self.hint_label.setText("Drag the camera to adjust; drag the yellow handle to"
                                        " turn it, the white ones to widen the view.")
            self.position_field.setEnabled(item is not None)
            self.place_button.setEnabled(item is not None)
            if not self.position_field.hasFocus() or item is None:
                self.position_field.setText(
                    f"{location.lat:.6f}, {location.lon:.6f}" if location else "")
                self.position_field.setCursorPosition(0)
            self.position_error.setVisible(False)
            for widget in (self.precision_spin, self.heading_spin, self.fov_spin,
                           self.confidence_combo, self.method_field, self.remove_button):
                widget.setEnabled(editable)
            self.precision_spin.setValue(location.precision_m if location else 0)
            self.heading_spin.setValue(
                location.heading if location and location.heading is not None else -1)
            self.fov_spin.setValue(location.fov if location and location.fov is not None else 0)
            self.confidence_combo.setCurrentIndex(max(0, self.confidence_combo.findData(
                str(location.confidence) if location else Confidence.MODERATE.value)))
            if not self.method_field.hasFocus() or location is None:
                self.method_field.show_value(location.method if location else "")
            self.claim_label.setText(self._claim_text(item, location))
            self.where_label.setText("…" if location else "")
            if location is not None:
                lat, lon = location.lat, location.lon
                self._run(self._where_token(), lambda: geocode.reverse_label(lat, lon))
        finally:
            self._filling = False

    def _where_token(self) -> tuple[object, ...]:
        location = self._geos.get(self._selected) if self._selected is not None else None
        if location is None:
            return ("where", None)
        return ("where", location.evidence_id, location.lat, location.lon)

    @staticmethod
    def _claim_text(item: scenes.Item | None, location: Geolocation | None) -> str:
        if item is None:
            return ""
        gps = item.gps
        if gps is None:
            return "No GPS position in the file's metadata."
        text = f"EXIF GPS claims {gps.lat:.6f}, {gps.lon:.6f}"
        if location is not None:
            from desk.core import geo

            gap = geo.distance_m((gps.lat, gps.lon), (location.lat, location.lon))
            text += f", {geo.format_distance(gap)} from the geolocated camera"
        return text + "."

    def _commit_position(self) -> None:
        if self._selected is None:
            return
        try:
            lat, lon = parse_coordinates(self.position_field.text())
        except ValueError as exc:
            self.position_error.setText(str(exc))
            self.position_error.setVisible(True)
            return
        self.position_error.setVisible(False)
        self._place_camera(self._selected, lat, lon)

    def _form_numbers_changed(self) -> None:
        if self._filling or self._selected not in self._geos:
            return
        location = self._form_location()
        if location is not None:
            self.view.preview(self._detail(location))
        self._commit_timer.start()

    def _form_location(self) -> Geolocation | None:
        if self._selected is None or self._selected not in self._geos:
            return None
        heading = self.heading_spin.value()
        fov = self.fov_spin.value()
        return dataclasses.replace(
            self._geos[self._selected],
            precision_m=float(self.precision_spin.value()),
            heading=None if heading < 0 else round(heading, 1),
            fov=None if fov < 1 else round(fov, 1),
        )

    def _commit_form_numbers(self) -> None:
        self._commit_timer.stop()
        if self._filling:
            return
        location = self._form_location()
        if location is None:
            return
        current = self._geos[location.evidence_id]
        view_changed = (location.heading, location.fov) != (current.heading, current.fov)
        precision_changed = location.precision_m != current.precision_m
        if not (view_changed or precision_changed):
            return

        def edit() -> Command:
            eid = location.evidence_id
            edits: list[Command] = []
            if view_changed:
                edits.append(commands.set_view(eid, location.heading, location.fov))
            if precision_changed:
                edits.append(commands.set_precision(eid, location.precision_m))
            if len(edits) == 1:
                return edits[0]
            return commands.Batch(tuple(edits), commands.SET_VIEW.undo_text)

        self._send(edit)

    def _commit_confidence(self) -> None:
        value = self.confidence_combo.currentData()
        location = self._geos.get(self._selected) if self._selected is not None else None
        if location is not None and value != str(location.confidence):
            eid = location.evidence_id
            self._send(lambda: commands.set_geolocation_confidence(eid, str(value)))

    def _commit_method(self) -> None:
        location = self._geos.get(self._selected) if self._selected is not None else None
        text = self.method_field.text().strip()
        if location is not None and text != location.method:
            eid = location.evidence_id
            self._send(lambda: commands.describe_method(eid, text))

    def _remove_geolocation(self) -> None:
        eid = self._geolocated()
        if eid is not None:
            self._send(lambda: commands.clear_geolocation(eid))

    # ----------------------------------------------------------------- landmark form

    def _build_landmark_form(self) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        form.setContentsMargins(6, 6, 6, 6)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.landmark_name = QLineEdit()
        self.landmark_name.setPlaceholderText("e.g. TV mast")
        form.addRow("Name", self.landmark_name)
        row = QHBoxLayout()
        self.landmark_position = QLineEdit()
        self.landmark_position.setPlaceholderText("Paste coordinates or a map link")
        self.pick_button = QPushButton("Pick on map")
        self.pick_button.setCheckable(True)
        self.pick_button.toggled.connect(
            lambda on: self._set_mode("pick" if on else "none") if on != (self._mode == "pick")
            else None)
        row.addWidget(self.landmark_position, 1)
        row.addWidget(self.pick_button)
        form.addRow("Position", row)
        self.landmark_kind = QLineEdit()
        self.landmark_kind.setPlaceholderText("e.g. tower, bridge, town centre")
        form.addRow("Kind", self.landmark_kind)
        self.landmark_reference = QCheckBox(
            "Reference point (movement is measured toward or away from it)")
        form.addRow(self.landmark_reference)
        self.landmark_error = _plain_label()
        self.landmark_error.setStyleSheet(_ERROR_STYLE)
        self.landmark_error.setVisible(False)
        form.addRow(self.landmark_error)
        self.add_landmark_button = QPushButton("Add landmark")
        self.add_landmark_button.clicked.connect(self.add_landmark)
        form.addRow(self.add_landmark_button)
        chain_tab_order(self.landmark_name, self.landmark_position, self.pick_button,
                        self.landmark_kind, self.landmark_reference, self.add_landmark_button)
        return page

    def add_landmark(self) -> None:
        """Add the landmark described in the form (undoable, logged)."""
        name = " ".join(self.landmark_name.text().split())
        error = ""
        lat = lon = 0.0
        if self._case is None:
            error = "Open a case first."
        elif not name:
            error = "Give the landmark a name."
        else:
            try:
                lat, lon = parse_coordinates(self.landmark_position.text())
            except ValueError as exc:
                error = str(exc)
        self.landmark_error.setText(error)
        self.landmark_error.setVisible(bool(error))
        case = self._case
        if error or case is None:
            return
        landmark = Landmark(0, name, lat, lon, kind=self.landmark_kind.text().strip(),
                            is_reference=self.landmark_reference.isChecked())
        # The core keeps one reference point: a ticked box takes the role from any other.
        self._send(lambda: commands.add_landmark(case, landmark), self.landmark_error)
        for field in (self.landmark_name, self.landmark_position, self.landmark_kind):
            field.clear()
        self.landmark_reference.setChecked(False)
