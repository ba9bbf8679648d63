"""One claim's verdict dossier: HTML, JSON, the PDF's input, a manifest of hashes and its signature.

Pure Python (no Qt): the PDF is printed by `desk.ui.export.pdf_printer`, handed in as a callable.
"""

from __future__ import annotations

from desk.dossier.errors import DossierError
from desk.dossier.export import ExportResult, export_dossier, preflight, render_preview
from desk.dossier.verify import verify_dossier

__all__ = [
    "DossierError",
    "ExportResult",
    "export_dossier",
    "preflight",
    "render_preview",
    "verify_dossier",
]
