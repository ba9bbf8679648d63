"""Running `desk` verbs in process, as a script would, and reading what they print."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from desk.cli import main
from tests.dossier.conftest import Built, build_case


@dataclass
class Ran:
    code: int
    out: str
    err: str

    def json(self) -> dict[str, object]:
        value = json.loads(self.out)
        assert isinstance(value, dict)
        return value


Desk = Callable[..., Ran]


@pytest.fixture
def desk(capsys: pytest.CaptureFixture[str]) -> Desk:
    """`desk(*args)`: run one verb in this process and capture its output."""
    capsys.readouterr()

    def run(*args: object) -> Ran:
        code = main([str(a) for a in args])
        out, err = capsys.readouterr()
        return Ran(code, out, err)

    return run


@pytest.fixture
def built(tmp_path: Path) -> Built:
    """A claim with two statements, two linked stills (one geolocated, with a drawn arrow),
    two landmarks (one the reference point) and a verdict."""
    return build_case(tmp_path / "case.deskcase")
