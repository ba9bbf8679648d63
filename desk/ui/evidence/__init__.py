"""The evidence list, its model, import with progress and the inspector."""
