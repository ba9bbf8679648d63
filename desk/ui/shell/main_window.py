"""The desk window: evidence list, frame and map side by side, inspector, around one case.

The window holds the GUI thread's CaseFile and nothing else of the case: every view renders
from it and every edit goes through the undo stack as a core command, committed when made
(there is no Save). Long work (import, save copy) runs in workers on their own connections.
The map (Qt WebEngine) is created a moment after the first case opens, so the list and the
frame appear first.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import (
    QAction,
    QActionGroup,
    QCloseEvent,
    QColor,
    QDragEnterEvent,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QFont,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desk.core.samples import sample_cases, working_copy
from desk.ui.claims.claims_mode import ClaimsMode
from desk.ui.common import dialogs, icons, theme
from desk.ui.common.fields import DateField
from desk.ui.common.undo import CaseUndoStack
from desk.ui.common.workers import Job, Jobs, on_case
from desk.ui.evidence.evidence_list import EvidencePanel
from desk.ui.evidence.evidence_model import EvidenceModel
from desk.ui.evidence.import_panel import ImportPanel
from desk.ui.evidence.inspector import Inspector
from desk.ui.frame.forensics_view import ForensicsPanel
from desk.ui.frame.frame_annotations import HORIZON, MOVEMENT, PAN, SHADOW
from desk.ui.frame.frame_view import FrameView
from desk.ui.frame.movement_panel import MovementPanel
from desk.ui.frame.reverse_search_dialog import ReverseSearch, view_region
from desk.ui.frame.shadow_panel import ShadowPanel
from desk.ui.shell import settings
from desk.ui.shell.welcome import WelcomePanel
from desk.ui.video.video_view import VideoView

if TYPE_CHECKING:
    from PySide6.QtCore import QMimeData

    from desk.core.casefile import CaseFile
    from desk.core.intake import IntakeItem, IntakeReport
    from desk.core.model import Evidence
    from desk.core.video_frames import FrameRequest
    from desk.ui.common.workers import Control
    from desk.ui.map.map_panel import MapPanel
    from desk.ui.shell.verify_dialog import VerifyDialog
    from desk.ui.video.video_view import Taker

APP_NAME = "desk"
#: While an import runs, the list takes in newly stored items at most this often (seconds).
SYNC_INTERVAL_S = 1.0
#: The map starts this long after a case opens, once the list and the frame are on screen.
MAP_DELAY_MS = 350
#: How long after a writable case opens the parser workers start (see `isolation.LANES`).
WARM_PARSERS_MS = 3000


def local_paths(mime: QMimeData) -> list[Path]:
    """Local files and folders in a drag; text, web links and the like are not imports."""
    if not mime.hasUrls():
        return []
    return [Path(url.toLocalFile()) for url in mime.urls() if url.isLocalFile()
            and url.toLocalFile()]


class DropOverlay(QWidget):
    """A translucent hint over the window while files are dragged onto it."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.text = ""
        self.hide()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        fill = QColor(theme.CANVAS)
        fill.setAlpha(210)
        painter.fillRect(self.rect(), fill)
        pen = QPen(QColor(theme.ACCENT), 2, Qt.PenStyle.DashLine)
        painter.setPen(pen)
        painter.drawRoundedRect(self.rect().adjusted(16, 16, -16, -16), 12, 12)
        icon_rect = QRect(0, 0, 56, 56)
        icon_rect.moveCenter(self.rect().center())
        icon_rect.translate(0, -36)
        icons.icon("import", theme.ACCENT).paint(painter, icon_rect)
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * 1.4)
        font.setWeight(QFont.Weight.DemiBold)
        painter.setFont(font)
        painter.setPen(QColor(theme.TEXT))
        painter.drawText(self.rect().adjusted(40, 60, -40, 0), Qt.AlignmentFlag.AlignCenter,
                         self.text)
        painter.end()


def key_sequences(shortcuts: Iterable[str | QKeySequence.StandardKey]) -> list[QKeySequence]:
    """Each key once, in the order given; a standard key brings all its platform bindings."""
    keys: list[QKeySequence] = []
    seen: set[str] = set()
    for shortcut in shortcuts:
        if isinstance(shortcut, QKeySequence.StandardKey):
            found = QKeySequence.keyBindings(shortcut)
        else:
            found = [QKeySequence(shortcut)]
        for key in found:
            text = key.toString(QKeySequence.SequenceFormat.PortableText)
            if text and text not in seen:
                seen.add(text)
                keys.append(key)
    return keys


class WindowKeys(QObject):
    """Lets some window shortcuts through while a text field has the keyboard.

    A focused field is asked first about every key (ShortcutOverride) and claims the ones it
    edits with, Ctrl+E among them; for these actions the field is not asked, so the shortcut
    works wherever the cursor is. Only the focused field of the window carries the filter.
    """

    def __init__(self, window: QWidget, actions: Iterable[QAction]) -> None:
        super().__init__(window)
        self._window = window
        self.keys = {key[0].toCombined() for action in actions for key in action.shortcuts()
                     if not key.isEmpty()}
        self._watched: QWidget | None = None
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        watched = self._watched
        if watched is not None and shiboken_valid(watched):
            watched.removeEventFilter(self)
        self._watched = None
        if new is not None and new.window() is self._window:
            new.installEventFilter(self)
            self._watched = new

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if (event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.keyCombination().toCombined() in self.keys):
            event.ignore()
            return True  # not the field's: the window's shortcut takes it
        return False


def shiboken_valid(widget: QObject) -> bool:
    import shiboken6

    return bool(shiboken6.isValid(widget))


class MainWindow(QMainWindow):
    caseOpened = Signal(object)  # noqa: N815 - Path of the case now open
    caseClosed = Signal()  # noqa: N815
    importFinished = Signal(object)  # noqa: N815 - the IntakeReport (cancelled or not)
    copySaved = Signal(object)  # noqa: N815 - Path of a copy made by Save Copy As
    #: An import writes the case (True) or has ended (False): the team sync waits for it.
    importRunning = Signal(bool)  # noqa: N815

    def __init__(self, parent: QWidget | None = None, *,
                 map_options: Mapping[str, Any] | None = None,
                 map_delay_ms: int | None = MAP_DELAY_MS) -> None:
        """`map_options` go to MapPanel (tests pass offline base layers); `map_delay_ms`
        None creates the map only when asked for (Show Map, Draw on map, `ensure_map`)."""
        super().__init__(parent)
        self.setObjectName("MainWindow")
        self.case: CaseFile | None = None
        self.map_panel: MapPanel | None = None
        self._map_options = dict(map_options or {})
        self._map_delay_ms = map_delay_ms
        self.jobs = Jobs(self)  # import and save copy, on their own connections
        self._import: Job | None = None
        self._last_sync = 0.0

        self.undo_stack = CaseUndoStack(self)
        self.model = EvidenceModel(self)
        self.evidence_panel = EvidencePanel(self.model)
        self.evidence_list = self.evidence_panel.list
        self.frame_view = FrameView()
        self.frame_view.annotator.set_push(self.undo_stack.push_command)
        self.video_view = VideoView()  # a video item: the player, in the frame's place
        self.video_view.setMinimumWidth(240)
        self.inspector = Inspector(self.undo_stack)
        self.movement_panel = MovementPanel(self.undo_stack.push_command)
        self.inspector.tabs.addTab(self.movement_panel, "Movement")
        self.shadow_panel = ShadowPanel(self.undo_stack.push_command)  # shadows: when
        self.inspector.tabs.addTab(self.shadow_panel, "Sun")
        self.forensics_panel = ForensicsPanel(self.frame_view)
        self.inspector.tabs.addTab(self.forensics_panel, "Forensics")
        self.video_info_panel = self.video_view.detach_info_panel()  # a video's claims
        self.inspector.tabs.addTab(self.video_info_panel, "Video")
        self._show_video_tab(False)
        self.inspector.name_tabs()
        self.inspector.similar_items.itemChosen.connect(self._select_from_map)
        self.reverse_search = ReverseSearch(self)
        self.import_panel = ImportPanel()
        self.welcome = WelcomePanel()

        # The frame and the map side by side: geolocating and reading movement compare them.
        self.map_holder = QWidget()
        self.map_holder.setObjectName("MapHolder")
        self.map_holder.setMinimumWidth(280)
        self._map_layout = QVBoxLayout(self.map_holder)
        self._map_layout.setContentsMargins(0, 0, 0, 0)
        self.map_placeholder = QLabel("The map opens in a moment…")
        self.map_placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.map_placeholder.setProperty("role", "dim")
        self._map_layout.addWidget(self.map_placeholder)
        self._map_timer = QTimer(self, singleShot=True)
        self._map_timer.timeout.connect(self._start_map)
        # Parser workers start a few seconds after a writable case opens (not during its
        # first paint), so the reviewer's first import does not wait for them.
        self._warm_timer = QTimer(self, singleShot=True, interval=WARM_PARSERS_MS)
        self._warm_timer.timeout.connect(self._warm_parsers)
        self.centre_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.centre_splitter.setObjectName("CentreSplitter")
        self.centre_stack = QStackedWidget()  # the still's frame, or the video player
        self.centre_stack.addWidget(self.frame_view)
        self.centre_stack.addWidget(self.video_view)
        self.centre_splitter.addWidget(self.centre_stack)
        self.centre_splitter.addWidget(self.map_holder)
        self.centre_splitter.setChildrenCollapsible(False)
        self.centre_splitter.setStretchFactor(0, 1)
        self.centre_splitter.setStretchFactor(1, 1)
        self.centre_splitter.setSizes([450, 390])

        # The import report stands under the list it fills, not under the frame and the map.
        self.evidence_column = QWidget()
        self.evidence_column.setObjectName("EvidenceColumn")
        left = QVBoxLayout(self.evidence_column)
        left.setContentsMargins(0, 0, 0, 0)
        left.setSpacing(0)
        left.addWidget(self.evidence_panel, 1)
        left.addWidget(self.import_panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("WorkspaceSplitter")
        self.splitter.addWidget(self.evidence_column)
        self.splitter.addWidget(self.centre_splitter)
        self.splitter.addWidget(self.inspector)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 0)
        self.evidence_panel.setMinimumWidth(220)
        self.inspector.setMinimumWidth(260)
        self.frame_view.setMinimumWidth(240)
        self.splitter.setSizes([250, 840, 330])
        self.workspace = QWidget()
        column = QVBoxLayout(self.workspace)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.claims_mode = ClaimsMode(  # Evidence | Claims & verdicts, export
            self.undo_stack, self.model, self.evidence_list, self,
            case_opened=self.caseOpened, case_closed=self.caseClosed,
            show_evidence=self._select_from_map, commit_evidence=self.inspector.commit_pending)
        self.claims_mode.claimNamesChanged.connect(self.evidence_panel.set_claims)
        column.addWidget(self.claims_mode.bar)
        column.addWidget(self.claims_mode.stack(self.splitter), 1)
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.workspace)
        self.setCentralWidget(self.pages)
        self.overlay = DropOverlay(self)

        self._build_actions()
        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._connect()
        self.setAcceptDrops(True)
        self._restore_window()
        self._show_case_state()

    # ----------------------------------------------------------------- building

    def _action(self, text: str, slot: object, shortcuts: tuple[str | QKeySequence.StandardKey,
                ...] = (), icon: str = "", tip: str = "") -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(icons.icon(icon))
        keys = key_sequences(shortcuts)
        if keys:
            action.setShortcuts(keys)
        shortcut = keys[0].toString(QKeySequence.SequenceFormat.NativeText) if keys else ""
        action.setToolTip(f"{tip or text.rstrip('…')}" + (f" ({shortcut})" if shortcut else ""))
        action.setStatusTip(tip or text.rstrip("…"))
        action.triggered.connect(slot)
        self.addAction(action)  # shortcuts work even with the menu bar hidden
        return action

    def _build_actions(self) -> None:
        std = QKeySequence.StandardKey
        self.new_action = self._action("New Case…", self.new_case, (std.New,), "new",
                                       "Create a new case file")
        self.open_action = self._action("Open…", self.choose_and_open, (std.Open,), "open",
                                        "Open a case file")
        self.save_copy_action = self._action("Save Copy As…", self.save_copy_as,
                                             ("Ctrl+Shift+S",), "save_copy",
                                             "Save a complete copy of the case")
        self.verify_action = self._action(
            "Verify Case…", self.verify_case, ("Ctrl+Shift+V",), "",
            "Re-hash every original and check the custody log and the database")
        self.verify_dialog: VerifyDialog | None = None
        self.import_files_action = self._action("Import Files…", self.choose_and_import_files,
                                                ("Ctrl+I",), "import",
                                                "Import photos or stills into the case")
        self.import_folder_action = self._action("Import Folder…",
                                                 self.choose_and_import_folder,
                                                 ("Ctrl+Shift+I",), "",
                                                 "Import every image in a folder and below")
        self.close_action = self._action("Close Case", self.close_case, ("Ctrl+W",))
        self.quit_action = self._action("Quit", self.close, (std.Quit,))
        self.quit_action.setMenuRole(QAction.MenuRole.QuitRole)

        self.undo_action = self.undo_stack.createUndoAction(self, "Undo")
        self.undo_action.setShortcuts([QKeySequence(std.Undo)])
        self.undo_action.setIcon(icons.icon("undo"))
        self.redo_action = self.undo_stack.createRedoAction(self, "Redo")
        # Each key once: the platform's Redo often is Ctrl+Shift+Z itself, and a key bound
        # twice is "ambiguous" to Qt, which then fires neither.
        self.redo_action.setShortcuts(key_sequences(("Ctrl+Shift+Z", "Ctrl+Y", std.Redo)))
        self.redo_action.setIcon(icons.icon("redo"))
        for action in (self.undo_action, self.redo_action):
            self.addAction(action)
        self.copy_sha_action = self._action("Copy SHA-256", self.inspector.copy_sha256,
                                            ("Ctrl+Shift+C",), "copy",
                                            "Copy the SHA-256 of the selected original")
        self.find_action = self._action("Filter Evidence…", self._focus_search, (std.Find,))

        self.zoom_in_action = self._action("Zoom In", self.frame_view.zoom_in,
                                           (std.ZoomIn, "Ctrl+=", "+"), "zoom_in")
        self.zoom_out_action = self._action("Zoom Out", self.frame_view.zoom_out,
                                            (std.ZoomOut, "-"), "zoom_out")
        self.fit_action = self._action("Fit to Window", self.frame_view.fit, ("F", "Ctrl+0"),
                                       "fit")
        self.actual_size_action = self._action("Actual Size", self.frame_view.actual_size,
                                               ("Ctrl+1",), "actual", "Actual size (1:1)")
        self.region_action = self._action("Zoom to Region", self.frame_view.set_region_mode,
                                          ("Z",), "region",
                                          "Drag a rectangle to zoom to (or Shift+drag)")
        self.region_action.setCheckable(True)
        self.loupe_action = self._action(
            "Loupe", self.frame_view.loupe.set_shown, ("L",), "search",
            "Magnify the original's pixels under the cursor, with position and value (Esc)")
        self.loupe_action.setCheckable(True)
        self.forensics_action = self._action(
            "Forensic Aids", lambda: self.inspector.tabs.setCurrentWidget(self.forensics_panel),
            (), "", "Error level analysis, noise residual and levels of the selected item")
        self.reverse_search_action = self._action(
            "Reverse Image Search…", self.reverse_image_search, (), "search",
            "Search the web for the selected still, or the part in view; says first what"
            " would be sent")
        self.show_map_action = self._action("Show Map", self._toggle_map, ("Ctrl+M",), "map",
                                            "Show the map beside the frame")
        self.show_map_action.setCheckable(True)
        self.show_map_action.setChecked(settings.map_shown())
        self.tool_group = QActionGroup(self)
        self.tool_group.setExclusive(True)
        self.pan_tool_action = self._action("Pan and Select", lambda: self.set_tool(PAN),
                                            ("V",), "pointer",
                                            "Drag to pan; click an arrow or the horizon to"
                                            " select it")
        self.movement_tool_action = self._action(
            "Movement Arrow", lambda: self.set_tool(MOVEMENT), ("M",), "arrow_tool",
            "Drag on the frame from where something starts moving to where it goes")
        self.horizon_tool_action = self._action("Horizon", lambda: self.set_tool(HORIZON),
                                                ("H",), "horizon",
                                                "Drag along the horizon to mark it")
        self.shadow_tool_action = self._action(
            "Shadow", lambda: self.set_tool(SHADOW), ("S",), "shadow_tool",
            "Drag on the frame from the foot of an object to the tip of its shadow")
        for action in (self.pan_tool_action, self.movement_tool_action,
                       self.horizon_tool_action, self.shadow_tool_action):
            action.setCheckable(True)
            self.tool_group.addAction(action)
        self.pan_tool_action.setChecked(True)
        self.next_action = self._action("Next Evidence", lambda: self.evidence_list.step(1),
                                        ("J", "Ctrl+Down"), "next")
        self.previous_action = self._action("Previous Evidence",
                                            lambda: self.evidence_list.step(-1),
                                            ("K", "Ctrl+Up"), "previous")
        # Frame steps and taking frames act while a video is shown, wherever the focus is
        # (Home and End stay the player's own: the evidence list keeps its Home and End).
        for action in self.video_view.window_actions():
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
            self.addAction(action)
        # Keys that act on the window even while the reviewer types in a field (a text field
        # otherwise claims Ctrl+E, end of line, and may claim others).
        self.window_keys = WindowKeys(self, (
            self.claims_mode.export_action, self.claims_mode.evidence_mode_action,
            self.claims_mode.claims_mode_action, self.import_files_action,
            self.import_folder_action, self.show_map_action, self.save_copy_action,
            self.new_action, self.open_action, self.close_action, self.copy_sha_action))

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        file.addAction(self.new_action)
        file.addAction(self.open_action)
        self.recent_menu = file.addMenu("Open Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file.addSeparator()
        file.addAction(self.save_copy_action)
        file.addAction(self.claims_mode.export_action)
        file.addAction(self.verify_action)
        file.addSeparator()
        file.addAction(self.import_files_action)
        file.addAction(self.import_folder_action)
        file.addSeparator()
        from desk.ui.shell.geo_exchange import GeoExchange  # KML/GeoJSON out, landmarks in

        self.geo_exchange = GeoExchange(self)
        file.addActions(self.geo_exchange.actions())
        from desk.ui.shell.tile_packs import TilePacks  # offline imagery for the map

        self.tile_packs = TilePacks(self)
        file.addAction(self.tile_packs.add_action)
        from desk.ui.map.org_imagery import OrgImagery  # the organisation's tile server

        self.org_imagery = OrgImagery(self)
        file.addAction(self.org_imagery.save_area_action)
        file.addSeparator()
        file.addAction(self.close_action)
        file.addAction(self.quit_action)
        edit = bar.addMenu("&Edit")
        edit.addAction(self.undo_action)
        edit.addAction(self.redo_action)
        edit.addSeparator()
        edit.addAction(self.copy_sha_action)
        edit.addAction(self.find_action)
        edit.addSeparator()
        edit.addAction(self.org_imagery.settings_action)
        view = bar.addMenu("&View")
        for action in (self.zoom_in_action, self.zoom_out_action, self.fit_action,
                       self.actual_size_action, self.region_action, self.loupe_action):
            view.addAction(action)
        view.addSeparator()
        view.addAction(self.show_map_action)
        view.addAction(self.tile_packs.offline_action)
        from desk.ui.map.overlay_compare import OverlayCompare  # reference overlays

        self.overlay_compare = OverlayCompare(
            self, lambda create: self.ensure_map() if create and self.case is not None
            else self.map_panel)
        view.addActions(self.overlay_compare.compare_actions())
        view.addSeparator()
        view.addAction(self.next_action)
        view.addAction(self.previous_action)
        view.addAction(self.video_view.forward_action)
        view.addAction(self.video_view.back_action)
        view.addSeparator()
        view.addAction(self.claims_mode.evidence_mode_action)
        view.addAction(self.claims_mode.claims_mode_action)
        tools = bar.addMenu("&Tools")
        for action in (self.pan_tool_action, self.movement_tool_action,
                       self.horizon_tool_action, self.shadow_tool_action):
            tools.addAction(action)
        tools.addSeparator()
        tools.addAction(self.forensics_action)
        tools.addAction(self.reverse_search_action)
        tools.addAction(self.overlay_compare.place_action)
        tools.addSeparator()
        tools.addAction(self.video_view.take_frame_action)
        tools.addAction(self.video_view.take_frames_action)
        from desk.ui.team.team_desk import TeamDesk  # the team server, sync and sign-off

        self.team_desk = TeamDesk(self)
        team = bar.addMenu("T&eam")
        team.addActions(self.team_desk.actions())

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setObjectName("MainToolBar")
        bar.setMovable(False)
        bar.setFloatable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        bar.toggleViewAction().setEnabled(False)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, bar)
        bar.addAction(self.new_action)
        bar.addAction(self.open_action)
        bar.addSeparator()
        bar.addAction(self.import_files_action)
        import_button = bar.widgetForAction(self.import_files_action)
        if isinstance(import_button, QToolButton):
            import_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            import_button.setText("Import")
        bar.addSeparator()
        bar.addAction(self.undo_action)
        bar.addAction(self.redo_action)
        bar.addSeparator()
        for action in (self.zoom_out_action, self.zoom_in_action, self.fit_action,
                       self.actual_size_action, self.region_action):
            bar.addAction(action)
        bar.addSeparator()
        for action in (self.pan_tool_action, self.movement_tool_action,
                       self.horizon_tool_action, self.shadow_tool_action,
                       self.show_map_action):
            bar.addAction(action)
        bar.addSeparator()
        bar.addAction(self.previous_action)
        bar.addAction(self.next_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        bar.addWidget(spacer)
        self.case_label = QLabel()
        self.case_label.setTextFormat(Qt.TextFormat.PlainText)
        self.case_label.setStyleSheet("font-weight: 600; padding-right: 4px;")
        self.case_file_label = QLabel()
        self.case_file_label.setTextFormat(Qt.TextFormat.PlainText)
        self.case_file_label.setStyleSheet(f"color: {theme.TEXT_FAINT}; padding-right: 8px;")
        bar.addWidget(self.case_label)
        bar.addWidget(self.case_file_label)
        self.toolbar = bar

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        status.setSizeGripEnabled(False)
        self.position_label = QLabel()
        self.saved_icon = QLabel()
        self.saved_icon.setPixmap(icons.pixmap("ok", 14, theme.OK))
        self.saved_label = QLabel()
        self.saved_label.setTextFormat(Qt.TextFormat.PlainText)
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 6, 0)
        row.setSpacing(2)
        row.addWidget(self.saved_icon)
        row.addWidget(self.saved_label)
        status.addPermanentWidget(self.position_label)
        status.addPermanentWidget(holder)
        self.saved_holder = holder

    def _connect(self) -> None:
        self.evidence_list.currentEvidenceChanged.connect(self._show_evidence)
        self.undo_stack.applied.connect(self._on_applied)
        self.undo_stack.stepped.connect(self._on_history_step)
        self.undo_stack.failed.connect(
            lambda message: dialogs.show_error(self, "Change not saved", message))
        self.import_panel.cancelRequested.connect(self.cancel_import)
        self.import_panel.evidenceActivated.connect(self.evidence_list.select_evidence)
        self.welcome.newCase.connect(self.new_case)
        self.welcome.openCase.connect(self.choose_and_open)
        self.welcome.openPath.connect(self._open_recent)
        self.welcome.openSample.connect(self.open_sample)
        self.frame_view.zoomChanged.connect(self._leave_region_mode)
        self.evidence_panel.proxy.rowsInserted.connect(self._update_position)
        self.evidence_panel.proxy.rowsRemoved.connect(self._update_position)
        self.evidence_panel.proxy.layoutChanged.connect(self._update_position)
        annotator = self.frame_view.annotator
        annotator.movementSelected.connect(self._on_arrow_selected)
        annotator.message.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.movement_panel.movementSelected.connect(annotator.select)
        self.movement_panel.toolRequested.connect(self.set_tool)
        self.movement_panel.drawOnMapRequested.connect(self._draw_track_on_map)
        self.movement_panel.trackPlaced.connect(self._show_track_on_map)
        self.movement_panel.drawOnMapCancelled.connect(
            lambda: self.map_panel.cancel_mode() if self.map_panel is not None else None)
        annotator.shadowSelected.connect(self._on_shadow_selected)
        annotator.shadowPending.connect(self._on_shadow_pending)
        self.shadow_panel.shadowSelected.connect(annotator.select_shadow)
        self.shadow_panel.toolRequested.connect(self.set_tool)
        self.shadow_panel.pendingResolved.connect(lambda: annotator.set_pending(None))
        self.shadow_panel.answered.connect(self._show_sun_on_map)
        self.frame_view.toolChanged.connect(self._on_tool_changed)
        self.frame_view.loupe.shownChanged.connect(self.loupe_action.setChecked)
        self.video_view.framesTaken.connect(self._on_frames_taken)
        self.video_view.takeFinished.connect(self._take_in_new_items)
        self.video_view.takeFailed.connect(
            lambda message: dialogs.show_error(self, "Frames not taken", message))
        for source in (self.forensics_panel.message, self.reverse_search.message,
                       self.video_view.message):
            source.connect(lambda text: self.statusBar().showMessage(text, 8000))

    def _restore_window(self) -> None:
        self.map_holder.setVisible(self.show_map_action.isChecked())  # before the geometry
        geometry = settings.window_geometry()
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1400, 900)
        state = settings.window_state()
        if state is not None:
            self.restoreState(state)
        splitter = settings.splitter_state()
        if splitter is not None:
            self.splitter.restoreState(splitter)
        centre = settings.centre_splitter_state()
        if centre is not None:
            self.centre_splitter.restoreState(centre)

    # ----------------------------------------------------------------- case lifecycle

    def open_case(self, path: Path) -> bool:
        """Open a case (closing the current one); every refusal is a plain dialog."""
        from desk.core.casefile import CaseFile, CaseFileError

        path = Path(path)
        try:
            case = CaseFile.open(path)
        except CaseFileError as exc:
            dialogs.show_error(self, "Cannot open case", str(exc))
            return False
        except Exception as exc:  # a bad file must never show a traceback
            import logging

            logging.getLogger(__name__).warning("could not open %s", path, exc_info=exc)
            dialogs.show_error(self, "Cannot open case",
                               f"{path.name} could not be opened: desk cannot read it as a"
                               " case file. Nothing in it was changed.")
            return False
        self.close_case()
        self._set_case(case)
        settings.add_recent_case(path)
        self.caseOpened.emit(path)
        return True

    def _set_case(self, case: CaseFile) -> None:
        self.case = case
        self.undo_stack.set_case(case)
        self.model.set_device_pixel_ratio(self.devicePixelRatioF())
        self.model.set_case(case)
        self.evidence_panel.set_claims({c.id: c.text for c in case.list_claims()})
        self.inspector.set_read_only(case.read_only)
        self.inspector.set_evidence(None)
        self.movement_panel.set_case(case)
        self.shadow_panel.set_case(case)
        if self.map_panel is not None:
            self.map_panel.set_case(case)
        elif self._map_delay_ms is not None and self.show_map_action.isChecked():
            self._map_timer.start(self._map_delay_ms)
        self._show_case_state()
        if self.model.rowCount():
            self.evidence_list.select_row(0)
        self.evidence_list.setFocus()
        if not case.read_only:
            self._warm_timer.start()

    def reload_case(self) -> bool:
        """Read the open case again from its file, where it was: a team merge changed it
        underneath the views. Undo starts afresh (its steps were planned on the old rows)."""
        case = self.case
        if case is None:
            return False
        evidence_id = self.evidence_list.current_evidence_id()
        mode = self.claims_mode.mode
        claim_id = self.claims_mode.page.current_claim_id()
        if not self.open_case(case.path):
            return False
        if evidence_id is not None and self.model.row_of(evidence_id) is not None:
            self.evidence_list.select_evidence(evidence_id)
        self.claims_mode.set_mode(mode)
        if claim_id is not None:
            self.claims_mode.page.select_claim(claim_id)
        return True

    def _warm_parsers(self) -> None:
        if self.case is not None and not self.case.read_only:
            from desk.core.isolation import warm_parsers

            warm_parsers()

    def close_case(self) -> None:
        if self.case is None:
            return
        self.inspector.commit_pending()
        self.claims_mode.before_close()
        self._stop_import()
        self.evidence_list.selectionModel().clearCurrentIndex()
        self.frame_view.clear()
        self._show_video(None)
        self.inspector.set_evidence(None)
        self.undo_stack.set_case(None)
        self.movement_panel.set_case(None)
        self.shadow_panel.set_case(None)
        if self.map_panel is not None:
            self.map_panel.set_case(None)
        self.model.set_case(None)
        self.evidence_panel.set_claims({})
        self.evidence_panel.clear_filters()
        self.import_panel.hide()
        DateField.forget_typed()
        case, self.case = self.case, None
        case.close()
        self._show_case_state()
        self.caseClosed.emit()

    def _show_case_state(self) -> None:
        case = self.case
        has_case = case is not None
        writable = has_case and not case.read_only  # type: ignore[union-attr]
        for action in (self.save_copy_action, self.close_action, self.copy_sha_action,
                       self.find_action, self.zoom_in_action, self.zoom_out_action,
                       self.fit_action, self.actual_size_action, self.region_action,
                       self.loupe_action, self.next_action, self.previous_action,
                       self.pan_tool_action, self.forensics_action,
                       self.reverse_search_action, self.verify_action):
            action.setEnabled(has_case)
        for action in (self.import_files_action, self.import_folder_action,
                       self.movement_tool_action, self.horizon_tool_action,
                       self.shadow_tool_action):
            action.setEnabled(writable)
        if not writable and self.frame_view.tool != PAN:
            self.set_tool(PAN)
        if case is None:
            self.setWindowTitle(APP_NAME)
            self.case_label.clear()
            self.case_file_label.clear()
            self.saved_holder.hide()
            self.position_label.clear()
            self.welcome.set_recent(settings.recent_cases())
            self.welcome.set_samples(sample_cases())
            self.pages.setCurrentWidget(self.welcome)
            return
        suffix = " (read-only)" if case.read_only else ""
        self.setWindowTitle(f"{case.title}{suffix} — {APP_NAME}")
        self.case_label.setText(case.title)
        self.case_file_label.setText(case.path.name + suffix)
        self.saved_holder.show()
        if case.read_only:
            self.saved_icon.setPixmap(icons.pixmap("info", 14, theme.WARN))
            self.saved_label.setText(f"{case.path.name} is read-only: save a copy to edit")
        else:
            self.saved_icon.setPixmap(icons.pixmap("ok", 14, theme.OK))
            self.saved_label.setText(f"All changes saved to {case.path.name}")
        self.pages.setCurrentWidget(self.workspace)
        if not self.model.rowCount():
            self.frame_view.clear("This case has no evidence yet.\n\nDrop photos or folders"
                                  " anywhere on this window, or choose File › Import Files…"
                                  " (Ctrl+I).")
        self._update_position()

    def new_case(self) -> None:
        from desk.core.casefile import CaseFile, CaseFileError

        path = dialogs.choose_new_case_path(self, "New Case", self._start_folder())
        if path is None:
            return
        title = dialogs.ask_text(self, "New Case", "Title of the case:",
                                 path.stem.replace("_", " ").replace("-", " "))
        if title is None:
            return
        try:
            CaseFile.create(path, title.strip() or path.stem).close()
        except (CaseFileError, OSError) as exc:
            dialogs.show_error(self, "Cannot create case", str(exc))
            return
        self.open_case(path)

    def choose_and_open(self) -> None:
        path = dialogs.choose_case_to_open(self, self._start_folder())
        if path is not None:
            self.open_case(path)

    def _open_recent(self, path: Path) -> None:
        if not self.open_case(path) and not path.exists():
            settings.remove_recent_case(path)
            if self.case is None:
                self.welcome.set_recent(settings.recent_cases())

    def open_sample(self, sample: Path) -> None:
        try:
            copy = working_copy(sample)
        except OSError as exc:
            dialogs.show_error(self, "Cannot open sample case",
                               f"The sample could not be copied for you to work on: {exc}")
            return
        self.open_case(copy)

    def _fill_recent_menu(self) -> None:
        menu: QMenu = self.recent_menu
        menu.clear()
        recent = settings.recent_cases()
        for path in recent:
            action = menu.addAction(path.name.replace("&", "&&"))
            action.setToolTip(str(path))
            action.setEnabled(path.exists())
            action.triggered.connect(lambda _=False, p=path: self._open_recent(p))
        if not recent:
            menu.addAction("No recent cases").setEnabled(False)
        else:
            menu.addSeparator()
            menu.addAction("Clear Recent Cases", self._clear_recent)

    def _clear_recent(self) -> None:
        settings.clear_recent_cases()
        if self.case is None:
            self.welcome.set_recent([])

    def _start_folder(self) -> str:
        if self.case is not None:
            return str(self.case.path.parent)
        recent = settings.recent_cases()
        return str(recent[0].parent) if recent else str(Path.home())

    def save_copy_as(self) -> None:
        case = self.case
        if case is None:
            return
        target = dialogs.choose_new_case_path(self, "Save Copy As", str(case.path.parent))
        if target is None:
            return
        self.inspector.commit_pending()
        job = self.jobs.run(on_case(case.path, lambda c, _control: c.save_as(target)),
                            name="save copy")
        job.succeeded.connect(self._copy_saved)
        job.failed.connect(self._copy_failed)
        self.statusBar().showMessage(f"Saving a copy to {target.name}…")

    def verify_case(self) -> None:
        """File › Verify Case…: `desk verify` in a dialog, off the GUI thread (verify_dialog)."""
        from desk.ui.shell.verify_dialog import open_verify_dialog

        if self.case is not None:
            self.inspector.commit_pending()  # typed text is part of the case being checked
            self.verify_dialog = open_verify_dialog(self, self.case, self.verify_dialog,
                                                    self.caseClosed)

    def _copy_saved(self, path: Path) -> None:
        self.statusBar().showMessage(f"Saved a complete copy to {path}", 8000)
        self.copySaved.emit(path)

    def _copy_failed(self, message: str) -> None:
        self.statusBar().clearMessage()
        dialogs.show_error(self, "Copy not saved", message)

    # ----------------------------------------------------------------- evidence

    def _show_evidence(self, evidence_id: int | None) -> None:
        row = self.model.row_of(evidence_id) if evidence_id is not None else None
        if self.case is None or row is None:
            self.inspector.set_evidence(None)
            self.movement_panel.set_evidence(None)
            self.shadow_panel.set_evidence(None)
            self.forensics_panel.set_evidence(self.case, None)
            self._show_video(None)
            if self.case is not None and self.model.rowCount():
                self.frame_view.clear("Select an item in the list to view it.")
            if self.map_panel is not None:
                self.map_panel.show_evidence(None)
            self._update_position()
            return
        item = self.model.evidence(row)
        self.inspector.set_evidence(item)
        self._show_findings(item.id)
        video = item.kind == "video"
        self._show_video(item if video else None)
        if video:  # no still to draw on, analyse or decode as an image
            self.frame_view.clear()
        else:
            self.frame_view.show_evidence(self.case, item)
        self.movement_panel.set_evidence(None if video else item)
        self.shadow_panel.set_evidence(None if video else item)
        self.forensics_panel.set_evidence(self.case, None if video else item)
        if self.map_panel is not None:
            self.map_panel.show_evidence(item.id)
        self._update_position()

    def _show_video(self, item: Evidence | None) -> None:
        """A video item plays in the frame's place (its claims in the Video tab); anything
        else puts the still's frame view back."""
        case = self.case
        if item is None or case is None:
            if self.video_view.evidence_id is not None:
                self.video_view.close_video()
            self.centre_stack.setCurrentWidget(self.frame_view)
            self._show_video_tab(False)
            return
        from desk.core.video_intake import case_video_source

        self.centre_stack.setCurrentWidget(self.video_view)
        self._show_video_tab(True)
        if self.video_view.evidence_id != item.id:
            stored = case.video(item.id)
            self.video_view.open_video(case_video_source(case.path, item.id),
                                       table=stored.frame_table() if stored else None,
                                       name=item.name, evidence_id=item.id,
                                       key=item.sha256)
        self.video_view.set_taker(None if case.read_only else self._frame_taker(item.id))

    def _show_video_tab(self, shown: bool) -> None:
        tabs = self.inspector.tabs
        index = tabs.indexOf(self.video_info_panel)
        tabs.setTabVisible(index, shown)
        if not shown and tabs.currentIndex() == index:
            tabs.setCurrentIndex(0)

    def _frame_taker(self, video_id: int) -> Taker:
        """Frames of a video taken into the case as stills (desk.core.video_intake), on the
        worker's own connection; a cancel keeps the frames stored so far."""
        from desk.core.video_intake import take_frames

        path = self.case.path if self.case is not None else Path()

        def take(request: FrameRequest, control: Control) -> Sequence[object]:
            taken: Sequence[object] = on_case(path, lambda case, ctl: take_frames(
                case, video_id, request, progress=lambda done, total: ctl.progress(done, total),
                cancel=ctl.cancelled))(control)
            return taken

        return take

    def _on_frames_taken(self, results: object) -> None:
        taken = list(results) if isinstance(results, Sequence) else []
        again = sum(1 for r in taken if getattr(r, "duplicate", False))
        new = len(taken) - again
        if new:
            text = f"Took {new:,} frame{'s as stills' if new != 1 else ' as a still'}"
            if again:
                text += f" ({again:,} taken before, not stored twice)"
        elif again:
            text = f"{again:,} frame{'s' if again != 1 else ''} taken before: not stored twice"
        else:
            text = "No frames taken"
        self.statusBar().showMessage(text, 10000)

    def _show_findings(self, evidence_id: int) -> None:
        case = self.case
        if case is None:
            return
        links = [link for link in case.claim_evidence() if link.evidence_id == evidence_id]
        texts = {c.id: c.text for c in case.list_claims()} if links else {}
        self.inspector.set_findings(
            case.geolocation(evidence_id),
            [(link.claim_id, texts.get(link.claim_id, ""), str(link.stance)) for link in links],
        )

    def _update_position(self, *_: object) -> None:
        if self.case is None:
            return
        index = self.evidence_list.currentIndex()
        shown = self.evidence_panel.proxy.rowCount()
        self.position_label.setText(f"Item {index.row() + 1:,} of {shown:,}"
                                    if index.isValid() else f"{shown:,} items")

    def _on_applied(self, command: object) -> None:
        """An edit, undo or redo reached the case: refresh only what shows what it touched
        (`commands.touched`): the items' rows, and the shown frame's annotations when the
        frame or the landmarks its arrows are measured against changed."""
        from desk.core.commands import touched

        changed = touched(command)
        ids = set(changed.evidence)
        if ids:
            self.model.refresh(ids)
        current = self.inspector.evidence
        if current is not None and current.id in ids:
            row = self.model.row_of(current.id)
            if row is not None:
                self.inspector.refresh_evidence(self.model.evidence(row))
                self._show_findings(current.id)
        shown = self.evidence_list.current_evidence_id()
        if changed.landmarks or (shown is not None and shown in ids):
            self.frame_view.annotator.refresh()
            self.movement_panel.refresh()
            self.shadow_panel.refresh()
        description = str(getattr(command, "description", "")) or "Change"
        self.statusBar().showMessage(
            f"{description[0].upper()}{description[1:]} — saved {time.strftime('%H:%M:%S')}",
            6000)

    def _on_history_step(self, verb: str, command: object, text: str) -> None:
        """Undo and redo may change what is out of sight (the other mode, another item):
        bring it into view and say in the status bar what changed, and where."""
        from desk.core.commands import touched
        from desk.ui.claims.claims_mode import CLAIMS, EVIDENCE

        changed = touched(command)
        step = f"{'Undone' if verb == 'undo' else 'Redone'}: {text or 'change'}"
        where = ""
        if changed.claims:
            claim_id = min(changed.claims)
            if self.claims_mode.mode != CLAIMS:
                self.claims_mode.set_mode(CLAIMS)
            self.claims_mode.page.select_claim(claim_id)
            where = f"claim #{claim_id}, in Claims & verdicts"
        elif changed.evidence:
            evidence_id = min(changed.evidence)
            if self.claims_mode.mode != EVIDENCE:
                self.claims_mode.set_mode(EVIDENCE)
            row = self.model.row_of(evidence_id)
            name = self.model.evidence(row).name if row is not None else f"item {evidence_id}"
            if self.evidence_list.current_evidence_id() != evidence_id:
                self._select_from_map(evidence_id)
            where = f"“{name}”, in Evidence"
        elif changed.landmarks:
            if self.claims_mode.mode != EVIDENCE:
                self.claims_mode.set_mode(EVIDENCE)
            where = "a landmark, on the map in Evidence"
        self.statusBar().showMessage(f"{step} — {where}" if where else step, 10000)

    def reverse_image_search(self) -> None:
        """Search engines for the selected still (or the part of it in view), on request."""
        item = self.inspector.evidence
        if self.case is None or item is None:
            return
        if item.kind == "video":
            dialogs.inform(self, "Reverse image search",
                           "A reverse image search sends a still. Take the frame you want to"
                           " search for (T): it becomes a still of the case, with the video"
                           " and frame it came from, and you can search for it.")
            return
        shown = self.frame_view.evidence_id == item.id
        self.reverse_search.start(self.case, item, view_region(self.frame_view) if shown
                                  else None)

    def _focus_search(self) -> None:
        self.evidence_panel.search.setFocus()
        self.evidence_panel.search.selectAll()

    def _leave_region_mode(self, zoom: float) -> None:
        """Zoom-to-region is a one-shot tool: any zoom (the region's included) ends it."""
        if self.region_action.isChecked():
            self.region_action.setChecked(False)
            self.frame_view.set_region_mode(False)

    # ----------------------------------------------------------------- map and movement

    def _start_map(self) -> None:
        """The delayed start (about 0.1 s of Qt WebEngine set-up on the GUI thread), unless
        the case was closed or the map hidden meanwhile."""
        if self.map_panel is None and self.case is not None and self.show_map_action.isChecked():
            self.ensure_map()

    def ensure_map(self) -> MapPanel:
        """The map panel, created now if it is not there yet (it loads Qt WebEngine)."""
        self._map_timer.stop()
        if self.map_panel is not None:
            return self.map_panel
        from desk.ui.map.map_panel import MapPanel

        panel = MapPanel(self.case, self.undo_stack.push_command, **self._map_options)
        panel.setObjectName("MapPanel")
        self.undo_stack.applied.connect(panel.refresh)  # edits, undo and redo alike
        panel.evidenceSelected.connect(self._select_from_map)
        panel.modeChanged.connect(self.movement_panel.set_map_mode)
        self._map_layout.removeWidget(self.map_placeholder)
        self.map_placeholder.hide()
        self._map_layout.addWidget(panel)
        self.map_panel = panel
        splitter = getattr(panel, "splitter", None)
        state = settings.map_splitter_state()
        if splitter is not None and (state is None or not splitter.restoreState(state)):
            # The map first: about two thirds of the pane for it, the rest for its forms.
            height = max(sum(splitter.sizes()), self.map_holder.height(), 400)
            splitter.setSizes([height * 2 // 3, height - height * 2 // 3])
        current = self.evidence_list.current_evidence_id()
        if current is not None:
            panel.show_evidence(current)
        if self.shadow_panel.evidence_id is not None:
            panel.set_chronolocation(self.shadow_panel.evidence_id, self.shadow_panel.answer)
        self.tile_packs.apply_offline()
        self.overlay_compare.apply()
        return panel

    def _dispose_map(self) -> None:
        """Close the web view before the app quits (Qt WebEngine crashes at exit otherwise)."""
        self._map_timer.stop()
        panel, self.map_panel = self.map_panel, None
        if panel is None:
            return
        splitter = getattr(panel, "splitter", None)
        if splitter is not None:
            settings.save_map_splitter(splitter.saveState())
        self.undo_stack.applied.disconnect(panel.refresh)
        panel.dispose()
        self._map_layout.removeWidget(panel)
        panel.hide()
        panel.deleteLater()
        self._map_layout.addWidget(self.map_placeholder)
        self.map_placeholder.show()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)

    def _toggle_map(self, shown: bool) -> None:
        self.map_holder.setVisible(shown)
        # Without the map the window may be narrower: every level must re-read its minimum.
        widget: QWidget | None = self.centre_splitter
        while widget is not None and widget is not self:
            widget.updateGeometry()
            widget = widget.parentWidget()
        layout = self.layout()
        if layout is not None:
            layout.activate()
        if shown and self.case is not None:
            self.ensure_map()

    def _select_from_map(self, evidence_id: int) -> None:
        """A point picked on the map selects its item in the list (clearing filters that
        hide it)."""
        if not self.evidence_list.select_evidence(evidence_id):
            self.evidence_panel.clear_filters()
            self.evidence_list.select_evidence(evidence_id)

    def set_tool(self, tool: str) -> None:
        """The frame's tool: pan and select, movement arrows or the horizon."""
        if tool != PAN and (self.case is None or self.case.read_only):
            tool = PAN
        if tool != PAN and self.region_action.isChecked():
            self.region_action.setChecked(False)
            self.frame_view.set_region_mode(False)
        self.frame_view.set_tool(tool)
        self._on_tool_changed(self.frame_view.tool)

    def _on_tool_changed(self, tool: str) -> None:
        action = {PAN: self.pan_tool_action, MOVEMENT: self.movement_tool_action,
                  HORIZON: self.horizon_tool_action, SHADOW: self.shadow_tool_action}[tool]
        action.setChecked(True)
        if tool == SHADOW:
            self.inspector.tabs.setCurrentWidget(self.shadow_panel)
            self.statusBar().showMessage("Drag from the foot of an object to the tip of its"
                                         " shadow; Esc to stop", 8000)
        elif tool != PAN:
            self.inspector.tabs.setCurrentWidget(self.movement_panel)
            self.statusBar().showMessage(
                "Drag from where the movement starts to where it goes; Esc to stop"
                if tool == MOVEMENT else
                "Drag along the horizon, left to right; Esc to stop", 8000)

    def _on_arrow_selected(self, movement_id: object) -> None:
        """An arrow was selected on the frame or in the Movement tab: show it everywhere."""
        if not isinstance(movement_id, int):
            return
        self.movement_panel.select_movement(movement_id)
        self.inspector.tabs.setCurrentWidget(self.movement_panel)
        self._show_track_on_map(movement_id)

    def _on_shadow_selected(self, shadow_id: object) -> None:
        if isinstance(shadow_id, int):
            self.shadow_panel.select_shadow(shadow_id)
            self.inspector.tabs.setCurrentWidget(self.shadow_panel)

    def _on_shadow_pending(self, ends: object) -> None:
        self.shadow_panel.set_pending(ends)
        if ends is not None:
            self.inspector.tabs.setCurrentWidget(self.shadow_panel)

    def _show_sun_on_map(self, evidence_id: int, answer: object) -> None:
        if self.map_panel is not None:
            self.map_panel.set_chronolocation(evidence_id, answer)

    def _show_track_on_map(self, movement_id: int) -> None:
        if self.map_panel is not None:
            self.map_panel.show_movement(movement_id)

    def _draw_track_on_map(self, movement_id: int) -> None:
        if not self.show_map_action.isChecked():
            self.show_map_action.setChecked(True)
            self._toggle_map(True)
        self.ensure_map().draw_track(movement_id)

    # ----------------------------------------------------------------- import

    @property
    def importing(self) -> bool:
        return self._import is not None

    def choose_and_import_files(self) -> None:
        if self.case is None:
            return
        paths = dialogs.choose_files_to_import(self, self._start_folder())
        if paths:
            self.import_paths(paths)

    def choose_and_import_folder(self) -> None:
        if self.case is None:
            return
        folder = dialogs.choose_folder_to_import(self, self._start_folder())
        if folder is not None:
            self.import_paths([folder])

    def import_paths(self, paths: list[Path]) -> bool:
        """Import files and folders (recursively) off the GUI thread; False if refused."""
        from desk.core.intake import import_files

        case = self.case
        if case is None:
            dialogs.inform(self, "No case open",
                           "Open or create a case first; files are imported into a case.")
            return False
        if case.read_only:
            dialogs.show_error(self, "Cannot import",
                               f"{case.path.name} is read-only: save a copy to add evidence.")
            return False
        if self._import is not None:
            dialogs.inform(self, "Import running",
                           "An import is already running. Wait for it to finish or cancel it,"
                           " then import these files.")
            return False
        job = Job(on_case(case.path, lambda c, control: import_files(
            c, paths, progress=control.progress, cancel=control.cancelled)), name="import")
        job.progressed.connect(self._on_import_progress)
        job.succeeded.connect(self._on_import_completed)
        job.failed.connect(self._on_import_failed)
        job.finished.connect(self._on_import_done)
        self._import = job
        self._last_sync = time.monotonic()
        if len(paths) == 1:
            what = f"“{paths[0].name}”" + (" (folder)" if paths[0].is_dir() else "")
        else:
            what = f"{len(paths):,} items"
        self.import_panel.start(what)
        self.statusBar().showMessage("Importing… you can keep working.")
        self.jobs.start(job)
        self.importRunning.emit(True)
        return True

    def cancel_import(self) -> None:
        if self._import is not None:
            self._import.cancel()
            self.statusBar().showMessage("Cancelling the import…")

    def _on_import_progress(self, done: int, total: int, item: IntakeItem) -> None:
        self.import_panel.add_progress(done, total, item)
        self.statusBar().showMessage(f"Importing: {done:,} of {total:,} files")
        if time.monotonic() - self._last_sync > SYNC_INTERVAL_S:
            self._last_sync = time.monotonic()
            self._take_in_new_items()

    def _on_import_completed(self, report: IntakeReport) -> None:
        self.import_panel.finish(report)
        self._take_in_new_items()
        # The reviewer looks at what came in: the first new item is selected, in view.
        first = next((i.evidence_id for i in report.imported if i.evidence_id is not None),
                     None)
        if first is not None and self.model.row_of(first) is not None:
            self._select_from_map(first)
            self.evidence_list.scrollTo(self.evidence_list.currentIndex())
        verb = ("Import stopped" if report.stopped else
                "Import cancelled" if report.cancelled else "Import finished")
        lost = f", {len(report.not_stored):,} not stored" if report.not_stored else ""
        self.statusBar().showMessage(
            f"{verb}: {len(report.imported):,} imported, {len(report.duplicates):,} duplicates,"
            f" {len(report.rejected):,} rejected{lost}", 10000)
        self.importFinished.emit(report)

    def _on_import_failed(self, message: str) -> None:
        self.import_panel.fail(message)
        self.statusBar().clearMessage()
        dialogs.show_error(self, "Import failed", message)

    def _on_import_done(self) -> None:
        self._import = None
        self.importRunning.emit(False)

    def _take_in_new_items(self) -> None:
        had_items = self.model.rowCount() > 0
        new = self.model.sync()
        if new and self.map_panel is not None:
            self.map_panel.refresh()
        if new and not had_items:
            self._show_case_state()
            self.evidence_list.select_evidence(new[0])

    def _stop_import(self) -> None:
        """Cancel a running import and wait for it (it stops between two files)."""
        job, self._import = self._import, None
        if job is not None:
            self.jobs.stop(job)

    # ----------------------------------------------------------------- drag and drop

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        if all(p.suffix == ".deskcase" for p in paths) and len(paths) == 1:
            self.overlay.text = f"Open {paths[0].name}"
        elif self.case is not None:
            self.overlay.text = f"Import into “{self.case.title}”"
        else:
            self.overlay.text = "Open or create a case to import files"
        self.overlay.setGeometry(self.centralWidget().geometry())
        self.overlay.raise_()
        self.overlay.show()
        event.acceptProposedAction()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # noqa: N802
        event.acceptProposedAction()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # noqa: N802
        self.overlay.hide()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        self.overlay.hide()
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        # Handle it after the drop returns: the drag source is waiting for the event to end.
        if len(paths) == 1 and paths[0].suffix == ".deskcase":
            QTimer.singleShot(0, lambda: self.open_case(paths[0]))
        else:
            QTimer.singleShot(0, lambda: self.import_paths(paths))

    # ----------------------------------------------------------------- window

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        settings.save_window(self.saveGeometry(), self.saveState(),
                             self.splitter.saveState())
        settings.save_map_layout(self.centre_splitter.saveState(),
                                 self.show_map_action.isChecked())
        self.close_case()
        self.team_desk.shutdown()  # a sync running stops after its current whole step
        self.jobs.shutdown()  # a copy being saved is finished first
        self.frame_view.shutdown()
        self.video_view.shutdown()
        self.shadow_panel.shutdown()
        self.forensics_panel.shutdown()
        self.reverse_search.shutdown()
        self._dispose_map()
        event.accept()

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802
        if event.type() == QEvent.Type.DevicePixelRatioChange:
            self.model.set_device_pixel_ratio(self.devicePixelRatioF())
        super().changeEvent(event)
