"""House rules that keep the layers apart (DESIGN.md): the core knows no Qt, the UI no SQLite."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

DESK = Path(__file__).resolve().parent.parent / "desk"
PURE = ("core", "mapping", "dossier")

_BLOCK_QT = """
import importlib, pkgutil, sys
class _NoQt:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'shiboken6'):
            raise ImportError(f'{name} is blocked: the core must not import Qt')
        return None
sys.meta_path.insert(0, _NoQt())
import desk
for package in %r:
    module = importlib.import_module('desk.' + package)
    for info in pkgutil.walk_packages(module.__path__, module.__name__ + '.'):
        importlib.import_module(info.name)
print('ok')
"""


def _modules(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_pure_packages_import_with_qt_blocked() -> None:
    present = tuple(p for p in PURE if (DESK / p / "__init__.py").exists())
    result = subprocess.run([sys.executable, "-c", _BLOCK_QT % (present,)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


def test_pure_packages_mention_no_qt_anywhere() -> None:
    offenders = [
        str(path.relative_to(DESK))
        for package in PURE if (DESK / package).is_dir()
        for path in _modules(DESK / package)
        if _imports(path) & {"PySide6", "shiboken6"}
    ]
    assert offenders == []


def test_ui_never_opens_sqlite() -> None:
    offenders = [str(p.relative_to(DESK)) for p in _modules(DESK / "ui")
                 if "sqlite3" in _imports(p)]
    assert offenders == []
