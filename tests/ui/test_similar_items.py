"""Near-duplicates and content credentials in the window, as a reviewer meets them.

An original still, two re-posts of it (a quality-40 re-encode and a 3 % crop), another street
and a still signed with content credentials go into a case; the inspector lists the re-posts
under "Similar items", a click selects one, the list's filter shows the group, and the
credentials block says what the manifest says.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.core.intake import import_files
from desk.ui.shell.main_window import MainWindow
from tests.core import c2pa_signing as signing
from tests.core.scenes import cropped, jpeg, reencoded, street_scene
from tests.ui.test_main_window import open_case, select

HOSTILE_SIGNER = "<b>Signer</b><img src=x>"


@pytest.fixture
def reposts_case(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    image = street_scene(41)
    (folder / "1_original.jpg").write_bytes(jpeg(image))
    (folder / "2_requality.jpg").write_bytes(jpeg(reencoded(image, 40)))
    (folder / "3_crop.jpg").write_bytes(jpeg(cropped(image, 0.03)))
    (folder / "4_other_street.jpg").write_bytes(jpeg(street_scene(42)))
    chain = signing.make_chain(HOSTILE_SIGNER, "Agency")
    signing.trust(chain, Path(os.environ["DESK_CONFIG_DIR"]))
    signed, _ = signing.sign(jpeg(street_scene(43)), chain, signing.manifest(
        "<i>Editor</i>", "1.0", [{"action": "c2pa.created",
                                   "digitalSourceType": signing.AI_GENERATED},
                                  {"action": "c2pa.edited"}]))
    (folder / "5_signed.jpg").write_bytes(signed)
    path = tmp_path / "reposts.deskcase"
    with CaseFile.create(path, "reposts") as case:
        report = import_files(case, [folder])
        assert len(report.imported) == 5
    return path


def _similar_names(window: MainWindow) -> list[str]:
    similar = window.inspector.similar_items
    return [window.model.evidence(window.model.row_of(eid) or 0).name
            for eid in similar.shown_ids()]


def test_similar_items_lists_the_reposts_and_a_click_selects_one(
        qtbot: QtBot, window: MainWindow, reposts_case: Path) -> None:
    open_case(qtbot, window, reposts_case)
    select(qtbot, window, "1_original.jpg")
    similar = window.inspector.similar_items
    assert sorted(_similar_names(window)) == ["2_requality.jpg", "3_crop.jpg"]
    assert "This item is the earliest copy (by import order)" in similar.note.text()
    first = similar.list.item(0).text()
    assert "bits apart" in first or "bit apart" in first
    crop_row = next(i for i in range(similar.list.count())
                    if similar.list.item(i).text().startswith("3_crop.jpg"))
    rect = similar.list.visualItemRect(similar.list.item(crop_row))
    with qtbot.waitSignal(window.frame_view.frameShown, timeout=10_000):
        qtbot.mouseClick(similar.list.viewport(), Qt.MouseButton.LeftButton,
                         pos=rect.center())
    current = window.evidence_list.current_evidence_id()
    assert current is not None
    assert window.model.evidence(window.model.row_of(current) or 0).name == "3_crop.jpg"
    assert window.inspector.evidence is not None
    assert window.inspector.evidence.name == "3_crop.jpg"
    assert "1_original.jpg" in _similar_names(window)
    assert any("Earliest copy" in similar.list.item(i).text()
               for i in range(similar.list.count()))

    select(qtbot, window, "4_other_street.jpg")
    assert similar.shown_ids() == []
    assert similar.note.text() == "No near-duplicates of this item in the case."


def test_the_list_filter_shows_items_with_near_duplicates(
        qtbot: QtBot, window: MainWindow, reposts_case: Path) -> None:
    open_case(qtbot, window, reposts_case)
    panel = window.evidence_panel
    near = panel.near_duplicates
    near.rebuild()
    actions = {a.text(): a for a in near.menu.actions()}
    assert "Group of 1_original.jpg (3)" in actions
    actions["Items with near-duplicates"].setChecked(True)
    shown = sorted(panel.proxy.index(r, 0).data(Qt.ItemDataRole.DisplayRole) or ""
                   for r in range(panel.proxy.rowCount()))
    assert panel.proxy.rowCount() == 3, shown
    assert "Near-duplicates" in panel.filter_button.text()
    panel.clear_filters()
    assert panel.proxy.rowCount() == 5


def test_credentials_are_shown_as_plain_text_with_ai_marked(
        qtbot: QtBot, window: MainWindow, reposts_case: Path) -> None:
    open_case(qtbot, window, reposts_case)
    select(qtbot, window, "5_signed.jpg")
    view = window.inspector.credentials_view
    texts = view.texts()
    assert texts["state"].startswith("Content credentials present and valid")
    assert texts["signer"] == f"{HOSTILE_SIGNER} (Agency)"
    assert texts["generator"] == "<i>Editor</i> 1.0"
    assert texts["actions"] == "⚠ created — AI generated\nedited"
    assert view.values["signer"].textFormat() == Qt.TextFormat.PlainText
    assert view.state.textFormat() == Qt.TextFormat.PlainText
    select(qtbot, window, "4_other_street.jpg")
    assert view.texts() == {"state": "No content credentials — common, neutral: most files"
                            " carry none, and platforms strip them on upload."}
