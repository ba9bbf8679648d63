"""desk: evidence review for verification desks."""

__version__ = "0.1.0"
