"""Edit › Settings…: the map's settings on this machine (the cache of tiles seen, and the
organisation's own tile server), every field reached by Tab and by its Alt+letter.

Nothing is saved until OK, and OK saves only settings that check out: a URL template that
cannot work is said in one plain line under the form and the dialog stays open, with what
the reviewer typed. The API key is masked (Show key reveals it while the box is ticked).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from desk.mapping.area_download import OrgServer, ServerSettingsError
from desk.ui.common.fields import chain_tab_order
from desk.ui.common.labels import plain_label
from desk.ui.map import map_settings

if TYPE_CHECKING:
    from desk.mapping.tile_cache import TileCache

_ERROR_STYLE = "color: #e06c75;"


class MapSettingsDialog(QDialog):
    """The settings form; `saved` is emitted after OK stored what it shows."""

    saved = Signal()

    def __init__(self, parent: QWidget | None = None, cache: TileCache | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self.setObjectName("MapSettingsDialog")
        self._cache = cache
        layout = QVBoxLayout(self)

        cache_box = QGroupBox("Map tile cache")
        cache_form = QFormLayout(cache_box)
        self.cache_spin = QSpinBox()
        self.cache_spin.setRange(map_settings.MIN_CACHE_MB, map_settings.MAX_CACHE_MB)
        self.cache_spin.setSingleStep(100)
        self.cache_spin.setSuffix(" MB")
        self.cache_spin.setAccessibleName("Tile cache size limit")
        self.cache_spin.setValue(map_settings.cache_limit_mb())
        cache_form.addRow(self._label("&Size limit", self.cache_spin), self.cache_spin)
        used = "" if cache is None else (f"In use: {cache.size_bytes / 2**20:,.1f} MB in"
                                         f" {len(cache):,} tiles. ")
        cache_form.addRow(plain_label(
            used + "Tiles the map fetched are kept so a view seen once shows offline; the"
            " least recently used go first.", wrap=True))
        layout.addWidget(cache_box)

        org_box = QGroupBox("Organisation tile server")
        form = QFormLayout(org_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.template_field = QLineEdit()
        self.template_field.setPlaceholderText("https://tiles.example.org/{z}/{x}/{y}.png")
        self.template_field.setMinimumWidth(380)
        self.template_field.setAccessibleName("URL template")
        form.addRow(self._label("&URL template", self.template_field), self.template_field)
        self.header_name_field = QLineEdit()
        self.header_name_field.setPlaceholderText("X-Api-Key (leave empty: no key)")
        self.header_name_field.setAccessibleName("API key header name")
        form.addRow(self._label("API key &header", self.header_name_field),
                    self.header_name_field)
        self.key_field = QLineEdit()
        self.key_field.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_field.setAccessibleName("API key")
        form.addRow(self._label("API &key", self.key_field), self.key_field)
        self.show_key = QCheckBox("Sho&w key")
        self.show_key.toggled.connect(lambda on: self.key_field.setEchoMode(
            QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password))
        form.addRow("", self.show_key)
        self.attribution_field = QLineEdit()
        self.attribution_field.setPlaceholderText("© Our imagery team, 2025")
        self.attribution_field.setAccessibleName("Attribution")
        form.addRow(self._label("&Attribution", self.attribution_field),
                    self.attribution_field)
        self.max_zoom_spin = QSpinBox()
        self.max_zoom_spin.setRange(0, 24)
        self.max_zoom_spin.setAccessibleName("Highest zoom")
        form.addRow(self._label("Highest &zoom", self.max_zoom_spin), self.max_zoom_spin)
        form.addRow(plain_label(
            "The map shows this server first and File › Save Area for Offline… saves parts"
            " of it as a tile pack. The key is kept in this machine's settings and sent only"
            " to this server; it never goes into a case, a dossier or a log.", wrap=True))
        layout.addWidget(org_box)

        self.error = plain_label(wrap=True)
        self.error.setStyleSheet(_ERROR_STYLE)
        self.error.hide()
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        chain_tab_order(self.cache_spin, self.template_field, self.header_name_field,
                        self.key_field, self.show_key, self.attribution_field,
                        self.max_zoom_spin, self.buttons)
        self._fill()

    @staticmethod
    def _label(text: str, buddy: QWidget) -> QLabel:
        label = QLabel(text)
        label.setBuddy(buddy)  # Alt+<letter> moves to the field
        return label

    def _fill(self) -> None:
        stored = map_settings.stored_fields()
        self.template_field.setText(stored["template"])
        self.header_name_field.setText(stored["header_name"])
        self.key_field.setText(stored["header_value"])
        self.attribution_field.setText(stored["attribution"])
        try:
            zoom = int(stored["max_zoom"] or 19)
        except ValueError:
            zoom = 19
        self.max_zoom_spin.setValue(max(0, min(24, zoom)))
        if stored["template"] and map_settings.org_server() is None:
            self._fail(self._problem() or "The stored tile server settings do not check out.")

    def _problem(self) -> str:
        try:
            self.server()
        except ServerSettingsError as exc:
            return str(exc)
        return ""

    def server(self) -> OrgServer | None:
        """The server the form describes (None: the template is empty); ServerSettingsError
        says what is wrong."""
        if not self.template_field.text().strip():
            if self.header_name_field.text().strip() or self.key_field.text().strip():
                raise ServerSettingsError("Give the tile server's URL template, or clear the"
                                          " API key as well.")
            return None
        return OrgServer(self.template_field.text(), self.header_name_field.text(),
                         self.key_field.text(), self.attribution_field.text(),
                         self.max_zoom_spin.value())

    def _fail(self, message: str) -> None:
        self.error.setText(message)
        self.error.setVisible(True)

    def save(self) -> None:
        """Store the form if it checks out and close; else say why and stay open."""
        try:
            server = self.server()
        except ServerSettingsError as exc:
            self._fail(str(exc))
            self.template_field.setFocus()
            return
        map_settings.set_cache_limit_mb(self.cache_spin.value())
        map_settings.save_org_server(server)
        self.error.hide()
        self.saved.emit()
        self.accept()
