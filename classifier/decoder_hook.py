"""A hook the decoder calls once it has read a file with libsndfile, so that whoever reads the
C library's stderr (workflows/stderr_filter.py) can tell which file its lines were about.

Nothing is imported here: setting the hook at start-up must not load numpy or soundfile.
"""

from __future__ import annotations

from collections.abc import Callable

after_read: Callable[[str], None] | None = None  # set by the stderr filter when installed


def read_done(path: str) -> None:
    """Tell the hook (if any) that libsndfile has finished with `path`."""
    hook = after_read
    if hook is not None:
        hook(path)
