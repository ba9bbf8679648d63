"""The map page's shell: rendered by folium ahead of time, committed, and all desk needs at run
time (folium pulls numpy, 41 MB of the field installer, so desk must never import it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desk.mapping import page, shell

_RUN_TIME = """
import importlib, json, pkgutil, sys, tempfile
from pathlib import Path
import desk
from desk.mapping import page
from desk.core.model import Geolocation
from desk.mapping import scene
items = [scene.Item(1, "frame", None)]
data = scene.build_scene(items, [Geolocation(1, 49.7159, 37.5928, heading=262, fov=62)], [],
                         selected=1)
html = page.render_page(data, ())
with tempfile.TemporaryDirectory() as folder:
    page.write_page(Path(folder), data, ())
for info in pkgutil.walk_packages(desk.__path__, 'desk.'):
    importlib.import_module(info.name)
print(json.dumps(sorted(name for name in sys.modules
                        if name.split('.')[0] in ('folium', 'branca', 'numpy'))))
"""


def test_committed_shell_is_what_folium_renders() -> None:
    committed = shell.shell_path().read_text(encoding="utf-8")
    assert committed == shell.build_shell(), (
        f"{shell.shell_path()} is out of date with the installed folium or with "
        "desk/mapping/shell.py: run `python -m desk.mapping.shell` and commit the result")


def test_shell_is_the_same_on_every_run() -> None:
    again = subprocess.run([sys.executable, "-c",
                            "import sys; from desk.mapping.shell import build_shell; "
                            "sys.stdout.write(build_shell())"],
                           capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout == shell.build_shell()
    assert f'id="{shell.MAP_NAME}"' in again.stdout


def test_building_the_shell_leaves_folium_defaults_alone() -> None:
    import folium

    shell.build_shell()
    assert any("cdn" in url for _, url in folium.Map.default_js)


def test_writing_the_shell_regenerates_the_resource(tmp_path: Path) -> None:
    target = shell.write_shell(tmp_path / shell.SHELL_NAME)
    assert target.read_bytes() == shell.build_shell().encode("utf-8")


def test_a_frozen_build_reads_the_shell_from_its_bundle(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "resources" / "map" / shell.SHELL_NAME
    bundled.parent.mkdir(parents=True)
    bundled.write_text(shell.read_shell(), encoding="utf-8")
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert shell.shell_path() == bundled
    assert page.render_page({}, ()).startswith("<!DOCTYPE html>")


def test_desk_runs_without_folium_branca_or_numpy() -> None:
    """In a fresh interpreter: the test process may have them loaded for the tests above."""
    result = subprocess.run([sys.executable, "-c", _RUN_TIME], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", (
        "desk imported folium, branca or numpy at run time: " + result.stdout)
