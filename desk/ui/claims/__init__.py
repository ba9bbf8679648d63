"""Claims and verdicts: the claims workspace, statements, linked evidence, verdicts."""
