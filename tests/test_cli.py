"""The `desk` command itself: a verb, a case or a typo; no display; missing system libraries.

None of these may end in a window, a Qt abort or a traceback: one plain line and exit 2.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from desk.cli import VERBS, build_parser, display, looks_like_case, main, nearest_verb

ROOT = Path(__file__).resolve().parent.parent


def _headless_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items()
            if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}


def test_every_verb_is_listed_and_takes_json() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "verb")
    assert tuple(sub.choices) == VERBS  # type: ignore[arg-type]
    for verb, verb_parser in sub.choices.items():  # type: ignore[union-attr]
        actions = [a for a in verb_parser._actions if a.dest == f"{verb}_verb"]
        leaves = (actions[0].choices.items() if actions  # type: ignore[union-attr]
                  else [(verb, verb_parser)])
        for name, leaf in leaves:
            flags = {o for a in leaf._actions for o in a.option_strings}
            assert "--json" in flags, name


def test_usage_errors_exit_2_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["new"], ["import", "only-a-case"], ["verdict", "c.deskcase", "--claim", "1"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and err.startswith("desk "), err
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("desk ")


@pytest.mark.parametrize(("argv", "nearest"), [
    (["verfy", "c.deskcase"], "verify"),
    (["exprt", "c.deskcase"], "export"),
    (["statment"], "statement"),
    (["Verify-Dossier", "d"], "verify-dossier"),
])
def test_a_mistyped_verb_names_the_nearest_one(capsys: pytest.CaptureFixture[str],
                                               argv: list[str], nearest: str) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"did you mean `desk {nearest}`?" in err and len(err.strip().splitlines()) == 1


def test_an_unknown_word_is_a_usage_error_never_a_window(tmp_path: Path) -> None:
    """With a display available (offscreen), `desk frobnicate` once opened a window."""
    script = ("import sys\nfrom desk.cli import main\ncode = main(sys.argv[1:])\n"
              "print('qt loaded' if 'PySide6' in sys.modules else 'no qt')\nsys.exit(code)\n")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run([sys.executable, "-c", script, "frobnicate"], capture_output=True,
                          text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 2 and done.stdout.strip() == "no qt"
    assert done.stderr.startswith("desk: 'frobnicate' is neither a verb nor a case file")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_case_path_is_told_from_a_verb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                         ) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "evidence-case").write_bytes(b"")
    assert looks_like_case("evidence-case")  # an existing file
    assert looks_like_case("new.deskcase") and looks_like_case("cases/valdai")
    assert looks_like_case(f"cases{os.sep}valdai")
    assert not looks_like_case("verfy") and not looks_like_case("frobnicate")
    assert nearest_verb("frobnicate") is None and nearest_verb("lnik") == "link"


@pytest.mark.parametrize("argv", [[], ["sample_cases/kupiansk.deskcase"]])
def test_no_display_is_one_plain_line_not_a_qt_abort(argv: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "desk", *argv], capture_output=True,
                          text=True, timeout=60, env=_headless_env(), cwd=ROOT)
    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux decides the display from DISPLAY and WAYLAND_DISPLAY")
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr == display.NO_DISPLAY + "\n"
    assert "no display" in done.stderr and "desk info CASE" in done.stderr


def test_missing_window_libraries_print_the_apt_line_before_qt_loads(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("the X11 libraries are a Linux question")
    for name in ("QT_QPA_PLATFORM", "WAYLAND_DISPLAY", "XDG_SESSION_TYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":99")
    absent = ("libdesk-test-absent.so.7", "libdesk-test-absent7")
    monkeypatch.setattr(display, "XCB_LIBRARIES", (absent, *display.XCB_LIBRARIES))
    assert main([]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    line = re.search(r"sudo apt-get install ([a-z0-9. +-]+)$", err.strip())
    assert line is not None, err
    packages = line.group(1).split()
    assert packages[0] == "libdesk-test-absent7"
    assert set(packages) <= set(display.window_packages()) | {"libdesk-test-absent7"}


def test_missing_libraries_come_from_the_linker_and_qts_own_folder(tmp_path: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("sonames are a Linux question")
    table = [("libc.so.6", "libc6"), ("libdesk-none.so.1", "libdesk-none1"),
             ("libdesk-none2.so.1", "libdesk-none1"), ("libdesk-bundled.so.3", "libdesk-b3")]
    (tmp_path / "libdesk-bundled.so.3").write_bytes(b"")
    assert display.missing_libraries(table, folders=[tmp_path]) == ["libdesk-none1"]
    assert display.install_line(["a", "b"]) == "sudo apt-get install a b"


@pytest.mark.parametrize(("env", "headless", "xcb"), [
    ({}, True, False),
    ({"DISPLAY": ":0"}, False, True),
    ({"DISPLAY": ":0", "WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"},
     False, False),
    ({"WAYLAND_DISPLAY": "wayland-0"}, False, False),
    ({"QT_QPA_PLATFORM": "offscreen"}, False, False),
    ({"QT_QPA_PLATFORM": "xcb"}, False, True),
])
def test_which_platform_qt_will_use(env: dict[str, str], headless: bool, xcb: bool) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("Linux only")
    assert display.no_display(env) is headless
    assert display.uses_xcb(env) is xcb


def test_the_readme_apt_line_installs_every_library_desk_may_ask_for() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("sudo apt-get install")
    command = readme[start:readme.index("```", start)].replace("\\\n", " ")
    listed = set(command.split()[3:])
    assert set(display.window_packages()) | {"python3-venv"} <= listed
    first_command = readme.index(".venv/bin/desk sample_cases/")
    assert start < first_command  # read before the first command, not after it fails


def test_the_readme_lists_every_verb() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for verb in VERBS:
        assert f"| `desk {verb} " in readme, verb


def test_entry_point_runs_as_a_module(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "desk", "--version"], capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("desk ")


def test_opening_a_case_loads_no_verb_module() -> None:
    """`desk CASE` must stay quick: the verbs and the core stay unloaded until a verb runs."""
    script = ("import sys\nimport desk.cli as cli\nfrom desk.cli import display\n"
              "cli.looks_like_case('x.deskcase')\n"
              "print(sorted(m for m in sys.modules if m.startswith('desk.')))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "['desk.cli', 'desk.cli.display']"
