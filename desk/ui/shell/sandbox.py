"""Qt WebEngine (Chromium) refuses to start its sandbox as root and aborts instead.

Normal users keep the sandbox. Run as root (a live USB, a container, a CI runner), desk turns
it off before WebEngine starts; the pages desk loads are its own files, with every other
request blocked (the map also allows the chosen tile hosts).
"""

from __future__ import annotations

import os


def disable_sandbox_if_root() -> bool:
    """True when this call turned the sandbox off (so a window can say so once)."""
    if (hasattr(os, "geteuid") and os.geteuid() == 0
            and "QTWEBENGINE_DISABLE_SANDBOX" not in os.environ):
        os.environ["QTWEBENGINE_DISABLE_SANDBOX"] = "1"
        return True
    return False
