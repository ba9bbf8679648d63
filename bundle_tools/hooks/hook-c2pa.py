"""c2pa-python loads its Rust library (c2pa/libs/libc2pa_c.so, 23 MB) with ctypes from a path
it builds at run time, which PyInstaller's import analysis cannot see. Only that library is
collected, where c2pa looks for it; the wheel's static archive (.rlib, 31 MB) and make-style
.d file beside it are build leftovers.
"""

from PyInstaller.utils.hooks import collect_dynamic_libs

binaries = collect_dynamic_libs("c2pa")
