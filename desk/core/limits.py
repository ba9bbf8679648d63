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
