"""Exporting a dossier: the dialog, the job, the preview and the PDF printer."""
