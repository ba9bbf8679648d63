"""The video view: a player-like view of a video item, and frames taken from it."""
