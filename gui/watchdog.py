"""Measures how long the GUI thread's event loop stalls: a fast timer notes its longest gap."""

from __future__ import annotations

import faulthandler
import os
import time

from PySide6.QtCore import QObject, QTimer, Slot


NOTED_STALL = 0.05  # seconds late beyond which a tick is listed in .stalls
# Set (to seconds, e.g. 0.15): a stall that long prints every thread's Python stack to
# stderr, from faulthandler's own C thread, which needs no interpreter lock. Who held the
# lock while the GUI thread waited is then the thread that is running Python. A diagnostic
# only: faulthandler reads the other threads' frames without the lock, and with many dumps
# the process has crashed (twice in ~30 dumps of a 100,000-track run, SIGSEGV mid-dump).
DUMP_STALLS = "GENRELENS_DUMP_STALLS"


class StallWatchdog(QObject):
    """A 10 ms timer on the GUI thread; a late tick means the loop was busy that long."""

    def __init__(self, interval_ms: int = 10, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000
        self.longest = 0.0  # seconds the loop was late beyond the timer's interval
        self.longest_cpu = 0.0  # CPU seconds the GUI thread itself used during that stall
        self.longest_at = 0.0  # perf_counter() when that stall ended
        self.ticks = 0
        self.stalls: list[tuple[float, float]] = []  # (perf_counter at the end, seconds late)
        self._last = self._last_cpu = 0.0
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._dump_after = float(os.environ.get(DUMP_STALLS) or 0)

    def start(self) -> None:
        """Begin measuring."""
        self._last, self._last_cpu = time.perf_counter(), time.thread_time()
        self._timer.start()

    def stop(self) -> float:
        """Stop; return the longest stall in seconds."""
        self._timer.stop()
        if self._dump_after:
            faulthandler.cancel_dump_traceback_later()
        return self.longest

    @Slot()
    def _tick(self) -> None:
        now, cpu = time.perf_counter(), time.thread_time()
        late = now - self._last - self.interval
        if late > NOTED_STALL:
            self.stalls.append((now, late))
        if late > self.longest:
            # Little CPU in a long stall: the thread waited (GIL, other processes), not worked.
            self.longest, self.longest_cpu = late, cpu - self._last_cpu
            self.longest_at = now
        self._last, self._last_cpu = now, cpu
        self.ticks += 1
        if self._dump_after:  # re-armed each tick: it fires only if the next tick is late
            faulthandler.dump_traceback_later(self._dump_after + self.interval)
