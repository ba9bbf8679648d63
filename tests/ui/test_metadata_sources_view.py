"""The inspector says where each date, place and camera field was read, labels the save time as
not a capture time, and says when an item's sources were never read."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from desk.core.model import Evidence, Flag, Metadata, Provenance, Reading
from desk.ui.common.undo import CaseUndoStack
from desk.ui.evidence.inspector import Inspector


def _item(metadata: Metadata) -> Evidence:
    return Evidence(1, "ab" * 32, 10, "jpeg", 4, 3, metadata, Provenance("a.jpg"), "2025-01-01")


def _texts(inspector: Inspector) -> list[str]:
    view = inspector.sources_view
    return [label.text() for label in view.findChildren(QLabel) if label.isVisibleTo(view)]


def test_each_reading_shows_with_its_source_and_the_save_time_is_labelled(
        qtbot: QtBot) -> None:
    inspector = Inspector(CaseUndoStack())
    qtbot.addWidget(inspector)
    metadata = Metadata(
        captured_at="2022-03-01T08:14:00", captured_at_source="EXIF DateTimeOriginal",
        saved_at="2022-03-05T10:00:00", saved_at_source="IFD0 DateTime", sources_read=True,
        flags=(Flag("capture_sources_disagree", "Capture-time sources disagree: EXIF"
                    " DateTimeOriginal says 2022-03-01 08:14, XMP CreateDate says 2021-11-30"
                    " 19:02."),),
        readings=(Reading("captured_at", "2022-03-01T08:14:00", "EXIF DateTimeOriginal", True),
                  Reading("captured_at", "2021-11-30T19:02:00", "XMP CreateDate"),
                  Reading("saved_at", "2022-03-05T10:00:00", "IFD0 DateTime", True),
                  Reading("make", "<b>Canon</b>", "IFD0 Make", True)))
    inspector.set_evidence(_item(metadata))
    inspector.show()
    texts = _texts(inspector)
    assert texts[:3] == ["SOURCES", "Captured", "2022-03-01 08:14:00"]
    assert "EXIF DateTimeOriginal" in texts and "XMP CreateDate" in texts
    assert "Saved (not captured)" in texts
    assert texts[texts.index("Saved (not captured)") + 1] == "2022-03-05 10:00:00"
    assert "<b>Canon</b>" in texts  # the file's text, shown literally
    titles = [label.text() for label in inspector.findChildren(QLabel)
              if label.isVisibleTo(inspector)]
    assert "Capture times disagree" in titles


def test_an_item_imported_before_desk_1_5_says_its_sources_were_not_read(qtbot: QtBot) -> None:
    inspector = Inspector(CaseUndoStack())
    qtbot.addWidget(inspector)
    inspector.set_evidence(_item(Metadata(captured_at="2022-03-01T08:14:00")))
    inspector.show()
    assert _texts(inspector) == ["SOURCES",
                                 "XMP, IPTC and maker notes not read: imported before desk 1.5."]
    inspector.set_evidence(_item(Metadata(sources_read=True)))
    assert _texts(inspector) == ["SOURCES", "The file states no date, place or camera."]
