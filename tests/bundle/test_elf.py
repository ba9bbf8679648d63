"""Pruning: libraries that only trimmed files needed leave the bundle; nothing else does."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import build_installer
from bundle_tools import elf

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF bundles")


@linux_only
def test_needed_reads_what_the_dynamic_linker_reads() -> None:
    import PySide6

    core = next((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libQt6Core.so.*"))
    names = elf.needed(core)
    assert "libc.so.6" in names and any(n.startswith("libicuuc.so.") for n in names)
    if shutil.which("readelf"):
        listing = subprocess.run(["readelf", "-d", str(core)], capture_output=True, text=True,
                                 check=True).stdout
        expected = [line.split("[")[1].rstrip("]") for line in listing.splitlines()
                    if "(NEEDED)" in line]
        assert names == expected


def test_a_file_that_is_not_elf_is_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.so"
    text.write_text("not a library")
    assert not elf.is_elf(text)
    with pytest.raises(elf.ElfError):
        elf.needed(text)
    cut = tmp_path / "cut.so"
    cut.write_bytes(b"\x7fELF\x02\x01" + bytes(10))
    with pytest.raises(elf.ElfError):
        elf.needed(cut)


def test_only_what_trimmed_files_needed_is_unneeded() -> None:
    plugin, gtk, cairo = Path("plugin.so"), Path("libgtk.so"), Path("libcairo.so")
    main, qt, nss = Path("desk"), Path("libQt6Core.so"), Path("libnss-module.so")
    before = {plugin: ["libgtk.so", "libQt6Core.so"], gtk: ["libcairo.so"], cairo: [],
              main: ["libQt6Core.so"], qt: [], nss: []}
    after = {k: v for k, v in before.items() if k != plugin}
    assert elf.unneeded(before, after, [gtk, cairo, qt, nss]) == [cairo, gtk]


def _library(folder: Path, name: str, *needs: str) -> Path:
    source = folder / f"{name}.c"
    source.write_text(f"int {name.split('.')[0]}_value(void) {{ return 1; }}\n")
    args = ["cc", "-shared", "-fPIC", "-o", str(folder / name), f"-Wl,-soname,{name}",
            str(source), f"-L{folder}", "-Wl,--no-as-needed"]
    args += [f"-l:{need}" for need in needs]
    subprocess.run(args, check=True, capture_output=True)
    source.unlink()
    return folder / name


@linux_only
@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to make libraries")
def test_prune_removes_a_trimmed_plugins_libraries_and_dangling_links(tmp_path: Path) -> None:
    internal = tmp_path / "desk" / "_internal"
    plugins = internal / "PySide6" / "Qt" / "plugins" / "printsupport"
    plugins.mkdir(parents=True)
    _library(internal, "libgnutls.so.30")
    _library(internal, "libcups.so.2", "libgnutls.so.30")
    _library(internal, "libz.so.1")
    _library(internal, "libsoftokn3.so")  # loaded by name at run time: needed by nothing
    _library(internal, "libpng16.so.16", "libz.so.1")
    shutil.move(_library(internal, "libcupsprinters.so", "libcups.so.2"), plugins)
    (internal / "PIL").mkdir()
    shutil.move(_library(internal, "mod.cpython-311-x86_64-linux-gnu.so", "libpng16.so.16"),
                internal / "PIL")
    (internal / "libgone.so.6").symlink_to("PySide6/Qt/lib/libgone.so.6")

    before = elf.dependency_graph(tmp_path / "desk")
    shutil.rmtree(plugins)  # the trim
    saved = build_installer.prune_libraries(tmp_path / "desk", before)

    left = sorted(p.name for p in internal.iterdir())
    assert left == ["PIL", "PySide6", "libpng16.so.16", "libsoftokn3.so", "libz.so.1"]
    assert saved > 0
