"""Cases and teams for the team-desk tests, made through desk's own API (no SQL on the case)."""

from __future__ import annotations

import hashlib
import io
import os
import random
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Claim, Confidence, Metadata, Provenance, Rating, Verdict
from desk.team import members, migrations
from tests.team.conftest import PASSWORD, TeamDb

_THUMB_CACHE: list[bytes] = []


def _thumbnail() -> bytes:
    if not _THUMB_CACHE:
        out = io.BytesIO()
        Image.new("RGB", (32, 18), (80, 120, 160)).save(out, "JPEG", quality=80)
        _THUMB_CACHE.append(out.getvalue())
    return _THUMB_CACHE[0]


def noise(size: int, seed: int) -> bytes:
    """Incompressible bytes standing in for a still or a clip (a seeded generator: the same
    seed gives the same original, and so the same SHA-256, in any test)."""
    return random.Random(seed).randbytes(size)


def add_original(case: CaseFile, data: bytes, name: str) -> int:
    """Store one original as intake does, in one logged edit."""
    sha = hashlib.sha256(data).hexdigest()
    with case.edit("import", [f"sha256:{sha}"], {"files": 1}) as conn:
        return case.insert_evidence(
            conn, sha256=sha, data=data, fmt="jpeg", width=32, height=18,
            metadata=Metadata(captured_at="2025-11-20T14:03:00+03:00"),
            provenance=Provenance(original_name=name, source_url="https://example.org/p"),
            thumbnail=_thumbnail(), thumb_size=(32, 18))


def add_claim(case: CaseFile, text: str) -> int:
    command = commands.add_claim(case, Claim(0, text, claimant="State TV"))
    command.apply(case)
    created = commands.created_id(command)
    assert created is not None
    return created


def record_verdict(case: CaseFile, claim_id: int, summary: str) -> None:
    commands.record_verdict(case, Verdict(
        claim_id, Rating.FALSE, Confidence.MODERATE, summary, "the mast is elsewhere")
    ).apply(case)


def make_case(path: Path, *, originals: list[bytes] | None = None,
              title: str = "Drone claim, Valdai") -> Path:
    """A case with originals, a claim and its verdict."""
    with CaseFile.create(path, title) as case:
        for n, data in enumerate(originals if originals is not None else
                                 [noise(40_000, 1), noise(90_000, 2)]):
            add_original(case, data, f"still_{n}.jpg")
        claim = add_claim(case, "Drones attacked the residence")
        record_verdict(case, claim, "No attack is shown")
    return path


def originals_of(path: Path) -> dict[str, bytes]:
    """SHA-256 -> the original's bytes, as the case holds them."""
    with CaseFile.open(path, read_only=True) as case:
        return {e.sha256: case.original(e.id) for e in case.list_evidence()}


@dataclass
class Team:
    """A set-up server: team `geo` with reviewer alice and editor erin; team `other` with
    reviewer mallory, who must see nothing of geo's."""

    db: TeamDb
    alice: str
    erin: str
    mallory: str

    def url(self, login: str) -> str:
        return self.db.url(login)


def set_up_team(db: TeamDb) -> Team:
    migrations.init(db.admin_url)
    alice, erin, mallory = db.login("alice"), db.login("erin"), db.login("mallory")
    members.add_member(db.admin_url, "geo", "reviewer", alice, PASSWORD)
    members.add_member(db.admin_url, "geo", "editor", erin, PASSWORD)
    members.add_member(db.admin_url, "other", "reviewer", mallory, PASSWORD)
    return Team(db, alice, erin, mallory)


def as_reviewer(monkeypatch: object, folder: Path, name: str) -> None:
    """Switch to another reviewer: their own config folder, so their own signing key."""
    folder.mkdir(parents=True, exist_ok=True)
    setenv = monkeypatch.setenv  # type: ignore[attr-defined]
    setenv("DESK_CONFIG_DIR", str(folder))
    setenv("DESK_REVIEWER", name)


def env_for(folder: Path, name: str) -> dict[str, str]:
    return {**os.environ, "DESK_CONFIG_DIR": str(folder), "DESK_REVIEWER": name}


def run_desk(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`desk ARGS` in process: its exit code, stdout and stderr."""
    from desk.cli import main

    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


def desk_json(capsys: pytest.CaptureFixture[str], *args: object) -> dict[str, object]:
    """`desk ARGS --json`, which must succeed, as its JSON object."""
    import json

    code, out, err = run_desk(capsys, *args, "--json")
    assert code == 0, err
    value = json.loads(out)
    assert isinstance(value, dict)
    return value
