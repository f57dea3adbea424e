"""Classify library tracks on a Ray cluster (`genrelens classify --ray [ADDRESS]`).

The driver (this process) stays the library's only writer: it claims tracks a chunk at a
time (library.claims, so a local run or another cluster run on the same library takes the
others), hands each chunk to a pool of Ray actors, and stores the results that stream back
in batches through the local path's sink (workflows/prediction_sink.py). Each actor opens the
bundle once and runs the same per-track pieces as the local path (the bundle's own predict,
then to_write), on CUDA when its node has a GPU. Ctrl-C or a crash loses at most the
uncommitted batch: the claims are released (or expire), and a rerun classifies what has no
prediction yet.
Ray is an optional extra (`pip install genrelens[cluster]`); nothing else imports this.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from classifier.bundles import open_bundle
from classifier.model import GenreModel, TrackInput
from library.records import PredictionWrite, StoredPath, TrackToClassify
from library.roots import local_mapping, resolve
from workflows.classify import check_genre_bundle, to_write
from workflows.prediction_sink import ClassifyOutcome, PredictionSink

CHUNK = 8  # tracks per actor call: small enough to spread, large enough to batch the network
IN_FLIGHT = 2  # chunks queued per actor, so none waits for the driver between chunks
Result = tuple[int, str, "PredictionWrite | str"]  # (track id, path, write or error message)
# (track id, the driver's path, the stored path, decoder): a node resolves the stored path
# with its own mount points (library.roots), the driver's only for a track outside every root
Item = tuple[int, str, "StoredPath | None", "str | None"]


class TrackClassifier:
    """A Ray actor: one bundle opened once, classifying chunks of tracks."""

    def __init__(self, bundle_name: str | None, clips: int, threshold: float) -> None:
        import torch

        self.bundle = open_bundle(bundle_name)
        if threshold != self.bundle.uncertain_threshold:  # the driver's, if it set one
            self.bundle = self.bundle.with_threshold(threshold)
        self.device = "cuda" if torch.cuda.is_available() else "cpu"  # this node's GPU, if any
        self.clips = clips
        torch.set_num_threads(1)  # one core per actor: Ray schedules the cores

    def where(self) -> str:
        """The device and node this actor runs on."""
        return f"{self.device} on {os.uname().nodename}"

    def classify(self, items: list[Item]) -> list[Result]:
        """Predict each track; a result carries the library write or the decoder's error.
        Clip descriptors a bundle computes are not cached from here (the local path does)."""
        out: list[Result] = []
        for result in self.bundle.predict(on_this_node(items), device=self.device,
                                          clips=self.clips):
            track_id = int(result.key)  # type: ignore[call-overload]
            if result.error is not None:
                out.append((track_id, result.path, result.error))
            else:
                out.append((track_id, result.path, to_write(result, track_id, self.bundle)))
        return out


def on_this_node(items: list[Item]) -> list[TrackInput]:
    """The tracks as this node reaches them: its GENRELENS_ROOTS (or roots file) mapping."""
    mapping = local_mapping()
    return [TrackInput(track_id, path if stored is None else resolve(stored, mapping), decoder)
            for track_id, path, stored, decoder in items]


def start_ray(address: str | None, cpus: int = 2) -> bool:
    """Connect to the cluster at `address`, or start a local Ray (`cpus` cores); True when
    this process started it (and so shuts it down)."""
    import ray

    if ray.is_initialized():
        return False
    if address:
        ray.init(address=address, log_to_driver=False)
        return False
    code = str(Path(__file__).resolve().parents[1])  # workers import this checkout too
    with _interrupts_held() as pressed:
        ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                 object_store_memory=100 * 1024 * 1024,
                 runtime_env={"env_vars": {"PYTHONPATH": code}})
    if pressed:  # Ctrl-C during start-up: now that Ray knows its processes, stop them
        ray.shutdown()
        raise KeyboardInterrupt
    return True


@contextmanager
def _interrupts_held() -> Iterator[list[int]]:
    """Hold Ctrl-C back for the block (the list says whether it came).

    Interrupted inside ray.init, Ray has started processes it does not know of yet, and
    ray.shutdown cannot stop them (its agents outlived the command). Ray's processes
    ignore SIGINT themselves, so start-up finishes; the interrupt is raised right after.
    """
    pressed: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield pressed  # only the main thread receives signals
        return
    previous = signal.signal(signal.SIGINT, lambda number, _frame: pressed.append(number))
    try:
        yield pressed
    finally:
        signal.signal(signal.SIGINT, previous)


def _actors(bundle_name: str | None, clips: int, threshold: float,
            workers: int | None) -> list[Any]:
    """One actor per CPU of the cluster (or `workers`); GPU nodes' actors each get a GPU."""
    import ray

    resources = ray.cluster_resources()
    count = workers or max(int(resources.get("CPU", 1)), 1)
    gpus = int(resources.get("GPU", 0))
    remote = ray.remote(TrackClassifier)
    return [remote.options(num_cpus=1, num_gpus=1 if n < gpus else 0)
            .remote(bundle_name, clips, threshold) for n in range(count)]


def _chunks(tracks: Iterator[TrackToClassify], size: int) -> Iterator[list[Item]]:
    while chunk := [(t.id, t.path, t.stored, t.decoder) for t in islice(tracks, size)]:
        yield chunk


def classify_on_ray(
    sessions: sessionmaker[Session], todo: Sequence[TrackToClassify], bundle: GenreModel, *,
    bundle_name: str | None = None, address: str | None = None, workers: int | None = None,
    clips: int = 3, commit_every: int = 64, on_result: Callable[[], None] | None = None,
    on_start: Callable[[list[str]], None] | None = None,
) -> ClassifyOutcome:
    """Classify `todo` on Ray, storing results in batches of `commit_every`; the outcome."""
    check_genre_bundle(bundle)
    import ray
    from ray.util import ActorPool

    started = start_ray(address)
    outcome = ClassifyOutcome()
    sink = PredictionSink(sessions, bundle, todo, outcome, commit_every=commit_every,
                          where=f"Ray ({address or 'local'})")
    try:
        with sink:  # what came back is kept, also after Ctrl-C; then the claims are freed
            actors = _actors(bundle_name, clips, bundle.uncertain_threshold, workers)
            if on_start is not None:
                on_start(ray.get([a.where.remote() for a in actors]))
            size = max(1, min(CHUNK, -(-len(todo) // len(actors))))  # a few tracks: every actor
            pool, chunks = ActorPool(actors), _chunks(sink.take(), size)
            for chunk in islice(chunks, IN_FLIGHT * len(actors)):
                pool.submit(lambda actor, items: actor.classify.remote(items), chunk)
            while pool.has_next():
                results: list[Result] = pool.get_next_unordered()
                for chunk in islice(chunks, 1):  # claim the next chunk as one comes back
                    pool.submit(lambda actor, items: actor.classify.remote(items), chunk)
                _take(results, sink, on_result)
                if sink.full:
                    sink.store()
    finally:
        if started:
            ray.shutdown()
    return outcome


def _take(results: list[Result], sink: PredictionSink,
          on_result: Callable[[], None] | None) -> None:
    for track_id, _node_path, value in results:
        if isinstance(value, str):
            sink.failed(track_id, value)
        else:
            sink.add(value)
        if on_result is not None:
            on_result()
