"""`desk --self-test` is what field teams and the installer build run: it must pass here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def test_self_test_reports_every_step_ok(tmp_path: Path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DESK_CONFIG_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "desk", "--self-test"], capture_output=True,
                            text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["ok"] is True
    assert set(report["checks"]) == {"native libraries", "sample case", "intake", "video", "window",
                                     "map", "dossier"}
    assert not list(tmp_path.glob("signing_key*")), "the self-test used the user's config"
