"""Tile packs as a case refers to them: an audited, undoable edit, checked values, and a
machine's copy told apart from another pack by size and, on request, by hash."""

from __future__ import annotations

from pathlib import Path

import pytest

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.commands import CommandError
from desk.core.imagery import DIFFERENT, FOUND, MISSING, presence
from desk.mapping.tilepacks import TilePackError, reference_for
from tests.mapping.packs import every_tile, write_mbtiles


def test_adding_a_pack_is_one_undoable_audited_edit(case_path: Path, tmp_path: Path) -> None:
    ref = reference_for(write_mbtiles(tmp_path / "a.mbtiles", every_tile(1)))
    with CaseFile.create(case_path, "imagery") as case:
        undo = commands.add_tile_pack(case, ref).apply(case)
        (added,) = case.tile_packs()
        assert (added.sha256, added.role, added.name) == (ref.sha256, "base", "Test pack")
        redo = undo.apply(case)
        assert case.tile_packs() == []
        redo.apply(case)
        assert [p.sha256 for p in case.tile_packs()] == [ref.sha256]
        commands.set_tile_pack_layer(added.id, "overlay", 0.4).apply(case)
        assert (case.tile_packs()[0].role, case.tile_packs()[0].opacity) == ("overlay", 0.4)
        actions = [e.action for e in case.audit_entries()][-4:]
        assert actions == ["add tile pack", "undo add tile pack", "add tile pack",
                           "set tile pack layer"]
        assert case.verify().ok


@pytest.mark.parametrize(("role", "opacity", "message"), [
    ("backdrop", 1.0, "base layer or an overlay"), ("base", 0.0, "more than 0 and at most 1"),
    ("base", float("nan"), "must be a number")])
def test_a_pack_layer_is_checked(case_path: Path, tmp_path: Path, role: str, opacity: float,
                                 message: str) -> None:
    ref = reference_for(write_mbtiles(tmp_path / "a.mbtiles", every_tile(0)))
    with CaseFile.create(case_path, "imagery") as case:
        with pytest.raises(CommandError, match=message):
            commands.add_tile_pack(case, ref.__class__(**{**ref.__dict__, "role": role,
                                                         "opacity": opacity}))
        assert case.tile_packs() == []


def test_presence_tells_the_same_pack_from_another(tmp_path: Path) -> None:
    pack = write_mbtiles(tmp_path / "a.mbtiles", every_tile(1))
    ref = reference_for(pack)
    assert presence(ref).state == FOUND and not presence(ref).hashed
    assert presence(ref, check_hash=True).state == FOUND
    # Same size, other bytes: only the hash tells.
    data = bytearray(pack.read_bytes())
    data[-1] ^= 0xFF
    copy = tmp_path / "b.mbtiles"
    copy.write_bytes(bytes(data))
    assert presence(ref, str(copy)).state == FOUND
    assert presence(ref, str(copy), check_hash=True).state == DIFFERENT
    assert presence(ref, str(tmp_path / "gone.mbtiles")).state == MISSING


def test_an_unusable_pack_is_refused_before_it_is_hashed(tmp_path: Path) -> None:
    other = tmp_path / "x.mbtiles"
    other.write_bytes(b"SQLite format 3\x00" + bytes(100))
    with pytest.raises(TilePackError, match=r"x\.mbtiles"):
        reference_for(other)


def test_an_overlay_placement_is_saved_undone_and_survives_reopening(
        case_path: Path, tmp_path: Path) -> None:
    from desk.core.intake import import_files
    from desk.core.overlay_fit import PointPair, fit
    from tests.core.imaging import make_jpeg

    still = tmp_path / "older_drone_still.jpg"
    still.write_bytes(make_jpeg(120, 80))
    pairs = [(5, 5, 49.7161, 37.5921), (110, 8, 49.7160, 37.5939), (10, 75, 49.7152, 37.5922)]
    with CaseFile.create(case_path, "overlay") as case:
        (item,) = import_files(case, [still], workers=1).imported
        undo = commands.place_overlay(case, item.evidence_id, pairs, 0.6).apply(case)
        (placed,) = case.overlays()
        assert placed.pairs == tuple(tuple(float(v) for v in p) for p in pairs)
        redo = undo.apply(case)
        assert case.overlays() == []
        redo.apply(case)
    with CaseFile.open(case_path, read_only=True) as case:
        (placed,) = case.overlays()
        assert placed.opacity == 0.6 and case.verify().ok
        where = fit([PointPair(*p) for p in placed.pairs]).to_map(5, 5)
        assert abs(where[0] - 49.7161) < 1e-6 and abs(where[1] - 37.5921) < 1e-6


def test_an_overlay_that_cannot_be_placed_is_refused(case_path: Path, tmp_path: Path) -> None:
    from desk.core.intake import import_files
    from tests.core.imaging import make_jpeg

    still = tmp_path / "s.jpg"
    still.write_bytes(make_jpeg(64, 48))
    with CaseFile.create(case_path, "overlay") as case:
        (item,) = import_files(case, [still], workers=1).imported
        in_a_line = [(0, 0, 49.7, 37.5), (10, 10, 49.71, 37.51), (20, 20, 49.72, 37.52)]
        with pytest.raises(CommandError, match="cannot be placed: the image points lie in a"):
            commands.place_overlay(case, item.evidence_id, in_a_line)
        with pytest.raises(CommandError, match="There is no evidence 99"):
            commands.place_overlay(case, 99, in_a_line)
        assert case.overlays() == []
