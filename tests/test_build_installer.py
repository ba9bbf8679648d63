"""The installer's rules: what it bundles for each declared dependency and what it trims."""

from __future__ import annotations

import runpy
import sys
import tomllib
from pathlib import Path

import pytest

import build_installer
from desk import selftest

ROOT = Path(build_installer.__file__).parent


def _declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return {n for r in project["dependencies"] if (n := selftest.requirement_name(r))}


def test_requirement_names_are_normalised_and_extras_left_out() -> None:
    assert selftest.requirement_name("Pillow>=12.3") == "pillow"
    assert selftest.requirement_name("xstatic_leaflet >= 1.9") == "xstatic-leaflet"
    assert selftest.requirement_name("c2pa-python<0.39,>=0.38.1") == "c2pa-python"
    assert selftest.requirement_name('tzdata; sys_platform == "win32"') == "tzdata"
    assert selftest.requirement_name('pytest>=8; extra == "test"') is None


def test_every_declared_dependency_says_whether_it_loads_native_code() -> None:
    unknown = _declared() - set(selftest.NATIVE_MODULES) - selftest.PURE_PYTHON
    assert not unknown, f"classify in desk/selftest.py: {sorted(unknown)}"


def test_the_build_bundles_and_the_self_test_loads_each_declared_native_library() -> None:
    native = sorted(_declared() & set(selftest.NATIVE_MODULES))
    modules = build_installer.declared_native_modules()
    assert modules == [m for name in native for m in selftest.NATIVE_MODULES[name]]
    assert selftest.load_native_libraries() == native


def test_a_declared_library_that_does_not_load_names_itself() -> None:
    table = {**selftest.NATIVE_MODULES, "pillow": ("PIL._no_such_codec",)}
    with pytest.raises(Exception, match=r"pillow: PIL\._no_such_codec does not load"):
        selftest.load_native_libraries(["pillow"], table)
    with pytest.raises(Exception, match="desk declares newlib: list it"):
        selftest.load_native_libraries(["newlib"], table)


def test_the_c2pa_hook_collects_only_the_shared_library() -> None:
    pytest.importorskip("c2pa")
    hook = runpy.run_path(str(build_installer.HOOKS / "hook-c2pa.py"))
    collected = [(Path(source).name, target) for source, target in hook["binaries"]]
    suffix = {"win32": "c2pa_c.dll", "darwin": "libc2pa_c.dylib"}.get(sys.platform,
                                                                     "libc2pa_c.so")
    assert collected == [(suffix, str(Path("c2pa") / "libs"))]


def test_each_qt_trim_rule_finds_its_files_in_the_installed_wheels() -> None:
    """A rule that matches nothing (a folder renamed in a newer Qt) would trim nothing."""
    import PySide6

    site = Path(PySide6.__file__).parent.parent
    qt_rules = [r for r in build_installer.TRIM_GLOBS if r.startswith("**/PySide6/")]
    idle = [r for r in qt_rules if not list(site.glob(r.removeprefix("**/")))]
    # Qt 6.12's wheels carry no qmllint plugins; the rule is for wheels that do.
    assert idle == ["**/PySide6/Qt/plugins/qmllint"]
    assert "**/PySide6/Qt/plugins/networkinformation" in qt_rules


def test_each_stubbed_encoder_is_in_pyav_wheel_and_nothing_it_decodes_with() -> None:
    """A renamed library would be left whole; a decoder library must never be stubbed."""
    av = pytest.importorskip("av")
    from bundle_tools import sizes

    libs = Path(av.__file__).parent.parent / "av.libs"
    stems = {sizes.stem(p.name) for p in libs.glob("*.so*")}
    assert set(build_installer.STUBBED_ENCODERS) <= stems
    assert not {"libdav1d", "libvpx", "libavcodec", "libopus"} & set(
        build_installer.STUBBED_ENCODERS)
