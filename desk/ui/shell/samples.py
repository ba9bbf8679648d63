"""The shipped sample cases as the window offers them; the rules live in desk.core.samples,
which the command line uses too, so both open the same working copy."""

from __future__ import annotations

from desk.core.samples import sample_cases, sample_folder, working_copy

__all__ = ["sample_cases", "sample_folder", "working_copy"]
