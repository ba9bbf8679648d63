"""Values a case from elsewhere holds are read as the model types them, or as absent."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from desk.core.casefile import CaseFile
from desk.mapping import scene

SAMPLES = Path(__file__).resolve().parents[2] / "sample_cases"


def test_text_in_a_track_column_reads_as_no_track(case_path: Path) -> None:
    # SQLite keeps text put into a REAL column; a crafted case must not stop the arrow's reading.
    shutil.copyfile(SAMPLES / "kupiansk.deskcase", case_path)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE movement SET start_lat = 'north of the mast'")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path, read_only=True) as case:
        (movement,) = case.movements()
        assert movement.start_lat is None
        assert movement.track is None
        assert movement.bearing == pytest.approx(266.3, abs=0.1)  # the typed bearing stays
        assert scene.movement_data(movement) is None  # the map draws no track
