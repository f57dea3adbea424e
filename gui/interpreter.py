"""How the GUI thread and the workers share one interpreter without the window stalling.

Pausing the garbage collector while a worker allocates in bulk, so it holds no GUI stall.

A full collection walks every object not frozen with the interpreter lock held, the GUI
thread's too. A worker that builds a hundred thousand objects (the artist tree of a large
library) set off two or three of them per build, 30-120 ms each (bench/gui_scale.py). Paused,
the objects the work threw away are freed by their reference counts as usual, and what it
kept is looked at once, in one young-generation pass, when the collector runs again.

Freezing what lives long (gc.freeze): a library's rows, a large artist tree or review queue
stay until replaced, and then their reference counts free them. Unfrozen, every full pass
walked them with the lock held (120-340 ms at 100,000 rows; the first pass after a paused
tree build, 50-100 ms). The price: the few cyclic garbage objects alive at a freeze are never
collected (about 140 per tree build, measured).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

T = TypeVar("T")

# Long-lived objects made at once (a page of table rows, a review queue's items) from which
# they are frozen out of the collector's full passes (gc.freeze(); see their callers).
FREEZE_AFTER = 1000


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


def keep_long_lived(count: int, at_least: int = FREEZE_AFTER) -> None:
    """Freeze what is alive now out of the collector's full passes, when `count` long-lived
    objects were just made (fewer: not worth the price above)."""
    if count >= at_least:
        gc.freeze()


def run_paused(work: Iterable[T], kept: Callable[[list[T]], int],
               at_least: int = FREEZE_AFTER) -> list[T]:
    """A worker's results, made with the collector paused, then frozen if what they keep
    (`kept` of them) is large. Whole before they go on: the collector never waits on the GUI
    taking them."""
    with collector_paused():
        done = list(work)
        keep_long_lived(kept(done), at_least)
    return done
