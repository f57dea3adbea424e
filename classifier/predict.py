"""Tracks in, genre predictions out: decode ahead in a thread pool, batch clips across tracks.

Decoding (I/O, libsndfile, FFmpeg, soxr: all release the GIL) runs in 1-2 worker threads
ahead of the network, which runs as classifier/streams.py plans: one single-thread stream per
core on CPU, one stream of GPU-sized batches on a GPU. Results come out on the calling thread.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Generator, Hashable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Protocol

import numpy as np
import torch

from classifier.aggregate import (
    aggregate,
    max_probabilities,
    mean_probabilities,
    top_genres,
    vote_shares,
)
from classifier.audio import DEFAULT_CLIPS, ClipPlan, DecodedClips, decode_clips
from classifier.early_exit import EarlyExit
from classifier.features import LogMel, Preprocessing, patch_samples
from classifier.model import PipelineStats, TrackPrediction, choose_device
from classifier.streams import TORCH_THREADS, Streams, plan_streams

# a path, (key, path), or (key, path, decoder) such as classifier.model.TrackInput
Item = (str | os.PathLike[str] | tuple[Hashable, str | os.PathLike[str]]
        | tuple[Hashable, str | os.PathLike[str], str | None])


def _normalise(items: Iterable[Item]) -> Iterator[tuple[Hashable, str, str | None]]:
    for item in items:
        if isinstance(item, tuple):
            yield item[0], os.fspath(item[1]), item[2] if len(item) > 2 else None
        else:
            path = os.fspath(item)
            yield path, path, None


def _timed_decode(
    path: str, plan: ClipPlan, rate: int, stats: PipelineStats | None, decoder: str | None = None
) -> DecodedClips:
    start = time.perf_counter()
    decoded = decode_clips(path, plan, rate, decoder)
    if stats is not None:
        with stats.lock:
            stats.decode += time.perf_counter() - start
    return decoded


class Pretrained(Protocol):
    """What the pipeline reads of a pretrained bundle (classifier/bundle.py `Bundle`).

    Named here rather than imported, so the bundle can call the pipeline without a cycle."""

    @property
    def labels(self) -> tuple[str, ...]: ...
    @property
    def model(self) -> torch.nn.Module: ...
    @property
    def preprocessing(self) -> Preprocessing: ...
    @property
    def uncertain_threshold(self) -> float: ...
    @property
    def music_threshold(self) -> float | None: ...
    @property
    def early_exit(self) -> EarlyExit | None: ...


class _Runner:
    """The network side: log-mel + model over a batch of decoded tracks."""

    def __init__(self, bundle: Pretrained, device: str, how: str, stats: PipelineStats | None,
                 early: EarlyExit | None = None) -> None:
        self.bundle, self.how, self.stats, self.early = bundle, how, stats, early
        self.labels = tuple(bundle.labels)
        self.model = bundle.model.to(device).eval()
        self.logmel = LogMel(bundle.preprocessing, device)

    def run(self, batch: list[tuple[Hashable, DecodedClips]]) -> list[TrackPrediction]:
        """Predictions of every track in `batch`, in order."""
        t0 = time.perf_counter()
        counts = [len(d.clips) if d.clips is not None else 0 for _, d in batch]  # no errors here
        with torch.inference_mode():
            patches = self.logmel(np.concatenate([d.clips for _, d in batch]))
            t1 = time.perf_counter()
            outputs, ran, settled = self.network(patches, counts)
        t2 = time.perf_counter()
        if self.stats is not None:
            with self.stats.lock:  # streams run batches concurrently
                self.stats.features += t1 - t0
                self.stats.network += t2 - t1
                self.stats.clips += ran
                self.stats.tracks += len(batch)
                self.stats.settled += settled
        return [self.track_result(key, decoded, *out)
                for (key, decoded), out in zip(batch, outputs)]

    def network(
        self, patches: torch.Tensor, counts: list[int]
    ) -> tuple[list[Outputs], int, int]:
        """Per track (probabilities, embeddings, music) of the clips run, clips run, tracks settled.

        With an early exit, the first clips of every track run first; only the tracks they do
        not settle run the rest (one more forward for the batch)."""
        starts = np.cumsum([0, *counts[:-1]])
        early = self.early
        first = [n if early is None else min(n, early.clips) for n in counts]
        rows = [np.arange(s, s + k) for s, k in zip(starts, first)]
        out = _rows_out(self.model, patches, np.concatenate(rows))
        per_track = _split(out, first)
        settled = [early is None or early.settles(p, m) for p, _, m in per_track]
        rest = [np.arange(s + k, s + n) for s, k, n, done in zip(starts, first, counts, settled)
                if not done]
        if rest:
            more = iter(_split(_rows_out(self.model, patches, np.concatenate(rest)),
                               [len(r) for r in rest]))
            per_track = [t if done else _joined(t, next(more))
                         for t, done in zip(per_track, settled)]
        ran = sum(first) + sum(map(len, rest))
        return per_track, ran, 0 if early is None else sum(settled)

    def track_result(
        self, key: Hashable, decoded: DecodedClips, clip_probs: np.ndarray, clip_emb: np.ndarray,
        clip_music: np.ndarray | None = None,
    ) -> TrackPrediction:
        """Aggregate one track's clips into a TrackPrediction; the gate can veto any genre."""
        starts = decoded.starts[: len(clip_probs)]  # fewer when the track settled early
        probabilities = aggregate(clip_probs, self.how)
        music, not_music = gate_decision(clip_music, self.bundle.music_threshold)
        if music is not None:  # P(music and genre): what a track's confidence should mean
            probabilities = probabilities * music
        best = () if not_music else top_genres(probabilities, self.labels,
                                               self.bundle.uncertain_threshold)
        return TrackPrediction(
            key=key,
            path=decoded.path,
            labels=self.labels,
            clip_probabilities=clip_probs,
            clip_starts=starts,
            mean=mean_probabilities(clip_probs),
            max=max_probabilities(clip_probs),
            vote=vote_shares(clip_probs),
            probabilities=probabilities,
            top_genres=best,
            confidence=float(probabilities.max()),
            uncertain=not best,
            embedding=clip_emb.mean(axis=0),
            duration=decoded.duration,
            size=decoded.size,
            mtime_ns=decoded.mtime_ns,
            music=music,
            not_music=not_music,
        )


Outputs = tuple[np.ndarray, np.ndarray, np.ndarray | None]  # probabilities, embeddings, music


def _rows_out(model: Any, patches: torch.Tensor, rows: np.ndarray) -> Outputs:
    """run_model over the patches `rows` (all of them without a copy when they are all)."""
    if len(rows) == len(patches):
        return run_model(model, patches)
    chosen = patches[torch.from_numpy(rows).to(patches.device)]
    return run_model(model, chosen)


def _split(outputs: Outputs, counts: list[int]) -> list[Outputs]:
    """Consecutive runs of `counts` rows of each output, one tuple per track."""
    cuts = np.cumsum(counts)[:-1]
    probs, embeddings, music = outputs
    music_parts = [None] * len(counts) if music is None else np.split(music, cuts)
    return list(zip(np.split(probs, cuts), np.split(embeddings, cuts), music_parts))


def _joined(first: Outputs, rest: Outputs) -> Outputs:
    """One track's first-stage and second-stage clip outputs, in clip order."""
    music = None if first[2] is None or rest[2] is None else np.concatenate([first[2], rest[2]])
    return np.concatenate([first[0], rest[0]]), np.concatenate([first[1], rest[1]]), music


def run_model(
    model: Any, patches: torch.Tensor
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """(probabilities, embeddings, music probability or None) per clip, as numpy."""
    if hasattr(model, "outputs"):  # a bundle model: genre head and, for genre bundles, the gate
        probs, embeddings, music = model.outputs(patches)
    else:
        (probs, embeddings), music = model(patches), None

    def as_numpy(tensor: torch.Tensor) -> np.ndarray:
        return tensor.float().cpu().numpy()

    return as_numpy(probs), as_numpy(embeddings), None if music is None else as_numpy(music)


def gate_decision(
    clip_music: np.ndarray | None, threshold: float | None
) -> tuple[float | None, bool]:
    """(the track's mean music probability, whether it is not music) from its clips."""
    if clip_music is None or threshold is None or not len(clip_music):
        return None, False
    music = float(np.mean(clip_music))
    return music, music < threshold


class _DecodeAhead:
    """Decodes running ahead in a thread pool; results come back in submission order."""

    def __init__(
        self,
        items: Iterable[Item],
        plan: ClipPlan,
        rate: int,
        workers: int,
        ahead: int,
        stats: PipelineStats | None,
    ) -> None:
        self.todo, self.plan, self.rate, self.ahead, self.stats = (
            _normalise(items),
            plan,
            rate,
            ahead,
            stats,
        )
        self.pool = ThreadPoolExecutor(max(1, workers), thread_name_prefix="decode")
        self.pending: deque[tuple[Hashable, Future[DecodedClips]]] = deque()
        self._fill()

    def _fill(self) -> None:
        while len(self.pending) < self.ahead:  # enough queued that the network never waits
            item = next(self.todo, None)
            if item is None:
                return
            future = self.pool.submit(_timed_decode, item[1], self.plan, self.rate, self.stats,
                                      item[2])
            self.pending.append((item[0], future))

    def next(self) -> tuple[Hashable, DecodedClips] | None:
        """The next decoded item, None when all are done."""
        if not self.pending:
            return None
        key, future = self.pending.popleft()
        decoded = future.result()
        self._fill()
        return key, decoded

    def close(self) -> None:
        """Drop queued work and wait for the decodes already running."""
        for _, future in self.pending:
            future.cancel()
        self.pool.shutdown(wait=True)


def predict_tracks(
    items: Iterable[Item],
    bundle: Pretrained,
    *,
    device: str = "auto",
    clips: int = DEFAULT_CLIPS,
    batch_tracks: int | None = None,  # None: plan_streams' size for the device
    workers: int = 2,
    how: str = "mean",
    cancel: threading.Event | None = None,
    stats: PipelineStats | None = None,
) -> Generator[TrackPrediction, None, None]:
    """Yield a TrackPrediction per item (a path, or (key, path[, decoder])) as batches finish.

    Failed tracks come out as soon as their decoding fails, so the order is not the input's.
    Setting `cancel` stops the run before the next batch; tracks not yet run are dropped.
    The bundle's own early-exit rule (bundle.json "early_exit") stops a track after its first
    clips when they settle it, only as it was measured: at its clip count, with the mean.
    """
    aggregate(np.ones((1, 1), np.float32), how)  # reject a bad `how` before any work
    device = choose_device(device)
    plan_ = plan_streams(device)
    batch_tracks = batch_tracks or plan_.batch_tracks
    config = bundle.preprocessing
    rule = bundle.early_exit
    early = rule if rule is not None and how == "mean" and rule.fits(clips) else None
    runner = _Runner(bundle, device, how, stats, early)
    plan = ClipPlan(count=clips, seconds=patch_samples(config) / config.sample_rate)
    ahead = (1 + plan_.streams) * batch_tracks + workers  # every stream busy, one batch queued
    decodes = _DecodeAhead(items, plan, config.sample_rate, workers, ahead, stats)
    streams = Streams(runner.run, plan_.streams)
    with TORCH_THREADS.at(plan_.threads):
        try:
            yield from _batches(decodes, streams, runner.labels, batch_tracks, cancel, stats)
        finally:
            streams.close()
            decodes.close()


def _batches(
    decodes: _DecodeAhead, streams: Streams[TrackPrediction], labels: tuple[str, ...],
    batch_tracks: int, cancel: threading.Event | None, stats: PipelineStats | None,
) -> Iterator[TrackPrediction]:
    """Decoded tracks into batches on the streams; failures and results out, in order."""

    def stopped() -> bool:
        return cancel is not None and cancel.is_set()

    batch: list[tuple[Hashable, DecodedClips]] = []
    while not stopped() and (item := decodes.next()) is not None:
        key, decoded = item
        if decoded.error is not None:
            if stats is not None:
                stats.errors += 1
            yield from streams.drain()  # the same order as one stream: failures are rare
            yield TrackPrediction(key, decoded.path, labels, error=decoded.error)
            continue
        batch.append(item)
        if len(batch) >= batch_tracks:
            yield from streams.submit(batch)
            batch = []
    if batch and not stopped():
        yield from streams.submit(batch)
    if not stopped():
        yield from streams.drain()
