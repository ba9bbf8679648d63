"""Link stubs: a small library in place of a large one that only code desk never runs calls.

PyAV's libavcodec links the encoder libraries of its wheel (x265, SVT-AV1, x264, LAME) by
DT_NEEDED, so the dynamic linker refuses to load libavcodec, and with it all of PyAV, when one
is missing, although desk only decodes (its formats have FFmpeg's own decoders). A stub has
the same soname and defines every symbol that any file of the bundle imports from the
library: functions that print which library was left out and abort, data objects of the same
size filled with zeros. Loading works as before; only a call into a left-out encoder (which
desk never makes) stops the process, with that message, instead of misbehaving.

Only libraries without symbol versions are stubbed (a versioned one would need its version
script too); `make_stub` refuses the others. The stub is linked with the C compiler.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bundle_tools import elf


class StubError(RuntimeError):
    """The library cannot be stubbed (versioned symbols, no soname, no tools)."""


@dataclass(frozen=True)
class Symbol:
    name: str
    function: bool
    size: int


def _nm(path: Path, *flags: str) -> list[list[str]]:
    if shutil.which("nm") is None:
        raise StubError("nm is needed to read symbol tables (apt install binutils)")
    out = subprocess.run(["nm", "-D", *flags, str(path)], capture_output=True, text=True,
                         check=True).stdout
    return [line.split() for line in out.splitlines() if line.strip()]


def defined_symbols(path: Path) -> dict[str, Symbol]:
    """The dynamic symbols a library defines, with whether each is code and its size."""
    symbols: dict[str, Symbol] = {}
    for fields in _nm(path, "--defined-only", "-S"):
        if len(fields) == 4:
            _value, size, kind, name = fields
        elif len(fields) == 3:
            _value, kind, name = fields
            size = "8"
        else:
            continue
        if kind in "AaUw" or "@" in name:
            continue  # absolute or versioned: nothing to link to
        symbols[name] = Symbol(name, kind in "TtWiI", int(size, 16) if len(fields) == 4 else 8)
    return symbols


def imported_symbols(paths: Iterable[Path]) -> set[str]:
    """Every dynamic symbol that any of `paths` leaves undefined (version suffixes dropped)."""
    names: set[str] = set()
    for path in paths:
        for fields in _nm(path, "--undefined-only"):
            names.add(fields[-1].split("@")[0])
    return names


def soname(path: Path) -> str:
    out = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        if "(SONAME)" in line:
            return line.split("[", 1)[1].rstrip("]")
    raise StubError(f"{path.name} has no soname")


def _versioned(path: Path) -> bool:
    out = subprocess.run(["readelf", "-V", str(path)], capture_output=True, text=True,
                         check=True).stdout
    return "Version definition section" in out


#: Functions FFmpeg calls while it lists its codecs (at `import av`), not only when encoding:
#: their stubs return NULL, which FFmpeg reads as "no such encoder build" (libx265.c asks
#: `x265_api_get` which bit depths exist to fill in the encoder's pixel formats).
RETURN_NULL = frozenset({"x265_api_get_216", "x265_api_query"})


def stub_source(library: str, symbols: Iterable[Symbol]) -> str:
    """C source defining `symbols` under their own names (asm labels allow any name)."""
    lines = ["#include <stdio.h>", "#include <stdlib.h>",
             "static void left_out(const char *name) {",
             f'    fprintf(stderr, "desk: %s called, but {library} is left out of this '
             'bundle (desk never encodes video)\\n", name);',
             "    abort();", "}"]
    for index, symbol in enumerate(sorted(symbols, key=lambda s: s.name)):
        label = symbol.name.replace("\\", "\\\\").replace('"', '\\"')
        if symbol.function and symbol.name in RETURN_NULL:
            lines.append(f'void *stub_{index}(void) __asm__("{label}");')
            lines.append(f'void *stub_{index}(void) {{ return 0; }}')
        elif symbol.function:
            lines.append(f'void stub_{index}(void) __asm__("{label}");')
            lines.append(f'void stub_{index}(void) {{ left_out("{label}"); }}')
        else:
            lines.append(f'unsigned char stub_{index}[{max(symbol.size, 1)}] __asm__("{label}")'
                         " __attribute__((aligned(16))) = {0};")
    return "\n".join(lines) + "\n"


def make_stub(library: Path, consumers: Iterable[Path]) -> int:
    """Replace `library` (in place) by a stub of what `consumers` import from it; returns
    the bytes saved."""
    if not elf.is_elf(library):
        raise StubError(f"{library.name} is not an ELF library")
    if _versioned(library):
        raise StubError(f"{library.name} has versioned symbols; it cannot be stubbed")
    if shutil.which("cc") is None:
        raise StubError("a C compiler is needed to link stubs (apt install gcc)")
    name = soname(library)
    wanted = imported_symbols(consumers)
    symbols = [s for n, s in defined_symbols(library).items() if n in wanted]
    before = library.stat().st_size
    with tempfile.TemporaryDirectory(prefix="desk-stub-") as tmp:
        source = Path(tmp) / "stub.c"
        source.write_text(stub_source(name, symbols), encoding="utf-8")
        out = Path(tmp) / name
        subprocess.run(["cc", "-shared", "-fPIC", "-O1", "-s", "-o", str(out),
                        f"-Wl,-soname,{name}", str(source)],
                       check=True, capture_output=True)
        shutil.copyfile(out, library)
    return before - library.stat().st_size
