"""Just enough of 64-bit little-endian ELF to prune a bundle's shared libraries.

PyInstaller collects every library that any collected binary needs. When the build then trims
a Qt plugin (the GTK theme, CUPS printing), the libraries only that plugin needed stay behind:
GTK, cairo, pango, CUPS, GnuTLS. `needed` reads a file's DT_NEEDED list, and `unneeded` finds
the libraries that something needed before the trim and nothing needs after it. Libraries
nothing needed even before (modules ICU, NSS or Python load by name) are never touched.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from pathlib import Path

_ELF64_LE = b"\x7fELF\x02\x01"
_PT_LOAD, _PT_DYNAMIC = 1, 2
_DT_NULL, _DT_NEEDED, _DT_STRTAB, _DT_SYMTAB = 0, 1, 5, 6


class ElfError(ValueError):
    """A file that claims to be ELF but is cut short or inconsistent."""


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(6) == _ELF64_LE
    except OSError:
        return False


def needed(path: Path) -> list[str]:
    """The DT_NEEDED entries (sonames) of a 64-bit little-endian ELF file, in order."""
    data = _read_elf(path)
    try:
        loads, entries = _dynamic(data)
        strtab = next((value for tag, value in entries if tag == _DT_STRTAB), None)
        if strtab is None:
            return []
        start = _file_offset(loads, strtab)
        return [_c_string(data, start + value) for tag, value in entries if tag == _DT_NEEDED]
    except (struct.error, ValueError) as exc:
        raise ElfError(f"{path.name}: {exc}") from exc


def symbol_bytes(path: Path, name: str) -> bytes:
    """The bytes of an exported data symbol (ICU keeps all its data in one such symbol)."""
    data = _read_elf(path)
    loads, entries = _dynamic(data)
    tags = dict(reversed(entries))  # the first entry of each tag wins
    if _DT_STRTAB not in tags or _DT_SYMTAB not in tags:
        raise ElfError(f"{path.name} has no dynamic symbol table")
    strtab, symtab = _file_offset(loads, tags[_DT_STRTAB]), _file_offset(loads, tags[_DT_SYMTAB])
    # The dynamic symbol table sits right before the string table in every linker's output.
    for offset in range(symtab, strtab, 24):
        st_name, _info, _other, _shndx, st_value, st_size = struct.unpack_from(
            "<IBBHQQ", data, offset)
        if st_name and _c_string(data, strtab + st_name) == name:
            start = _file_offset(loads, st_value)
            return data[start:start + st_size]
    raise ElfError(f"{path.name} exports no symbol {name}")


def _read_elf(path: Path) -> bytes:
    data = path.read_bytes()
    if not data.startswith(_ELF64_LE):
        raise ElfError(f"{path.name} is not a 64-bit little-endian ELF file")
    return data


def _segments(data: bytes) -> tuple[list[tuple[int, int, int]], tuple[int, int] | None]:
    (phoff,) = struct.unpack_from("<Q", data, 32)
    phentsize, phnum = struct.unpack_from("<HH", data, 54)
    loads: list[tuple[int, int, int]] = []
    dynamic = None
    for index in range(phnum):
        p_type, _flags, p_offset, p_vaddr, _paddr, p_filesz = struct.unpack_from(
            "<IIQQQQ", data, phoff + index * phentsize)
        if p_type == _PT_LOAD:
            loads.append((p_vaddr, p_offset, p_filesz))
        elif p_type == _PT_DYNAMIC:
            dynamic = (p_offset, p_filesz)
    return loads, dynamic


def _dynamic(data: bytes) -> tuple[list[tuple[int, int, int]], list[tuple[int, int]]]:
    """The loadable segments and the dynamic section's (tag, value) entries up to DT_NULL."""
    loads, dynamic = _segments(data)
    entries: list[tuple[int, int]] = []
    if dynamic is not None:
        for index in range(dynamic[1] // 16):
            tag, value = struct.unpack_from("<qQ", data, dynamic[0] + 16 * index)
            if tag == _DT_NULL:
                break
            entries.append((tag, value))
    return loads, entries


def _file_offset(loads: list[tuple[int, int, int]], address: int) -> int:
    for vaddr, offset, size in loads:
        if vaddr <= address < vaddr + size:
            return address - vaddr + offset
    raise ValueError(f"address {address:#x} is in no loaded segment")


def _c_string(data: bytes, start: int) -> str:
    return data[start:data.index(b"\0", start)].decode("utf-8", "replace")


def dependency_graph(root: Path) -> dict[Path, list[str]]:
    """Every ELF file under `root` (symlinks not followed) with the sonames it needs."""
    return {path: needed(path) for path in sorted(root.rglob("*"))
            if path.is_file() and not path.is_symlink() and is_elf(path)}


def reached(graph: dict[Path, list[str]], roots: Iterable[Path]) -> set[Path]:
    """The files that `roots` need, directly or through each other, matched by file name."""
    by_name: dict[str, Path] = {}
    for path in graph:
        by_name.setdefault(path.name, path)
    seen: set[Path] = set()
    stack = [path for path in roots if path in graph]
    while stack:
        for soname in graph[stack.pop()]:
            target = by_name.get(soname)
            if target is not None and target not in seen:
                seen.add(target)
                stack.append(target)
    return seen


def unneeded(before: dict[Path, list[str]], after: dict[Path, list[str]],
             libraries: Iterable[Path]) -> list[Path]:
    """Libraries among `libraries` that were needed in `before` and are not needed in `after`.

    Every file in a graph counts as a root except the candidate libraries themselves, so a
    library only the candidates need goes with them.
    """
    candidates = set(libraries)
    was = reached(before, (p for p in before if p not in candidates))
    still = reached(after, (p for p in after if p not in candidates))
    return sorted(p for p in candidates if p in was and p not in still and p in after)
