"""The one exception parsing raises on purpose: a file refused with a reason a reviewer can read."""

from __future__ import annotations


class Rejected(Exception):
    """A file was refused; `reason` is short, plain and safe to show (e.g. "truncated JPEG")."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason

    def __str__(self) -> str:
        return self.reason
