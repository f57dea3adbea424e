"""classifier.predict and classifier.aggregate: the maths, the device, the pipeline."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from classifier.aggregate import aggregate, top_genres
import torch

from classifier import predict, streams
from classifier.model import DeviceError, PipelineStats, choose_device
from classifier.predict import predict_tracks
from classifier.streams import StreamPlan, plan_streams
from tests.stand_in_bundle import StandInBundle

# Three clips over labels (a, b, c) where the three aggregates disagree:
# clip winners a, a, c  -> vote: a (2 of 3)
# means a 1.1/3, b 1.2/3, c 0.7/3  -> mean: b
# maxima a .55, b .45, c .70  -> max: c
CLIPS = np.array([[0.55, 0.45, 0.0], [0.55, 0.45, 0.0], [0.0, 0.30, 0.70]], dtype=np.float32)


def test_three_aggregates_by_hand() -> None:
    np.testing.assert_allclose(aggregate(CLIPS, "mean"), [1.1 / 3, 0.4, 0.7 / 3], rtol=1e-6)
    np.testing.assert_allclose(aggregate(CLIPS, "max"), [0.55, 0.45, 0.70], rtol=1e-6)
    np.testing.assert_allclose(aggregate(CLIPS, "vote"), [2 / 3, 0.0, 1 / 3], rtol=1e-6)
    winners = {how: "abc"[int(np.argmax(aggregate(CLIPS, how)))] for how in ("mean", "max", "vote")}
    assert winners == {"mean": "b", "max": "c", "vote": "a"}


def test_unknown_aggregate_is_refused() -> None:
    with pytest.raises(ValueError, match="median"):
        aggregate(CLIPS, "median")


def test_top_genres_follow_the_threshold() -> None:
    labels = ("rock", "jazz", "pop", "folk", "metal")
    probs = np.array([0.30, 0.05, 0.50, 0.20, 0.25])
    assert top_genres(probs, labels, 0.2) == ("pop", "rock", "metal")  # best first, at most 3
    assert top_genres(probs, labels, 0.4) == ("pop",)
    assert top_genres(probs, labels, 0.6) == ()  # uncertain


@pytest.mark.parametrize(
    ("requested", "cuda", "mps", "expected"),
    [
        ("auto", True, True, "cuda"),
        ("auto", False, True, "mps"),
        ("auto", False, False, "cpu"),
        ("CPU", True, True, "cpu"),
        ("cuda:1", True, False, "cuda:1"),
        ("mps", False, True, "mps"),
    ],
)
def test_choose_device(requested: str, cuda: bool, mps: bool, expected: str) -> None:
    assert choose_device(requested, cuda_available=cuda, mps_available=mps) == expected


@pytest.mark.parametrize("requested", ["cuda", "mps", "tpu"])
def test_unavailable_or_unknown_device_is_a_clear_error(requested: str) -> None:
    with pytest.raises(DeviceError, match=requested):
        choose_device(requested, cuda_available=False, mps_available=False)


@pytest.fixture
def tracks(shared_data: Path, tmp_path: Path) -> list[Path]:
    """Six real tracks with a corrupt file in the middle."""
    files = sorted((shared_data / "gtzan-mini").glob("*/*.00003.flac"))[:6]
    broken = tmp_path / "broken.flac"
    broken.write_bytes(files[0].read_bytes()[:3000])
    return [*files[:3], broken, *files[3:]]


def test_broken_file_in_a_batch_is_reported_and_the_rest_predicted(tracks: list[Path]) -> None:
    bundle = StandInBundle()
    stats = PipelineStats()
    items = [(i, path) for i, path in enumerate(tracks)]
    results = {
        r.key: r
        for r in predict_tracks(items, bundle, device="cpu", clips=3, batch_tracks=4, stats=stats)
    }
    assert sorted(results) == list(range(7))
    assert results[3].error and results[3].path.endswith("broken.flac")
    good = [r for k, r in results.items() if k != 3]
    assert stats.tracks == 6 and stats.errors == 1 and stats.clips == 18
    for r in good:
        assert (
            r.error is None
            and r.clip_probabilities.shape == (3, 10)
            and r.embedding.shape == (200,)
        )
        np.testing.assert_allclose(r.probabilities, r.clip_probabilities.mean(axis=0), rtol=1e-6)
        assert r.confidence == pytest.approx(float(r.probabilities.max()))
        assert r.uncertain == (r.top_genres == ())


def test_partial_last_batch_is_run_even_when_a_failure_comes_last(tracks: list[Path]) -> None:
    items = [tracks[0], tracks[1], tracks[3]]  # two good tracks, then the broken one
    results = list(predict_tracks(items, StandInBundle(), device="cpu", batch_tracks=4))
    assert sorted((r.error is None, Path(r.path).name) for r in results) == [
        (False, "broken.flac"),
        (True, tracks[0].name),
        (True, tracks[1].name),
    ]


def test_batching_does_not_mix_tracks(tracks: list[Path]) -> None:
    bundle = StandInBundle()
    together = {r.key: r for r in predict_tracks(tracks, bundle, device="cpu", batch_tracks=3)}
    alone = next(iter(predict_tracks([tracks[4]], bundle, device="cpu")))
    np.testing.assert_allclose(
        together[str(tracks[4])].clip_probabilities, alone.clip_probabilities, atol=1e-5
    )
    assert together[str(tracks[4])].top_genres == alone.top_genres


def test_cancel_stops_after_the_batch_in_progress(shared_data: Path) -> None:
    files = sorted((shared_data / "gtzan-mini").glob("*/*.flac"))[:12]
    cancel = threading.Event()
    seen = []
    for result in predict_tracks(
        files, StandInBundle(), device="cpu", batch_tracks=2, cancel=cancel
    ):
        seen.append(result)
        cancel.set()
    assert len(seen) == 2
    assert not [t for t in threading.enumerate() if t.name.startswith("decode")]


@pytest.mark.parametrize(
    ("device", "threads", "expected"),
    [
        ("cpu", 2, StreamPlan(streams=2, threads=1, batch_tracks=streams.CPU_BATCH_TRACKS)),
        ("cpu", 1, StreamPlan(streams=1, threads=1, batch_tracks=streams.CPU_BATCH_TRACKS)),
        ("cuda", 2, StreamPlan(streams=1, threads=2, batch_tracks=streams.GPU_BATCH_TRACKS)),
        ("cuda:1", 8, StreamPlan(streams=1, threads=8, batch_tracks=streams.GPU_BATCH_TRACKS)),
        ("mps", 4, StreamPlan(streams=1, threads=4, batch_tracks=streams.GPU_BATCH_TRACKS)),
    ],
)
def test_cpu_runs_a_stream_per_thread_and_a_gpu_one_big_stream(
    device: str, threads: int, expected: StreamPlan
) -> None:
    assert plan_streams(device, threads) == expected


@pytest.fixture
def two_torch_threads() -> object:
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    yield
    torch.set_num_threads(before)


def test_two_streams_predict_what_one_stream_does_and_restore_threads(
    tracks: list[Path], two_torch_threads: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundle = StandInBundle()
    seen_threads, network_threads, two = set(), set(), {}
    for r in predict_tracks(tracks, bundle, device="cpu", batch_tracks=2):
        seen_threads.add(torch.get_num_threads())
        network_threads |= {t.name for t in threading.enumerate() if t.name.startswith("network")}
        two[r.key] = r
    assert seen_threads == {1} and network_threads  # batches ran on the stream threads
    assert torch.get_num_threads() == 2  # restored after the run
    assert not [t for t in threading.enumerate() if t.name.startswith("network")]

    monkeypatch.setattr(predict, "plan_streams", lambda device: StreamPlan(1, 2, 2))
    one = {r.key: r for r in predict_tracks(tracks, bundle, device="cpu")}
    assert sorted(one) == sorted(two) and len(one) == 7
    for key, r in one.items():
        assert (r.error is None) == (two[key].error is None)
        np.testing.assert_allclose(r.probabilities, two[key].probabilities, atol=1e-6)


def test_overlapping_runs_restore_the_thread_count_when_the_last_ends(
    tracks: list[Path], two_torch_threads: object
) -> None:
    first = predict_tracks(tracks[:2], StandInBundle(), device="cpu")
    second = predict_tracks(tracks[4:6], StandInBundle(), device="cpu")
    next(first)
    next(second)  # planned while the first run holds one thread: it runs one stream
    assert torch.get_num_threads() == 1
    first.close()
    assert torch.get_num_threads() == 1  # the second run is still going
    assert len(list(second)) == 1
    assert torch.get_num_threads() == 2
