"""Pausing the garbage collector while a worker allocates in bulk, so it holds no GUI stall.

A full collection walks every object not frozen with the interpreter lock held, the GUI
thread's too. A worker that builds a hundred thousand objects (the artist tree of a large
library) set off two or three of them per build, 30-120 ms each (bench/gui_scale.py). Paused,
the objects the work threw away are freed by their reference counts as usual, and what it
kept is looked at once, in one young-generation pass, when the collector runs again.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_pauses = 0  # pauses in progress (several threads may pause at once)
_was_enabled = False  # the collector's state before the first of them


@contextmanager
def collector_paused() -> Iterator[None]:
    """No automatic garbage collection inside (any thread); as before once the last pause in
    progress ends."""
    global _pauses, _was_enabled
    with _lock:
        if _pauses == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _pauses += 1
    try:
        yield
    finally:
        with _lock:
            _pauses -= 1
            if _pauses == 0 and _was_enabled:
                gc.enable()
