"""The CLI process's allocator setting: freed scratch memory is kept for reuse, not given back and faulted in again.

Image work allocates and frees many arrays of a few hundred kilobytes per
strip (a chunk of pixels and its temporaries, on every worker thread). glibc
serves anything above 128 KB with a fresh ``mmap`` and returns it on ``free``,
and trims the heap of every thread's arena as soon as 256 KB lie free at its
top, so each strip's scratch is faulted in page by page again: on a 24-Mpx
16-bit TIFF that is 0.7 s of system time in a 1.0 s run (0.15 s with this
setting; ``scripts/bench_apply.py``). The command therefore raises both
thresholds once at start-up (``mallopt``, as the ``MALLOC_MMAP_THRESHOLD_`` and
``MALLOC_TRIM_THRESHOLD_`` environment variables would): arrays up to 32 MB
come from the heap and stay there for the next strip, and bigger ones (whole
images) are still mapped and unmapped on their own, so peak memory does not
grow. A process on another C library, or where the user set these variables,
is left as it is. Library callers are never touched: this runs only in the
``lutlearn`` command.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["keep_scratch_memory"]

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
MMAP_THRESHOLD = 32 << 20  # glibc's own ceiling for its dynamic threshold
TRIM_THRESHOLD = 64 << 20


def keep_scratch_memory() -> bool:
    """Raise glibc's mmap and trim thresholds for this process; True if it did."""
    if not sys.platform.startswith("linux") or any(k.startswith("MALLOC_") for k in os.environ):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
