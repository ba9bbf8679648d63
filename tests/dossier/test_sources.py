"""The dossier says where each of an item's values was read, labels the save time as not a
capture time, escapes the file's text, and says when the sources were never read."""

from __future__ import annotations

import json
from pathlib import Path

from desk.core import commands
from desk.core.casefile import CaseFile
from desk.core.model import Metadata, Provenance, Reading
from desk.dossier.export import export_dossier
from tests.dossier.conftest import Built, add_still, jpeg

READ = Metadata(
    captured_at="2022-03-01T08:14:00", captured_at_source="EXIF DateTimeOriginal",
    saved_at="2022-03-05T10:00:00", saved_at_source="IFD0 DateTime", sources_read=True,
    readings=(Reading("captured_at", "2022-03-01T08:14:00", "EXIF DateTimeOriginal", True),
              Reading("captured_at", "2021-11-30T19:02:00", "XMP CreateDate"),
              Reading("saved_at", "2022-03-05T10:00:00", "IFD0 DateTime", True),
              Reading("software", "<script>alert(1)</script>", "XMP CreatorTool", True)))


def test_sources_are_in_the_dossier_html_and_json(built: Built, tmp_path: Path) -> None:
    with CaseFile.open(built.path) as case:
        eid = add_still(case, jpeg(7), READ, Provenance(original_name="read.jpg"))
        commands.link_evidence(1, eid, "supports").apply(case)
        export_dossier(case, 1, tmp_path / "d", ("html", "json"))
    record = json.loads((tmp_path / "d" / "dossier.json").read_text())
    entries = {e["id"]: e["metadata"]["sources"] for e in record["evidence"]}
    sources = entries[eid]
    assert sources["captured_at_source"] == "EXIF DateTimeOriginal"
    assert (sources["saved_at"], sources["saved_at_source"]) == ("2022-03-05T10:00:00",
                                                                 "IFD0 DateTime")
    assert [(r["label"], r["source"], r["used"]) for r in sources["rows"]][:3] == [
        ("Captured", "EXIF DateTimeOriginal", True), ("Captured", "XMP CreateDate", False),
        ("Saved (not captured)", "IFD0 DateTime", True)]
    not_read = [s for i, s in entries.items() if i != eid]
    assert not_read and all(s["not_read"] == "XMP, IPTC and maker notes not read: imported"
                            " before desk 1.5." for s in not_read)
    html = (tmp_path / "d" / "dossier.html").read_text()
    assert "Where each value was read" in html
    assert "Saved (not captured)" in html and "XMP CreateDate · not used" in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Captured (EXIF)" not in html
