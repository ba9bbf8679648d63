"""The smaller ICU data library: same answers from Qt Core, a fraction of the size."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bundle_tools import elf, icu_data

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="the ICU data library is shrunk in Linux bundles only")


def _qt_icu_data() -> Path:
    import PySide6

    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    if not found:
        pytest.skip("this PySide6 carries no ICU data library")
    return found[-1]


def _symbol(library: Path) -> str:
    return "icudt" + library.name.rsplit(".", 1)[-1] + "_dat"


def test_a_package_round_trips_byte_for_byte() -> None:
    library = _qt_icu_data()
    blob = elf.symbol_bytes(library, _symbol(library))
    package = icu_data.parse_package(blob)
    assert len(package.items) > 1000
    assert icu_data.build_package(package) == blob


def test_only_the_trees_qt_core_never_reads_are_dropped() -> None:
    library = _qt_icu_data()
    package = icu_data.parse_package(elf.symbol_bytes(library, _symbol(library)))
    kept = icu_data.filtered(package)
    names = [item.name.split("/", 1)[1] for item in kept.items]
    assert not [n for n in names if n.startswith(icu_data.UNUSED_TREES)]
    assert not [n for n in names if n.endswith(icu_data.UNUSED_SUFFIXES)]
    for needed in ("coll/ucadata.icu", "coll/uk.res", "coll/zh.res", "zoneinfo64.res",
                   "metaZones.res", "timezoneTypes.res", "zone/root.res", "zone/en.res",
                   "zone/en_GB.res", "zone/pool.res", "cnvalias.icu", "uk.res", "ru.res",
                   "nfkc.nrm"):
        assert needed in names
    for dropped in ("zone/uk.res", "zone/ru.res", "ibm-1251_P100-1995.cnv", "gb18030.cnv"):
        assert dropped not in names
    assert len(icu_data.build_package(kept)) < 0.4 * len(icu_data.build_package(package))


def test_something_else_is_refused() -> None:
    with pytest.raises(icu_data.IcuDataError):
        icu_data.parse_package(b"\x7fELF" + bytes(64))
    with pytest.raises(icu_data.IcuDataError):
        icu_data.shrink_library(Path("/tmp/libfoo.so.1"))


_PROBE = r"""
import functools, json
from PySide6.QtCore import QCollator, QLocale, QStringDecoder, QTimeZone
words = ["ґава", "гора", "яблуко", "їжак", "ёж", "Äpfel", "apfel", "zebra", "Øre", "ß", "ss",
         "中文", "日本"]
out = {"coll_" + loc: sorted(words, key=functools.cmp_to_key(QCollator(QLocale(loc)).compare))
       for loc in ("uk", "ru", "de", "sv", "zh", "en_US")}
for zone in (b"Europe/Kyiv", b"Europe/Moscow", b"Asia/Tokyo"):
    for loc in ("uk", "ru", "en"):
        out[zone.decode() + loc] = QTimeZone(zone).displayName(
            QTimeZone.TimeType.StandardTime, QTimeZone.NameType.LongName, QLocale(loc))
out["codecs"] = QStringDecoder.availableCodecs()
out["windows-1251"] = QStringDecoder("windows-1251").isValid()
out["case"] = [QLocale(loc).toUpper("iı straße") for loc in ("tr", "en")]
maps = open("/proc/self/maps").read()
out["loaded"] = sorted({line.split()[-1] for line in maps.splitlines() if "libicudata" in line})
print(json.dumps(out, ensure_ascii=False))
"""


def _probe(library_path: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if library_path is not None:
        env["LD_LIBRARY_PATH"] = str(library_path)  # searched before Qt's own RUNPATH
    done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    return json.loads(done.stdout)


@pytest.mark.skipif(shutil.which("cc") is None, reason="no C compiler to link the library")
def test_qt_core_answers_the_same_from_the_smaller_library(tmp_path: Path) -> None:
    original = _qt_icu_data()
    smaller = tmp_path / original.name
    shutil.copyfile(original, smaller)
    saved = icu_data.shrink_library(smaller)
    assert saved > 10_000_000
    assert smaller.stat().st_size == original.stat().st_size - saved

    before, after = _probe(None), _probe(tmp_path)
    assert after.pop("loaded") == [str(smaller)]
    before.pop("loaded")
    # What desk's Qt uses answers the same: collation in every locale, case mapping, English
    # zone names.
    same = [k for k in before if k.startswith(("coll_", "case")) or k.endswith("en")]
    assert len(same) == 10
    assert {k: after[k] for k in same} == {k: before[k] for k in same}
    assert "час" in str(before["Europe/Kyivuk"])
    # What it never asks for falls back quietly: zone names in other languages read as the
    # root names, legacy codecs are unknown while the Unicode ones stay.
    assert after["Europe/Kyivuk"] and "час" not in str(after["Europe/Kyivuk"])
    assert before["windows-1251"] is True and after["windows-1251"] is False
    assert {"UTF-8", "UTF-16", "ISO-8859-1"} <= set(after["codecs"])  # type: ignore[arg-type]
