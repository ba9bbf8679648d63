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

# --- footage (desk.core.video_probe, video_frames, video_isolation) ------------------------------

#: Largest video original accepted (the case stores big originals in chunks).
MAX_VIDEO_BYTES: int = 16 * 1024**3
#: Longest video accepted; a longer one is refused ("too long: 9 hours"). Six hours holds a full
#: broadcast block or a day's body-camera shift cut into parts; a frame table stays small.
MAX_VIDEO_SECONDS: float = 6 * 3600.0
#: Most frames one video may have (six hours at 60 frames per second, with room to spare); a
#: container claiming more (a moov of 10^9 frames) is refused before anything is indexed.
MAX_VIDEO_FRAMES: int = 2_000_000
#: Largest edge of a video frame: 8K is 7680 or 8192; codecs cap themselves near 16384.
MAX_VIDEO_EDGE: int = 16384
#: Largest video frame in pixels (8K, 8192 x 4320, with room to spare).
MAX_VIDEO_PIXELS: int = 40_000_000
#: Seconds probing one video may take in its worker before it is stopped.
VIDEO_PROBE_TIMEOUT_S: float = 20.0
#: Seconds the worker may go without delivering the next frame (or answer) it was asked for.
VIDEO_FRAME_TIMEOUT_S: float = 20.0
#: Address-space cap of a video worker (FFmpeg's frame threads each keep their own pictures).
VIDEO_WORKER_MEMORY_BYTES: int = 4 * 1024**3
#: Most frames one request may take (every N seconds over a long video, times typed in).
MAX_TAKEN_FRAMES: int = 10_000
#: Most scene changes one request returns (the first ones, in time order).
MAX_SCENE_FRAMES: int = 200
#: Deepest EBML nesting accepted in a Matroska/WebM file (real files need about 6 levels;
#: FFmpeg's own reader stops at 16).
MAX_EBML_DEPTH: int = 16
