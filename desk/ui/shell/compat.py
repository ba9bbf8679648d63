"""Keep the window alive on Python 3.11 with PySide6 6.12 wheels.

Those wheels return None, True and False to Python without taking a reference (harmless on
Python 3.12+, where the three are immortal). On 3.11 every such return, a void Qt call or a
signal emit, drops one reference, and after a few thousand calls the interpreter aborts with
"deallocating None". Until the project runs on Python 3.12+ (the real fix), the three
singletons get a reference count no session can exhaust: exactly what 3.12 does for them.
"""

from __future__ import annotations

import sys

_BALLAST = 1 << 40
_done = False


def protect_singletons() -> None:
    global _done
    if _done or sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        return
    import ctypes

    for singleton in (None, True, False):
        # ob_refcnt is the first field of every CPython object (a Py_ssize_t).
        ctypes.c_ssize_t.from_address(id(singleton)).value += _BALLAST
    _done = True
