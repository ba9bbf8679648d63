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


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside functions, by statement or by name
    (importlib.import_module("desk.ui...") and __import__ count too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level:
            names.add("." * node.level + (node.module or ""))
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ((isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
                   or (isinstance(node.func, ast.Name)
                       and node.func.id in ("__import__", "import_module")))):
            names.add(node.args[0].value)
    return names


def test_pure_packages_never_import_the_ui_in_any_form() -> None:
    offenders = [
        f"{path.relative_to(DESK)}: {name}"
        for package in PURE
        for path in _modules(DESK / package)
        for name in sorted(_imported_modules(path))
        if name == "desk.ui" or name.startswith("desk.ui.")
        or (name.startswith(".") and "ui" in name.split("."))
    ]
    assert offenders == []


#: The generic row edit and its helpers: private to desk/core, never built elsewhere.
_ROW_EDIT_NAMES = {"RowEdit", "_RowEdit", "edit_row", "delete_row", "EDITABLE", "_EDITABLE",
                   "touched_rows"}
#: Table names that are also the names of tools and icons in the window ("the horizon tool"),
#: or of a kind of evidence (`Evidence.kind` "video").
_TABLE_WORDS_ALSO_TOOLS = {"evidence", "horizon", "movement", "shadow", "video"}


def _names_used(tree: ast.AST) -> set[str]:
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            used.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            used.update(alias.name for alias in node.names)
    return used


def _is_command_call(node: ast.Call) -> bool:
    func = node.func
    return isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
        and func.value.id == "commands"


def test_the_ui_builds_no_row_edit_and_names_no_table() -> None:
    from desk.core import schema

    tables = set(schema.TABLES)
    offenders: list[str] = []
    for path in _modules(DESK / "ui"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = str(path.relative_to(DESK))
        offenders += [f"{where}: uses {name}" for name in sorted(_names_used(tree)
                                                                  & _ROW_EDIT_NAMES)]
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            if node.value in tables - _TABLE_WORDS_ALSO_TOOLS:
                offenders.append(f"{where}:{node.lineno}: names the table {node.value!r}")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _is_command_call(node):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    if isinstance(arg, ast.Constant) and arg.value in tables:
                        offenders.append(f"{where}:{node.lineno}: passes the table"
                                         f" {arg.value!r} to a command")
    assert offenders == []


def test_the_architecture_checks_can_fail(tmp_path: Path) -> None:
    """The AST checks above see imports inside functions and hand-built edits."""
    sneaky = tmp_path / "sneaky.py"
    sneaky.write_text("def f():\n    import importlib\n    importlib.import_module('desk.ui.x')\n"
                      "    from desk.ui.map import map_view\n"
                      "    return commands.edit_row('movement', {'id': 1}, 'x')\n")
    assert {"desk.ui.x", "desk.ui.map", "desk.ui.map.map_view"} <= _imported_modules(sneaky)
    tree = ast.parse(sneaky.read_text())
    assert "edit_row" in _names_used(tree)
