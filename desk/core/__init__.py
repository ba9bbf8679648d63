"""The domain of desk, free of Qt: the case file, intake, metadata and custody log."""
