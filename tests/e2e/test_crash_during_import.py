"""Kill an importing process again and again: the case stays whole and verifiable."""

from __future__ import annotations

import io
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from desk.core.casefile import CaseFile

pytestmark = pytest.mark.slow
COUNT = 120


def _desk(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "desk", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def _committed(case: Path) -> int:
    # Never wait on the importer's lock: a poll stuck for seconds behind a commit let a busy
    # machine's import finish before the kill it was waiting to send (-1: try again).
    conn = sqlite3.connect(f"file:{case}?mode=ro", uri=True, timeout=0.05)
    try:
        return int(conn.execute("SELECT count(*) FROM evidence").fetchone()[0])
    except sqlite3.OperationalError:
        return -1
    finally:
        conn.close()


def _verify(case: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desk", "verify", str(case)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_repeated_kills_leave_an_intact_case(tmp_path: Path) -> None:
    case = tmp_path / "crash.deskcase"
    CaseFile.create(case, "crash test").close()
    src = tmp_path / "in"
    src.mkdir()
    # Heavy, noisy stills (a few MB each), each with its own hash.
    buf = io.BytesIO()
    Image.effect_noise((2400, 1800), 60).convert("RGB").save(buf, "JPEG", quality=92)
    base = buf.getvalue()
    for i in range(COUNT):
        comment = f"still {i}".encode()
        marker = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
        (src / f"still_{i:03}.jpg").write_bytes(base[:2] + marker + base[2:])
    rng = random.Random(2026)
    counts = [0]
    for _ in range(4):
        proc = _desk("import", str(case), str(src))
        # Kill only once a new batch has been committed, then at a random moment after it,
        # so every kill lands in the middle of a running import.
        deadline = time.monotonic() + 60
        while _committed(case) <= counts[-1] and proc.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        _verify(case)  # also rolls back the hot journal the kill left behind
        with CaseFile.open(case, read_only=True) as opened:
            counts.append(opened.evidence_count())
            assert len(opened.known_hashes()) == counts[-1]
    assert counts == sorted(counts)
    assert any(0 < c < COUNT for c in counts), counts  # kills did land mid-import
    final = _desk("import", str(case), str(src))
    assert final.wait(180) == 0
    _verify(case)
    with CaseFile.open(case) as opened:
        assert opened.evidence_count() == COUNT
        assert [e.action for e in opened.audit_entries()].count("import") >= 2
    assert not Path(f"{case}-journal").exists()
