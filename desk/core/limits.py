"""Hard limits for untrusted input: one place, so intake, parser and tests agree."""

from __future__ import annotations

#: Largest original accepted; bigger files are refused before any parser sees them.
MAX_FILE_BYTES: int = 256 * 1024 * 1024
#: Largest decoded image (width * height); above this a file is treated as a decompression bomb.
MAX_PIXELS: int = 120_000_000
#: Longest edge of a stored thumbnail, in pixels.
THUMB_EDGE: int = 320
#: Cap for any untrusted metadata string shown to a reviewer (make, model, software...).
TEXT_LIMIT: int = 512
#: Cap for one value of the raw EXIF table.
RAW_VALUE_LIMIT: int = 1024
#: Seconds one step of intake (opening a file, one read, hashing) may take before the file is
#: given up; parsing has its own limit (desk.core.isolation) plus this much for the hand-over.
STEP_TIMEOUT_S: float = 30.0
#: Files that may get stuck in one import before the rest is not read at all (the disk or share
#: is taken to be hanging); each stuck file leaves one thread behind.
MAX_STUCK_FILES: int = 4
