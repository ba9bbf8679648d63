"""The frame and what a reviewer draws on it: arrows, the horizon, movement."""
