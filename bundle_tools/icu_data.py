"""A smaller ICU data library for the bundle: Qt Core's ICU calls, without the rest of CLDR.

Qt's ICU data library (`libicudata.so.NN`) holds all of ICU's data, 32 MB, in one symbol
(`icudtNN_dat`, an ICU "common data" package). Qt Core calls into ICU for four things only:
collation (QCollator, also used by the file dialog), time-zone names (ucal), text codecs
(ucnv) and case mapping (u_strToUpper/Lower). None of them reads the unit, currency,
language, region, transliteration, number-spelling or break-iterator trees, the Unicode
character names, nor ICU's StringPrep profiles and spoof-check confusables; those go.

Two more go because desk never makes the call that reads them (only Qt Core links ICU, and
desk's own text comes through Python, its pages through Chromium, which has its own ICU in
`icudtl.dat`): the legacy-encoding tables (`*.cnv`, 5 MB: QStringDecoder("windows-1251") is
then invalid, as for any codec Qt does not know; UTF-8/16/32, Latin-1 and ASCII are
algorithmic and need no table) and the time-zone display names of locales other than English
(`zone/`, 3 MB: QTimeZone::displayName falls back to the root names, "GMT+02:00"; desk names
zones through tzfpy and Python). Everything else stays byte for byte: collation for every
locale (the file dialog and sorting follow the reviewer's locale), the zone rules, the
calendar and locale data.

The package format (ICU's ucmndata.h): a 16-byte-aligned data header, then a table of
contents `uint32 count` and `count` pairs of `uint32` (name offset, data offset), both
relative to the start of the table, then the names, then the items, each 16-byte aligned.
ICU looks names up by binary search, so the original order is kept. The filtered package is
linked into a library with the same soname and symbol with the C compiler.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bundle_tools.elf import symbol_bytes

#: Item-name prefixes (after "icudtNNl/") that Qt Core's ICU calls never read.
UNUSED_TREES = ("brkitr/", "curr/", "lang/", "rbnf/", "region/", "translit/", "unit/")
UNUSED_ITEMS = ("unames.icu",)
#: Item-name endings: converter tables (Qt's legacy codecs, which desk never asks for),
#: StringPrep profiles and confusables (usprep, uspoof: Qt Core calls neither).
UNUSED_SUFFIXES = (".cnv", ".spp", ".cfu")
#: The time-zone names tree keeps its shared parts and English (desk's interface language).
ZONE_NAMES_TREE = "zone/"
ZONE_NAMES_KEPT = ("pool.res", "res_index.res", "root.res", "tzdbNames.res", "en.res")

_MAGIC = (0xDA, 0x27)
_ALIGN = 16
_PAD = b"\xaa"  # what ICU's own packager fills gaps with, so a round trip is byte-exact


class IcuDataError(RuntimeError):
    """The library is not the kind of ICU data package this module knows how to filter."""


@dataclass(frozen=True)
class Item:
    name: str
    data: bytes


@dataclass(frozen=True)
class Package:
    header: bytes
    items: tuple[Item, ...]


def parse_package(blob: bytes) -> Package:
    """Split an ICU common-data package into its header and named items."""
    if len(blob) < 32 or (blob[2], blob[3]) != _MAGIC:
        raise IcuDataError("not an ICU data package (bad magic)")
    header_size = struct.unpack_from("<H", blob, 0)[0]
    if blob[8] != 0 or blob[12:16] != b"CmnD" or blob[16] != 1:
        raise IcuDataError("not a little-endian ICU common-data package, format 1")
    toc = header_size
    (count,) = struct.unpack_from("<I", blob, toc)
    entries = [struct.unpack_from("<II", blob, toc + 4 + 8 * i) for i in range(count)]
    items = []
    for index, (name_offset, data_offset) in enumerate(entries):
        name_end = blob.index(b"\0", toc + name_offset)
        name = blob[toc + name_offset:name_end].decode("ascii")
        end = entries[index + 1][1] if index + 1 < count else len(blob) - toc
        items.append(Item(name, blob[toc + data_offset:toc + end]))
    return Package(blob[:header_size], tuple(items))


def build_package(package: Package) -> bytes:
    """The inverse of `parse_package`, for any subset of items in their original order."""
    count = len(package.items)
    names = b"".join(item.name.encode("ascii") + b"\0" for item in package.items)
    table_size = 4 + 8 * count
    first_data = _aligned(table_size + len(names))
    entries: list[tuple[int, int]] = []
    name_offset, data_offset = table_size, first_data
    for item in package.items:
        entries.append((name_offset, data_offset))
        name_offset += len(item.name) + 1
        data_offset = _aligned(data_offset + len(item.data))
    out = bytearray(package.header)
    out += struct.pack("<I", count)
    for entry in entries:
        out += struct.pack("<II", *entry)
    out += names
    for item, (_, offset) in zip(package.items, entries, strict=True):
        out += _PAD * (len(package.header) + offset - len(out))
        out += item.data
    return bytes(out)


def _aligned(offset: int) -> int:
    return (offset + _ALIGN - 1) // _ALIGN * _ALIGN


def is_unused(name: str) -> bool:
    """True for an item desk's Qt never reads ("icudt73l/lang/de.res", say)."""
    _, _, local = name.partition("/")
    if local.startswith(ZONE_NAMES_TREE):
        zone_item = local.removeprefix(ZONE_NAMES_TREE)
        return not (zone_item in ZONE_NAMES_KEPT or zone_item.startswith("en_"))
    return local.startswith(UNUSED_TREES) or local in UNUSED_ITEMS or local.endswith(
        UNUSED_SUFFIXES)


def filtered(package: Package, drop: Iterable[str] | None = None) -> Package:
    names = set(drop) if drop is not None else {i.name for i in package.items if is_unused(i.name)}
    return Package(package.header, tuple(i for i in package.items if i.name not in names))


_SONAME = re.compile(r"libicudata\.so\.(\d+)$")


def shrink_library(library: Path, compiler: str = "cc") -> int:
    """Replace a Linux `libicudata.so.NN` with one holding only what Qt Core reads.

    Returns the bytes saved. The original is left untouched if anything fails.
    """
    match = _SONAME.search(library.name)
    if match is None:
        raise IcuDataError(f"{library.name} is not named libicudata.so.NN")
    symbol = f"icudt{match.group(1)}_dat"
    package = parse_package(symbol_bytes(library, symbol))
    blob = build_package(filtered(package))
    if shutil.which(compiler) is None:
        raise IcuDataError(f"no C compiler ({compiler}) to link the smaller ICU data")
    with tempfile.TemporaryDirectory(prefix="desk-icu-") as tmp:
        folder = Path(tmp)
        (folder / "icudata.dat").write_bytes(blob)
        (folder / "icudata.S").write_text(
            "\t.section .rodata\n"
            f"\t.globl {symbol}\n"
            f"\t.type {symbol}, @object\n"
            f"\t.balign {_ALIGN}\n"
            f"{symbol}:\n"
            '\t.incbin "icudata.dat"\n'
            f"\t.size {symbol}, . - {symbol}\n"
            '\t.section .note.GNU-stack,"",@progbits\n',
            encoding="ascii")
        out = folder / library.name
        subprocess.run([compiler, "-shared", "-nostdlib", f"-Wl,-soname,{library.name}",
                        "-Wl,-z,noexecstack", "-o", str(out), "icudata.S"],
                       cwd=folder, check=True, capture_output=True)
        if symbol_bytes(out, symbol) != blob:
            raise IcuDataError("the linked ICU data library does not hold the filtered data")
        before = library.stat().st_size
        shutil.copyfile(out, library)
    return before - library.stat().st_size
