"""Can the window open here? Answered before Qt loads, because Qt's own answer is an abort.

Without a display Qt aborts (exit 134) with a page of plugin notes; with a display but without
the X11 libraries its xcb platform plugin links against, it aborts naming the wrong one
(`xcb-cursor0`, when libxcb-icccm4 and libxcb-keysyms1 were missing too). desk checks both
first and says in one line what to do: use the verbs headless, or the exact apt-get line.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

#: Libraries Qt needs to show any window (Qt Gui, Qt WebEngine for the map), with the
#: Debian/Ubuntu package that installs each.
WINDOW_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libGL.so.1", "libgl1"),
    ("libEGL.so.1", "libegl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libfreetype.so.6", "libfreetype6"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libdbus-1.so.3", "libdbus-1-3"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libX11.so.6", "libx11-6"),
    ("libxcb.so.1", "libxcb1"),
    ("libnss3.so", "libnss3"),
    ("libnspr4.so", "libnspr4"),
    ("libgbm.so.1", "libgbm1"),
    ("libXcomposite.so.1", "libxcomposite1"),
    ("libXdamage.so.1", "libxdamage1"),
    ("libXext.so.6", "libxext6"),
    ("libXfixes.so.3", "libxfixes3"),
    ("libXrandr.so.2", "libxrandr2"),
    ("libXtst.so.6", "libxtst6"),
    ("libxkbfile.so.1", "libxkbfile1"),
    ("libxcb-dri3.so.0", "libxcb-dri3-0"),
    ("libasound.so.2", "libasound2"),
)

#: What Qt's xcb platform plugin (libqxcb.so, libQt6XcbQpa.so.6) links against beyond those.
XCB_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-util.so.1", "libxcb-util1"),
    ("libxcb-randr.so.0", "libxcb-randr0"),
    ("libxcb-render.so.0", "libxcb-render0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
    ("libxcb-shm.so.0", "libxcb-shm0"),
    ("libxcb-sync.so.1", "libxcb-sync1"),
    ("libxcb-xfixes.so.0", "libxcb-xfixes0"),
    ("libxcb-xkb.so.1", "libxcb-xkb1"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libX11-xcb.so.1", "libx11-xcb1"),
)

NO_DISPLAY = (
    "desk: there is no display to open the window on (DISPLAY and WAYLAND_DISPLAY are unset);"
    " the verbs work without one, e.g. desk info CASE, desk export CASE --claim ID --out DIR"
    " (desk --help lists them)"
)


def _is_linux() -> bool:
    return sys.platform.startswith("linux")


def no_display(env: Mapping[str, str] | None = None) -> bool:
    """True on Linux when Qt would find no screen: no DISPLAY, no WAYLAND_DISPLAY and no
    QT_QPA_PLATFORM chosen (offscreen, vnc, ... work without one)."""
    env = os.environ if env is None else env
    return (_is_linux() and not env.get("QT_QPA_PLATFORM")
            and not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"))


def uses_xcb(env: Mapping[str, str] | None = None) -> bool:
    """Whether Qt will load its xcb (X11) plugin: asked for, or the default on an X session."""
    env = os.environ if env is None else env
    if not _is_linux():
        return False
    chosen = env.get("QT_QPA_PLATFORM", "")
    if chosen:
        return "xcb" in chosen
    wayland = bool(env.get("WAYLAND_DISPLAY")) and env.get("XDG_SESSION_TYPE") == "wayland"
    return bool(env.get("DISPLAY")) and not wayland


def _qt_library_folders() -> list[Path]:
    """Where Qt finds libraries beside its own (its RPATH, the installer's bundle)."""
    folders: list[Path] = []
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        folders += [Path(frozen), Path(frozen) / "PySide6" / "Qt" / "lib"]
    try:
        spec = importlib.util.find_spec("PySide6")  # finds the package without importing it
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        folders += [Path(p) / "Qt" / "lib" for p in spec.submodule_search_locations]
    return folders


def _system_library_folders() -> list[Path]:
    """The dynamic linker's usual folders (multiarch ones included) and LD_LIBRARY_PATH: a
    file found there needs no dlopen, so the check costs a few stat calls when all is well."""
    folders = [Path(p) for p in os.environ.get("LD_LIBRARY_PATH", "").split(os.pathsep) if p]
    for base in ("/lib", "/usr/lib", "/lib64", "/usr/lib64", "/usr/local/lib"):
        root = Path(base)
        folders.append(root)
        try:
            folders += [root / name for name in os.listdir(root)
                        if "-linux-" in name and ".so" not in name]
        except OSError:
            continue
    return folders


def _loads(soname: str) -> bool:
    """The linker's own answer (ld.so.conf, RPATH-free), for a library not found on disk."""
    import ctypes

    try:
        ctypes.CDLL(soname)
    except OSError:
        return False
    return True


def missing_libraries(
    libraries: Sequence[tuple[str, str]],
    loads: Callable[[str], bool] = _loads,
    folders: Sequence[Path] | None = None,
) -> list[str]:
    """The packages (in table order, once each) whose library neither the usual folders, Qt's
    own library folders nor the dynamic linker can provide."""
    search = ([*_qt_library_folders(), *_system_library_folders()] if folders is None
              else list(folders))
    packages: list[str] = []
    for soname, package in libraries:
        if package in packages or any((folder / soname).exists() for folder in search):
            continue
        if not loads(soname):
            packages.append(package)
    return packages


def install_line(packages: Sequence[str]) -> str:
    return "sudo apt-get install " + " ".join(packages)


def window_problem(env: Mapping[str, str] | None = None) -> str | None:
    """Why the window cannot open here, as the one line desk prints; None when it can."""
    env = os.environ if env is None else env
    if no_display(env):
        return NO_DISPLAY
    if not _is_linux():
        return None
    wanted = list(WINDOW_LIBRARIES) + (list(XCB_LIBRARIES) if uses_xcb(env) else [])
    missing = missing_libraries(wanted)
    if not missing:
        return None
    return ("desk: the window needs system libraries that are missing here; on Debian or"
            f" Ubuntu install them with: {install_line(missing)}")


def window_packages() -> list[str]:
    """Every package the window may need (the README's apt-get line lists them all)."""
    return list(dict.fromkeys(p for _, p in (*WINDOW_LIBRARIES, *XCB_LIBRARIES)))
