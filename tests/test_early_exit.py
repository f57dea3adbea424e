"""Early exit in the real pipeline: the default bundle on real recordings, with and without it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dataclasses import replace

from classifier.bundle import DEFAULT_BUNDLE, Bundle, load_bundle
from classifier.early_exit import EARLY_EXIT, EarlyExit
from classifier.model import PipelineStats
from classifier.predict import predict_tracks
from tests.stand_in_bundle import StandInBundle

NON_MUSIC = ("198-209-0000", "3436-172162-0000", "5703-47212-0000", "glacier-bay-humpback",
             "456440__inspectorj__bird-whistling-robin-single-13", "pibble")


@pytest.fixture(scope="module")
def broad() -> Bundle:
    return load_bundle(DEFAULT_BUNDLE)


@pytest.fixture(scope="module")
def files(shared_data: Path) -> list[Path]:
    """Every cc-music recording (music, speech, animals) and 30 gtzan-mini excerpts."""
    return (sorted((shared_data / "cc-music").glob("*.ogg"))
            + sorted((shared_data / "gtzan-mini").glob("*/*.0000[0-2].flac")))


def test_settled_tracks_keep_their_first_clips_and_decisions(broad: Bundle,
                                                             files: list[Path]) -> None:
    assert broad.early_exit == EARLY_EXIT  # from its bundle.json
    stats = PipelineStats()
    early = {r.key: r for r in predict_tracks(files, broad, device="cpu", stats=stats)}
    every_clip = replace(broad, early_exit=None)
    full = {r.key: r for r in predict_tracks(files, every_clip, device="cpu")}
    assert sorted(early) == sorted(full) and all(r.error is None for r in early.values())
    settled = [k for k, r in early.items() if len(r.clip_probabilities) == EARLY_EXIT.clips]
    assert len(settled) >= 10, "the rule should settle many of these confident excerpts"
    assert stats.settled == len(settled) and stats.clips == 3 * len(files) - len(settled)
    for key, r in early.items():
        whole = full[key]
        n = len(r.clip_probabilities)
        # the clips that ran are the full run's first clips; the rule explains where it stopped
        np.testing.assert_allclose(r.clip_probabilities, whole.clip_probabilities[:n], atol=1e-4)
        assert r.clip_starts == whole.clip_starts[:n]
        if key in settled:  # (only the gate's mean is kept, so its per-clip part is unseen)
            assert EARLY_EXIT.settles(whole.clip_probabilities[:2], None)
            assert r.music is not None and r.music >= EARLY_EXIT.music
            np.testing.assert_allclose(r.probabilities,
                                       whole.clip_probabilities[:2].mean(axis=0) * r.music,
                                       rtol=1e-5, atol=1e-6)
        # the same decision on every one of these recordings as with all three clips
        assert (r.top_genres, r.not_music) == (whole.top_genres, whole.not_music), Path(key).name
    for stem in NON_MUSIC:
        r = next(r for k, r in early.items() if Path(k).stem == stem)
        assert r.not_music or r.uncertain, stem


@pytest.mark.parametrize("clips", [1, 5])
def test_other_clip_counts_run_every_clip(broad: Bundle, files: list[Path], clips: int) -> None:
    stats = PipelineStats()
    results = list(predict_tracks(files[-6:], broad, device="cpu", clips=clips, stats=stats))
    assert [len(r.clip_probabilities) for r in results] == [clips] * 6
    assert stats.settled == 0


def test_a_bundle_without_a_rule_runs_every_clip(broad: Bundle, files: list[Path]) -> None:
    for bundle in (StandInBundle(), replace(broad, early_exit=None)):
        results = list(predict_tracks(files[-4:], bundle, device="cpu"))
        assert [len(r.clip_probabilities) for r in results] == [3] * 4


def test_the_rule() -> None:
    rule = EarlyExit(confidence=0.6, music=0.9)
    agree = np.array([[0.7, 0.3], [0.6, 0.4]], np.float32)
    assert rule.settles(agree, np.array([0.95, 0.92]))
    assert rule.settles(agree, None)  # no gate: genres alone
    assert not rule.settles(agree, np.array([0.95, 0.5]))  # one clip may not be music
    assert not rule.settles(np.array([[0.7, 0.3], [0.4, 0.6]], np.float32), None)  # disagree
    assert not rule.settles(np.array([[0.55, 0.45], [0.6, 0.4]], np.float32), None)  # mean 0.575
    assert not rule.settles(agree[:1], None)  # fewer clips than the rule reads
    assert rule.fits(3) and not rule.fits(5)
    with pytest.raises(ValueError):
        EarlyExit(clips=3, of=3)
    assert EarlyExit.from_spec(rule.spec(), "here") == rule
