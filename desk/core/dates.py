"""The one rule for the dates a reviewer types (statements, claims, provenance): the window's
fields and the command line accept exactly the same text, so a case reads the same whoever
wrote it."""

from __future__ import annotations

import re
from datetime import date, datetime

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def is_date_text(text: str, *, with_time: bool = True) -> bool:
    """YYYY-MM-DD, or a full ISO time (2025-12-29T14:05:00Z); with `with_time` also a time
    after a space ("2025-12-29 14:05", as the provenance fields show it). Empty is no date."""
    value = text.strip()
    try:
        if _DATE.fullmatch(value):
            date.fromisoformat(value)
            return True
        if _DATE.match(value) and ("T" in value or (with_time and " " in value)):
            datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
            return True
    except ValueError:
        pass
    return False
