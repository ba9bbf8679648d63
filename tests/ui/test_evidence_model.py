"""The evidence model and its filter proxy: Qt's model contract, lazy thumbnails, filters."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from pytestqt.modeltest import ModelTester
from pytestqt.qtbot import QtBot

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.ui.evidence.evidence_model import EvidenceFilter, EvidenceModel, Role, SortKey, Tri
from tests.ui.conftest import HOSTILE_NAME


@pytest.fixture
def model(qtbot: QtBot, case: CaseFile) -> EvidenceModel:
    model = EvidenceModel()
    model.set_case(case)
    return model


@pytest.fixture
def proxy(model: EvidenceModel) -> EvidenceFilter:
    proxy = EvidenceFilter()
    proxy.setSourceModel(model)
    proxy.sort(0)
    return proxy


def names(proxy: EvidenceFilter) -> list[str]:
    return [proxy.index(r, 0).data() for r in range(proxy.rowCount())]


def test_model_and_proxy_pass_qtmodeltester(qtmodeltester: ModelTester, model: EvidenceModel,
                                            proxy: EvidenceFilter) -> None:
    qtmodeltester.check(model)
    proxy.set_gps(Tri.YES)
    proxy.set_sort_key(SortKey.CAPTURED)
    qtmodeltester.check(proxy)


def test_rows_carry_name_time_and_badges(model: EvidenceModel) -> None:
    rows = {model.index(r).data(): model.index(r) for r in range(model.rowCount())}
    assert set(rows) == {"road_gps.jpg", "stripped.jpg", "edited.jpg", HOSTILE_NAME,
                         "another_gps.jpg", "zz_late.jpg"}
    badge_text = {name: [b.text for b in index.data(Role.BADGES)] for name, index in rows.items()}
    assert badge_text["road_gps.jpg"] == ["GPS", "GEO"]
    assert "NO EXIF" in badge_text["stripped.jpg"]
    assert "EDITED" in badge_text["edited.jpg"]
    assert rows["road_gps.jpg"].data(Role.CAPTURED) == "2024-04-12 07:41"
    assert rows["stripped.jpg"].data(Role.FLAGGED) is True
    # A hostile name is data, and the tooltip escapes it so Qt cannot render it as markup.
    tooltip = rows[HOSTILE_NAME].data(Qt.ItemDataRole.ToolTipRole)
    assert "&lt;b&gt;bold&lt;b&gt;&lt;img src=x&gt;.jpg" in tooltip
    assert "<img" not in tooltip


def test_thumbnails_come_from_the_case_lazily_never_from_originals(
        qtbot: QtBot, model: EvidenceModel, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_originals(self: CaseFile, evidence_id: int) -> bytes:
        raise AssertionError("the list must not decode originals")

    monkeypatch.setattr(CaseFile, "original", no_originals)
    index = model.index(0)
    with qtbot.waitSignal(model.thumbnailsLoaded, timeout=5000) as loaded:
        assert index.data(Qt.ItemDataRole.DecorationRole) is None  # asked for, not yet read
    assert model.evidence(0).id in loaded.args[0]
    pixmap = index.data(Qt.ItemDataRole.DecorationRole)
    assert isinstance(pixmap, QPixmap) and not pixmap.isNull()
    assert pixmap.width() <= 104 and pixmap.height() <= 72


def test_filters_gps_geolocated_flagged_text_and_claim(proxy: EvidenceFilter,
                                                       case: CaseFile) -> None:
    assert proxy.rowCount() == 6
    proxy.set_gps(Tri.YES)
    assert sorted(names(proxy)) == ["another_gps.jpg", "road_gps.jpg"]
    proxy.set_gps(Tri.NO)
    assert len(names(proxy)) == 4
    proxy.set_gps(Tri.ANY)
    proxy.set_geolocated(Tri.YES)
    assert names(proxy) == ["road_gps.jpg"]
    proxy.set_geolocated(Tri.NO)
    assert "road_gps.jpg" not in names(proxy) and len(names(proxy)) == 5
    proxy.clear_filters()
    proxy.set_flagged_only(True)
    assert "stripped.jpg" in names(proxy) and "edited.jpg" in names(proxy)
    assert "road_gps.jpg" not in names(proxy)
    proxy.clear_filters()
    proxy.set_text("GPS")
    assert sorted(names(proxy)) == ["another_gps.jpg", "road_gps.jpg"]
    proxy.clear_filters()
    claim_id = case.list_claims()[0].id
    proxy.set_claim(claim_id)
    assert names(proxy) == ["edited.jpg"]
    assert proxy.is_filtering()


def test_sorting_by_name_and_capture_time(proxy: EvidenceFilter) -> None:
    proxy.set_sort_key(SortKey.NAME)
    assert names(proxy) == sorted(names(proxy), key=str.casefold)
    proxy.set_sort_key(SortKey.CAPTURED)
    ordered = names(proxy)
    assert ordered[:4] == ["another_gps.jpg", "road_gps.jpg", "edited.jpg", "zz_late.jpg"]
    proxy.set_sort_key(SortKey.FLAGGED)
    first = proxy.index(0, 0)
    assert first.data(Role.FLAGGED) is True


def test_refresh_after_an_edit_and_sync_after_an_import(qtbot: QtBot, model: EvidenceModel,
                                                        case: CaseFile, tmp_path) -> None:
    from desk.core.intake import import_files
    from tests.ui.images import make_jpeg

    item = model.evidence(1)
    commands.set_provenance(item.id, "platform", "Telegram").apply(case)
    with qtbot.waitSignal(model.dataChanged):
        model.refresh({item.id})
    assert model.evidence(1).provenance.platform == "Telegram"

    import_files(case, [make_jpeg(tmp_path / "new.jpg", seed=99)])
    with qtbot.waitSignal(model.rowsInserted):
        new_ids = model.sync()
    assert len(new_ids) == 1
    assert model.rowCount() == 7
    assert model.index(6).data() == "new.jpg"
