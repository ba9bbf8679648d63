"""A row's values as they travel: one line of ASCII JSON, blobs as base64 objects.

PostgreSQL's text cannot hold NUL and its jsonb would rewrite numbers (1e300 comes back an
integer), so the text is kept verbatim and read back to the exact Python values the digest was
taken over; the reader re-checks that digest, so a value changed on the server is refused.
"""

from __future__ import annotations

import base64
import binascii
import json

from desk.core.replay import Values


def _plain(value: object) -> bool:
    """A value SQLite gives as itself (bool is an int to Python, never one SQLite gives)."""
    return value is None or (isinstance(value, int | float | str) and not isinstance(value, bool))


def encode(values: Values) -> str:
    shown: list[object] = []
    for value in values:
        if isinstance(value, bytes):
            shown.append({"b64": base64.b64encode(value).decode("ascii")})
        elif _plain(value):
            shown.append(value)
        else:
            raise ValueError(f"a row value of type {type(value).__name__} cannot travel")
    return json.dumps(shown, ensure_ascii=True, separators=(",", ":"), allow_nan=True)


def decode(text: str) -> Values | None:
    """The values, or None when the text is not a row desk wrote."""
    try:
        items = json.loads(text)
    except ValueError:
        return None
    if not isinstance(items, list):
        return None
    values: list[object] = []
    for item in items:
        if isinstance(item, dict):
            data = item.get("b64")
            if set(item) != {"b64"} or not isinstance(data, str):
                return None
            try:
                values.append(base64.b64decode(data, validate=True))
            except (binascii.Error, ValueError):
                return None
        elif _plain(item):
            values.append(item)
        else:
            return None
    return tuple(values)
