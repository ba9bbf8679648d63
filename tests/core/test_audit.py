"""The custody log is a hash chain: any edit, removal or reordering of entries is named."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Claim


def _case_with_entries(path: Path) -> None:
    with CaseFile.create(path, "chain") as case:
        for text in ("first", "second", "third"):
            commands.add_claim(case, Claim(0, text)).apply(case)


def test_chain_links_each_entry_to_the_one_before(case_path: Path) -> None:
    _case_with_entries(case_path)
    with CaseFile.open(case_path) as case:
        entries = case.audit_entries()
        assert [e.seq for e in entries] == [1, 2, 3, 4]
        for before, after in itertools.pairwise(entries):
            assert after.prev_hash == before.hash
        assert all(e.version for e in entries)
        assert all(e.at.endswith("Z") for e in entries)
        assert case.verify().ok


def test_altered_entry_is_named(case_path: Path) -> None:
    _case_with_entries(case_path)
    conn = sqlite3.connect(case_path)
    conn.execute("UPDATE audit SET actor = 'Someone Else' WHERE seq = 2")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        problems = case.verify().problems
    assert any("entry 2" in p and "altered" in p for p in problems)


def test_removed_entry_is_named(case_path: Path) -> None:
    _case_with_entries(case_path)
    conn = sqlite3.connect(case_path)
    conn.execute("DELETE FROM audit WHERE seq = 3")
    conn.commit()
    conn.close()
    with CaseFile.open(case_path) as case:
        problems = case.verify().problems
    assert any("entry 3 is missing" in p for p in problems)
    assert any("entry 4 does not follow" in p for p in problems)
