"""A case of many items opens with every row listed and thumbnails read only as they are seen.

Each item's thumbnail is one flat colour of its own, so the test can tell from the pixels of
the list which item's thumbnail is painted where. No times are asserted: the speed is
measured by bench/open_case.py.
"""

from __future__ import annotations

import hashlib
import io
import shutil
from pathlib import Path

import pytest
from PIL import Image
from PySide6.QtCore import QPoint
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView
from pytestqt.qtbot import QtBot

from desk.core.casefile import CaseFile
from desk.core.model import Metadata, Provenance
from desk.ui.evidence.evidence_list import PAD
from desk.ui.evidence.evidence_model import PAGE, THUMB_SIZE, SortKey
from desk.ui.shell.main_window import MainWindow
from tests.ui.test_main_window import open_case

ITEMS = 1200


def _colour(i: int) -> tuple[int, int, int]:
    """Item i's own colour (distinct for up to 1,200 items, steps of 15 and more)."""
    return (40 + i % 12 * 15, 40 + i // 12 % 10 * 17, 40 + i // 120 * 17)


def _jpeg(colour: tuple[int, int, int], size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG", quality=95)
    return out.getvalue()


@pytest.fixture(scope="module")
def many_items(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A case of ITEMS small stills, stored through the case's own API in one import."""
    path = tmp_path_factory.mktemp("many") / "many.deskcase"
    stills = [(i, _jpeg(_colour(i), (64, 36))) for i in range(ITEMS)]
    with CaseFile.create(path, "Many items") as case, \
            case.edit("import", [f"sha256:{hashlib.sha256(d).hexdigest()}" for _, d in stills],
                      {"files": ITEMS}) as conn:
        for i, data in stills:
            case.insert_evidence(
                conn, sha256=hashlib.sha256(data).hexdigest(), data=data, fmt="JPEG",
                width=64, height=36, metadata=Metadata(),
                provenance=Provenance(original_name=f"still-{ITEMS - i:05d}.jpg"),
                thumbnail=data, thumb_size=(64, 36))
    return path


@pytest.fixture
def many_path(many_items: Path, tmp_path: Path) -> Path:
    target = tmp_path / "many.deskcase"
    shutil.copyfile(many_items, target)
    return target


def _thumbnail_colour(window: MainWindow, row: int) -> QColor:
    """The colour painted at the middle of a row's thumbnail box, as the reviewer sees it."""
    view = window.evidence_list
    rect = view.visualRect(view.model().index(row, 0))
    centre = QPoint(rect.left() + PAD + 2 + THUMB_SIZE.width() // 2,
                    rect.top() + PAD + THUMB_SIZE.height() // 2)
    return view.viewport().grab().toImage().pixelColor(centre)


def _shows(window: MainWindow, row: int, item: int) -> bool:
    painted = _thumbnail_colour(window, row)
    return all(abs(a - b) <= 6 for a, b in zip(
        (painted.red(), painted.green(), painted.blue()), _colour(item), strict=True))


def _loaded(window: MainWindow) -> set[int]:
    model = window.model
    return {r for r in range(model.rowCount())
            if model.cached_thumbnail(model.evidence_id(r)) is not None}


def test_many_items_open_listed_with_thumbnails_read_as_they_come_into_view(
        qtbot: QtBot, window: MainWindow, many_path: Path) -> None:
    open_case(qtbot, window, many_path)
    assert window.model.rowCount() == ITEMS
    assert window.evidence_panel.count.text() == f"{ITEMS:,} items"
    assert window.position_label.text() == f"Item 1 of {ITEMS:,}"
    assert window.inspector.name.text() == f"still-{ITEMS:05d}.jpg"

    qtbot.waitUntil(lambda: _shows(window, 0, 0), timeout=5_000)
    first_page = _loaded(window)
    assert 0 in first_page
    assert len(first_page) <= 2 * PAGE  # the rows in view and a page read ahead, no more
    assert ITEMS - 1 not in first_page

    # Scrolled far down: those rows' thumbnails are read then, and painted.
    view = window.evidence_list
    far = ITEMS - 100
    view.scrollTo(view.model().index(far, 0), QAbstractItemView.ScrollHint.PositionAtTop)
    qtbot.waitUntil(lambda: _shows(window, far, far), timeout=5_000)
    assert len(_loaded(window)) <= 4 * PAGE
    assert window.model.cached_thumbnail(window.model.evidence_id(far)) is not None


def test_a_large_list_sorts_filters_and_returns_to_import_order(
        qtbot: QtBot, window: MainWindow, many_path: Path) -> None:
    open_case(qtbot, window, many_path)
    panel = window.evidence_panel
    proxy = panel.proxy

    def first_name() -> str:
        return str(proxy.index(0, 0).data())

    assert first_name() == f"still-{ITEMS:05d}.jpg"  # import order
    panel.sort.setCurrentIndex(panel.sort.findData(SortKey.NAME))
    assert first_name() == "still-00001.jpg"
    panel.sort.setCurrentIndex(panel.sort.findData(SortKey.IMPORTED))
    assert first_name() == f"still-{ITEMS:05d}.jpg"
    assert [proxy.mapToSource(proxy.index(r, 0)).row() for r in range(5)] == list(range(5))

    panel.search.setText("still-0000")
    assert proxy.rowCount() == 9
    assert panel.count.text() == f"9 of {ITEMS:,}"
    panel.search.clear()
    assert proxy.rowCount() == ITEMS
    # The list is in import order again, and its rows are painted with their thumbnails.
    window.evidence_list.scrollToTop()
    qtbot.waitUntil(lambda: _shows(window, 0, 0) and _shows(window, 3, 3), timeout=5_000)
