"""Metadata sources as a reviewer reads them: one table, in the same words for the inspector and
the dossier. The save time is always labelled as not a capture time."""

from __future__ import annotations

from dataclasses import dataclass

from desk.core.model import Metadata

#: What desk says of sources it never read (items imported before format 1.5). Here, not in
#: metadata_rows, so the window can word it without loading sqlite3 at start-up.
NOT_READ = "not read: imported before desk 1.5"

#: Reading field -> its label, in the order rows are shown.
FIELD_LABELS: dict[str, str] = {
    "captured_at": "Captured",
    "utc_offset": "UTC offset",
    "saved_at": "Saved (not captured)",
    "gps": "GPS position",
    "make": "Camera make",
    "model": "Camera model",
    "software": "Software",
    "city": "City",
    "country": "Country",
    "edit": "Editing step",
}
#: Flags of the metadata sources: (title, what it means for verification, is a warning).
SOURCE_FLAGS: dict[str, tuple[str, str, bool]] = {
    "capture_sources_disagree": (
        "Capture times disagree",
        "The file states different capture times in different places (EXIF, XMP, IPTC). One "
        "of them was changed, or the file was made from another one.", True),
    "gps_sources_disagree": (
        "GPS positions disagree",
        "The file states two positions more than 50 m apart (EXIF GPS and XMP). One was "
        "edited, or copied from another picture.", True),
    "edit_history": (
        "Editing history",
        "The file's XMP records that it was saved, converted or derived by software after it "
        "was made.", True),
    "xmp_refused": (
        "XMP refused",
        "The XMP packet is built like an attack on XML readers (entities, a document type, "
        "deep nesting) and was not read. That is never accidental.", True),
    "xmp_too_large": (
        "XMP too large",
        "The XMP packet is far larger than any real one and was not read.", True),
    "xmp_malformed": (
        "XMP malformed",
        "The XMP packet is broken; what came after the break was not read.", True),
    "xmp_extended_skipped": (
        "Extended XMP not read",
        "Part of the XMP is in extended segments, which desk does not read; check the file "
        "with ExifTool if it matters.", False),
    "iptc_malformed": (
        "IPTC malformed",
        "The IPTC block's lengths do not hold; what came after the fault was not read.", True),
}


@dataclass(frozen=True)
class SourceRow:
    """One reading as shown: the field's label, the value, where it was read, and whether it
    is the value desk uses for the field (the others are there to compare)."""

    label: str
    value: str
    source: str
    used: bool


def source_rows(metadata: Metadata) -> list[SourceRow]:
    """Every reading of an item, grouped by field in `FIELD_LABELS` order, the used one first."""
    order = {name: index for index, name in enumerate(FIELD_LABELS)}
    readings = sorted(enumerate(metadata.readings),
                      key=lambda pair: (order.get(pair[1].field, len(order)),
                                        not pair[1].used, pair[0]))
    return [SourceRow(FIELD_LABELS.get(r.field, r.field.replace("_", " ").capitalize()),
                      r.value.replace("T", " ", 1) if r.field in ("captured_at", "saved_at")
                      else r.value, r.source, r.used)
            for _, r in readings]


def not_read_note(metadata: Metadata) -> str:
    """What to say when the sources were never read ('' when they were)."""
    return "" if metadata.sources_read else f"XMP, IPTC and maker notes {NOT_READ}."
