"""Every test runs as a known reviewer with its own config folder, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _isolated_identity(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path_factory.mktemp("config")
    monkeypatch.setenv("DESK_CONFIG_DIR", str(config))
    monkeypatch.setenv("DESK_REVIEWER", "Test Reviewer")


@pytest.fixture
def case_path(tmp_path: Path) -> Path:
    return tmp_path / "case.deskcase"
