"""Cases for dossier tests, built directly through the case file (no intake, no workers).

Qt WebEngine runs offscreen; as root (CI containers) Chromium needs its sandbox off, which is
set here for the test process only. QtWebEngineCore is imported before any QApplication
exists, as Qt requires.
"""

from __future__ import annotations

import io
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
if os.name == "posix" and os.geteuid() == 0:
    os.environ.setdefault("QTWEBENGINE_DISABLE_SANDBOX", "1")

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import (
    Claim,
    Confidence,
    Flag,
    Geolocation,
    Gps,
    Landmark,
    Metadata,
    Movement,
    Provenance,
    Rating,
    Statement,
    Verdict,
)

try:  # WebEngine must be loaded before the QApplication is made
    from PySide6 import QtWebEngineCore  # noqa: F401
    from PySide6.QtCore import QCoreApplication, Qt

    if QCoreApplication.instance() is None:
        QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
except ImportError:  # pragma: no cover - the PDF tests skip themselves then
    pass

#: Payloads that would run script or call out if any of them reached the page as markup.
XSS = '"><script>window.__desk_xss=1</script><img src=x onerror="window.__desk_xss=2">'
XSS_URL = "javascript:window.__desk_xss=3"


def jpeg(seed: int, size: tuple[int, int] = (640, 360)) -> bytes:
    """A small distinct JPEG (different pixels per seed, so different SHA-256)."""
    image = Image.new("RGB", size, (40 + seed * 13 % 200, 90, 120))
    draw = ImageDraw.Draw(image)
    draw.rectangle([20 + seed % 50, 30, 200 + seed % 90, 160], fill=(220, 200, 60))
    draw.text((30, 200), f"still {seed}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def add_still(case: CaseFile, data: bytes, metadata: Metadata, provenance: Provenance) -> int:
    """Store one original the way intake does, inside one logged edit."""
    import hashlib

    with Image.open(io.BytesIO(data)) as image:
        width, height = image.size
        thumb = image.copy()
    thumb.thumbnail((320, 320))
    buf = io.BytesIO()
    thumb.save(buf, "JPEG", quality=82)
    sha = hashlib.sha256(data).hexdigest()
    with case.edit("import", [f"sha256:{sha}"], {"files": 1}) as conn:
        return case.insert_evidence(
            conn, sha256=sha, data=data, fmt="jpeg", width=width, height=height,
            metadata=metadata, provenance=provenance, thumbnail=buf.getvalue(),
            thumb_size=thumb.size,
        )


@dataclass
class Built:
    path: Path
    claim_id: int
    evidence_ids: list[int]


def build_case(path: Path, *, hostile: bool = False, stills: int = 2, extra: str = "") -> Built:
    """A claim with statements, linked stills (one geolocated, with a movement) and a verdict.

    With `hostile=True` every text a stranger controls carries script and markup payloads
    (plus `extra`, e.g. tags that would fetch from a test server).
    """
    bad = XSS + extra if hostile else ""
    with CaseFile.create(path, "Test case" + bad) as case:
        case.set_meta("description", "A case for dossier tests." + bad)
        ids = []
        for n in range(stills):
            meta = Metadata(
                captured_at="2025-11-20T14:03:00+03:00", utc_offset="+03:00",
                gps=Gps(49.7160, 37.5930) if n == 0 else None,
                make="Canon" + bad, model="EOS" + bad, software="fw 1.0" + bad,
                flags=(Flag("edited" + bad, "Software field names an editor" + bad),),
                raw={"Image Make": "Canon" + bad, "EXIF UserComment" + bad: "hello" + bad},
            )
            prov = Provenance(
                original_name=f"frame_{n}{bad}.jpg",
                source_url=XSS_URL if hostile else f"https://example.org/post/{n}",
                platform="Telegram" + bad, uploader="someone" + bad,
                published_at="2025-11-20T19:00:00+03:00", notes="note" + bad,
            )
            ids.append(add_still(case, jpeg(n), meta, prov))
        commands.add_landmark(case, Landmark(0, "Mast" + bad, 49.7165, 37.5882,
                                             kind="tower")).apply(case)
        commands.add_landmark(case, Landmark(0, "Centre" + bad, 49.7097, 37.6156,
                                             is_reference=True)).apply(case)
        commands.set_geolocation(Geolocation(
            ids[0], 49.7159, 37.5928, precision_m=40.0, heading=262.0, fov=62.0,
            confidence=Confidence.MODERATE, method="Matched the mast" + bad)).apply(case)
        commands.add_movement(case, Movement(
            0, ids[0], label="group" + bad, x1=0.4, y1=0.8, x2=0.5, y2=0.6,
            start_lat=49.71585, start_lon=37.5924, end_lat=49.7156, end_lon=37.5899,
            bearing=260.0, reference_id=2)).apply(case)
        commands.add_claim(case, Claim(
            0, "Forces captured the town" + bad, claimant="State TV" + bad,
            first_appearance_url=XSS_URL if hostile else "https://example.org/claim",
            first_appearance_date="2025-11-20",
            appearances=["https://example.org/again", "ftp://example.org/x"] + (
                [XSS_URL] if hostile else []),
        )).apply(case)
        commands.add_statement(case, Statement(
            0, 1, "Minister" + bad, "91 drones attacked" + bad, said_at="2025-12-29",
            source_url="https://example.org/minister", venue="Briefing" + bad)).apply(case)
        commands.add_statement(case, Statement(
            0, 1, "Governor" + bad, "41 drones were shot down" + bad, said_at="2025-12-30",
            venue="Channel" + bad)).apply(case)
        for n, eid in enumerate(ids):
            commands.link_evidence(1, eid, "contradicts" if n == 0 else "context",
                                   note="note" + bad).apply(case)
        commands.set_verdict(Verdict(
            1, Rating.MISLEADING, Confidence.MODERATE, summary="Real footage, wrong story" + bad,
            rationale="Walks away from the centre" + bad,
            checklist={"source_identified": True, "original_found": False,
                       "date_checked": True, "location_checked": True,
                       "movement_checked": True, "alternatives_considered": True},
        )).apply(case)
    return Built(path, 1, ids)


@pytest.fixture
def built(tmp_path: Path) -> Built:
    return build_case(tmp_path / "case.deskcase")


@pytest.fixture
def hostile(tmp_path: Path) -> Built:
    return build_case(tmp_path / "hostile.deskcase", hostile=True)


@pytest.fixture
def opened(built: Built) -> Iterator[CaseFile]:
    with CaseFile.open(built.path) as case:
        yield case
