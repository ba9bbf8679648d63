"""The one error a dossier operation raises, with a message meant for the reviewer."""

from __future__ import annotations


class DossierError(Exception):
    """An export or verification that cannot go ahead (unknown claim, unusable folder...)."""
