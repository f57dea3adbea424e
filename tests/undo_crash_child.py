"""Run by test_write_surprises.py in a subprocess: undo the latest batch and SIGKILL itself
after K files are restored and recorded, just after file K+1 is restored on disk and before
that is recorded (the window in which a killed undo leaves the track row describing the
file as written)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import library.tag_history as tag_history
from library.db import create_db_engine, session_factory
from workflows.tags import undo_batch


def main(db_path: str, after: int) -> None:
    sessions = session_factory(create_db_engine(db_path))
    refresh, calls = tag_history.refresh_track, [0]

    def refresh_then_die(*args: Any, **kwargs: Any) -> tuple[str, ...]:
        calls[0] += 1
        if calls[0] > after:  # file K+1 is restored on disk; its record is not committed
            os.kill(os.getpid(), signal.SIGKILL)
        return refresh(*args, **kwargs)

    tag_history.refresh_track = refresh_then_die  # type: ignore[assignment]
    undo_batch(sessions, progress=lambda done, total: print(done, flush=True))
    print("finished", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
