"""Where an unpacked bundle's megabytes go, grouped by the package or library they came from.

The build prints this table (and `build_installer.py --sizes DIR` prints it for a bundle kept
with `--work`), so a change in size can be traced to its origin: Qt WebEngine, the rest of Qt,
FFmpeg's libraries by what they do, psycopg's libpq, c2pa, Python and so on. Sizes are of the
files as they lie on disk (symlinks count as their own few bytes, never twice).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

#: FFmpeg's own libraries in PyAV's wheel (av.libs/), by soname stem.
FFMPEG_CORE = ("libavcodec", "libavformat", "libavfilter", "libavdevice", "libavutil",
               "libswscale", "libswresample")
#: Codec libraries that only encode (FFmpeg decodes these formats itself or not at all).
ENCODER_ONLY = ("libx264", "libx265", "libSvtAv1Enc", "libmp3lame", "libopencore-amrnb",
                "libvo-amrwbenc", "libtwolame", "libvorbisenc")
#: What libavformat's TLS (https://, tls://) needs.
FFMPEG_TLS = ("libgnutls", "libnettle", "libhogweed", "libgmp", "libunistring", "libtasn1",
              "libidn2", "libp11-kit")
#: What libavdevice (screen and sound capture) and hardware decoding need.
FFMPEG_DEVICES = ("libasound", "libxcb", "libXau", "libdrm", "libvpl", "libva")

Rule = tuple[str, Callable[[str], bool]]


def stem(name: str) -> str:
    """`libavcodec-5e6b81c2.so.62` -> `libavcodec` (auditwheel adds a hash to each name)."""
    return re.sub(r"(-[0-9a-f]{8})?\.so.*$", "", name)


def _under(*prefixes: str) -> Callable[[str], bool]:
    return lambda rel: rel.startswith(prefixes)


def _av_lib(group: tuple[str, ...]) -> Callable[[str], bool]:
    return lambda rel: rel.startswith("av.libs/") and stem(rel.split("/")[1]) in group


_QT = "PySide6/Qt/"

#: (origin, test on the path relative to the bundle's library folder); the first match wins.
RULES: list[Rule] = [
    ("Qt WebEngine core (libQt6WebEngineCore)", _under(_QT + "lib/libQt6WebEngineCore")),
    ("Qt WebEngine resources, locales, process",
     _under(_QT + "resources/", _QT + "translations/", _QT + "libexec/")),
    ("Qt ICU (libicu*)", _under(_QT + "lib/libicu")),
    ("other Qt libraries", _under(_QT + "lib/")),
    ("Qt plugins", _under(_QT + "plugins/")),
    ("PySide6 and shiboken6 bindings", _under("PySide6/", "shiboken6/")),
    ("FFmpeg libav*/libsw* (av.libs)", _av_lib(FFMPEG_CORE)),
    ("FFmpeg encoder-only codec libraries (av.libs)", _av_lib(ENCODER_ONLY)),
    ("FFmpeg TLS: GnuTLS and its maths (av.libs)", _av_lib(FFMPEG_TLS)),
    ("FFmpeg capture and hardware: ALSA, xcb, drm, VPL (av.libs)", _av_lib(FFMPEG_DEVICES)),
    ("FFmpeg decoder and other codec libraries (av.libs)", _under("av.libs/")),
    ("PyAV bindings (av/)", _under("av/")),
    ("psycopg-binary: libpq, OpenSSL, Kerberos, LDAP",
     _under("psycopg_binary", "psycopg/", "psycopg_c")),
    ("c2pa-python (libc2pa_c)", _under("c2pa")),
    ("cryptography (Rust + OpenSSL)", _under("cryptography")),
    ("Pillow and its libraries", _under("PIL/", "pillow.libs/")),
    ("pi-heif (libheif, libde265)", _under("pi_heif")),
    ("Python runtime (libpython)", lambda rel: rel.startswith("libpython")),
    ("Python standard library", _under("base_library.zip", "python3", "lib-dynload/")),
    ("desk, its resources and sample cases", _under("desk", "resources/", "sample_cases/")),
    ("system libraries PyInstaller collected", lambda rel: "/" not in rel and ".so" in rel),
]
OTHER = "other packages and data"


def origin(rel: str) -> str:
    """The origin of a file, by its path relative to the bundle's library folder."""
    return next((name for name, test in RULES if test(rel)), OTHER)


def library_folder(bundle: Path) -> Path:
    """Where PyInstaller puts everything but the executable (`_internal`, or a .app's)."""
    return next((p for p in (bundle / "_internal", bundle / "Contents" / "Frameworks")
                 if p.is_dir()), bundle)


def by_origin(bundle: Path) -> list[tuple[str, int, int]]:
    """(origin, bytes, files) for the whole bundle, largest first; the executable and any
    file outside the library folder count as "desk executable"."""
    folder = library_folder(bundle)
    totals: dict[str, list[int]] = {}
    for path in bundle.rglob("*"):
        if not (path.is_file() or path.is_symlink()):
            continue
        try:
            rel = path.relative_to(folder).as_posix()
        except ValueError:
            rel = ""
        name = origin(rel) if rel else "desk executable"
        entry = totals.setdefault(name, [0, 0])
        entry[0] += path.lstat().st_size
        entry[1] += 1
    return sorted(((name, size, count) for name, (size, count) in totals.items()),
                  key=lambda item: -item[1])


def largest_files(bundle: Path, count: int = 15) -> list[tuple[str, int]]:
    """The single largest files (symlinks not followed), relative to the library folder."""
    folder = library_folder(bundle)
    files = [(p, p.lstat().st_size) for p in bundle.rglob("*")
             if p.is_file() and not p.is_symlink()]
    files.sort(key=lambda item: -item[1])
    return [(_relative(p, folder), size) for p, size in files[:count]]


def _relative(path: Path, folder: Path) -> str:
    try:
        return path.relative_to(folder).as_posix()
    except ValueError:
        return path.name


def table(bundle: Path) -> str:
    """The by-origin table as text, with the total, in MB (10^6 bytes)."""
    rows = by_origin(bundle)
    total = sum(size for _name, size, _count in rows)
    width = max(len(name) for name, _size, _count in rows) if rows else 10
    lines = [f"{'origin':<{width}}  {'MB':>7}  files"]
    lines += [f"{name:<{width}}  {size / 1e6:7.1f}  {count:5d}" for name, size, count in rows]
    lines.append(f"{'total':<{width}}  {total / 1e6:7.1f}")
    return "\n".join(lines)
