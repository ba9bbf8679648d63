"""HEIC decoding for Pillow, through pi-heif: the decoder-only build of libheif.

pillow-heif would also carry libheif's x265 encoder (21 MB in the field installer), and desk
never writes HEIC. Registration is deferred to the first HEIC file, so a case without one never
loads the library.
"""

from __future__ import annotations

import functools


@functools.cache
def enable_heif() -> bool:
    """Register the HEIF opener with Pillow once; False when the decoder is not installed."""
    try:
        import pi_heif
    except ImportError:
        return False
    pi_heif.register_heif_opener()
    return True
