"""Each item's metadata sources in the dossier: the same rows the inspector shows, as data.

Readers of a dossier see where the capture time came from, the file's save time labelled as
not a capture time, and every other source of each field, so "taken on 1 March" can be checked
against the file itself.
"""

from __future__ import annotations

from desk.core.metadata_display import not_read_note, source_rows
from desk.core.model import Metadata


def sources_json(metadata: Metadata) -> dict[str, object]:
    """The `metadata.sources` of one evidence entry of dossier.json."""
    return {
        "captured_at_source": metadata.captured_at_source,
        "saved_at": metadata.saved_at,
        "saved_at_source": metadata.saved_at_source,
        "read": metadata.sources_read,
        "not_read": not_read_note(metadata),
        "rows": [{"label": row.label, "value": row.value, "source": row.source,
                  "used": row.used} for row in source_rows(metadata)],
    }
