"""How the network runs: concurrent streams of batches, torch threads, batch size per device.

On CPU, one single-thread stream per core: two 1-thread forwards at once keep both cores busy,
where one 2-thread forward gets ~1.3x one thread (docs/speed.md, issue #16). A GPU takes one
stream of large batches on the calling thread.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import torch

Result = TypeVar("Result")

# Tracks per network batch: small on CPU, so cancel acts within one batch (musicnn chunks its
# forwards anyway); a GPU wants many patches per launch.
CPU_BATCH_TRACKS = 4
GPU_BATCH_TRACKS = 32


@dataclass(frozen=True)
class StreamPlan:
    """How the network runs: concurrent streams, torch threads each, tracks per batch."""

    streams: int
    threads: int
    batch_tracks: int


def plan_streams(device: str, threads: int | None = None) -> StreamPlan:
    """One single-thread stream per CPU thread torch may use; one stream on a GPU.

    torch's thread count is process-global, so the streams share one setting (TORCH_THREADS).
    """
    threads = torch.get_num_threads() if threads is None else threads
    if device.split(":", 1)[0] != "cpu":
        return StreamPlan(streams=1, threads=threads, batch_tracks=GPU_BATCH_TRACKS)
    return StreamPlan(streams=max(1, threads), threads=1, batch_tracks=CPU_BATCH_TRACKS)


class TorchThreads:
    """torch's (process-global) thread count for the runs in progress; the last one restores it."""

    def __init__(self) -> None:
        self.lock, self.runs, self.saved = threading.Lock(), 0, 0

    @contextmanager
    def at(self, threads: int) -> Iterator[None]:
        """Run with `threads` torch threads; the count before the first run comes back after."""
        with self.lock:
            if self.runs == 0:
                self.saved = torch.get_num_threads()
            self.runs += 1
            torch.set_num_threads(threads)
        try:
            yield
        finally:
            with self.lock:
                self.runs -= 1
                if self.runs == 0:
                    torch.set_num_threads(self.saved)


TORCH_THREADS = TorchThreads()


class Streams(Generic[Result]):
    """Network batches on `count` threads, at most `count` in flight; results in order."""

    def __init__(self, run: Callable[[Any], list[Result]], count: int) -> None:
        self.run, self.count = run, count
        self.pool = ThreadPoolExecutor(count, thread_name_prefix="network") if count > 1 else None
        self.running: deque[Future[list[Result]]] = deque()

    def submit(self, batch: Any) -> Iterator[Result]:
        """Start `batch`; yield the oldest batch's results once all streams are busy."""
        if self.pool is None:  # one stream: run here, as a GPU wants
            yield from self.run(batch)
            return
        self.running.append(self.pool.submit(self.run, batch))
        if len(self.running) >= self.count:
            yield from self.running.popleft().result()

    def drain(self) -> Iterator[Result]:
        """The results of every batch still running."""
        while self.running:
            yield from self.running.popleft().result()

    def close(self) -> None:
        """Drop batches not started; wait for those running."""
        for future in self.running:
            future.cancel()
        if self.pool is not None:
            self.pool.shutdown(wait=True)
