"""One date rule for the window and the command line."""

from __future__ import annotations

import pytest

from desk.core.dates import is_date_text


@pytest.mark.parametrize("text", ["2025-12-29", " 2025-12-29 ", "2025-12-29T14:05:00Z",
                                  "2025-12-29T14:05:00+03:00", "2025-12-29 14:05"])
def test_dates_a_reviewer_types_are_taken(text: str) -> None:
    assert is_date_text(text)


@pytest.mark.parametrize("text", ["", "yesterday", "2025-13-01", "2025-02-30", "29.12.2025",
                                  "2025-12-29T25:00", "2025-12-29x"])
def test_anything_else_is_not_a_date(text: str) -> None:
    assert not is_date_text(text)


def test_a_time_after_a_space_only_where_asked() -> None:
    assert not is_date_text("2025-12-29 14:05", with_time=False)
    assert is_date_text("2025-12-29T14:05", with_time=False)
