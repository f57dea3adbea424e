"""One decoder: the same real clip, in every supported format, decodes to the same samples
through the runtime path (classifier.audio.decode_clips: a few seek windows) and the
from-scratch path (classifier.inputs.decode: the whole file)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier.audio import ClipPlan, decode_clips
from classifier.inputs import InputSpec, decode, usable_audio
from library.tags import preferred_decoder, sniff
from tests.audio_factory import KINDS, load_clip, write_audio

EXTENSIONS = {kind: ext for kind, (ext, _, _) in KINDS.items()} | {"adts": ".aac",
                                                                   "oggflac": ".oga"}
LOSSLESS = {"flac", "wav", "aiff", "alac", "oggflac"}
# Lossy codecs cannot be cut exactly where a seek lands: libsndfile's Vorbis/Opus seeks and
# FFmpeg's AAC seeks restart the decoder without the previous frames (overlap, pre-roll), and
# WMA timestamps are whole milliseconds (22 samples here). So a lossy window is matched within
# a few ms of its nominal start, its first WARM_UP samples are left out, and past them it must
# be the whole-file decode within 1e-3 for nearly every sample (max 0.015 seen, peak 0.96).
WARM_UP = 4096
SLACK = 48
TOLERANCE = 1e-3


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("decode_paths")
    samples, rate = load_clip(shared_data)
    return {kind: write_audio(root / f"tone_{kind}{ext}", kind, samples, rate)
            for kind, ext in EXTENSIONS.items()}


@pytest.fixture(scope="module")
def source(shared_data: Path) -> tuple[np.ndarray, int]:
    return load_clip(shared_data)


@pytest.mark.parametrize("kind", sorted(EXTENSIONS))
@pytest.mark.parametrize("registry", [False, True], ids=["guessed", "registry"])
def test_both_paths_decode_the_same_samples(made: dict[str, Path], source: tuple[np.ndarray, int],
                                            kind: str, registry: bool) -> None:
    samples, rate = source
    path = made[kind]
    if kind == "opus":  # stored at 48 kHz: compare there, where no resampler phase differs
        rate, samples = 48000, np.zeros(0, np.float32)
    decoder = preferred_decoder(sniff(str(path))) if registry else None
    whole = decode(path, rate, decoder)
    clips = decode_clips(path, ClipPlan(count=2, seconds=0.8), sample_rate=rate, decoder=decoder)
    assert clips.error is None and clips.clips is not None, clips.error
    assert np.abs(whole).max() <= 1.0  # scaled like a float file (ALAC once reached 2e9)
    for clip, start in zip(clips.clips, clips.starts):
        first = int(start * rate)  # where both readers cut the window
        if kind in LOSSLESS:  # the whole decode, and the source up to 16-bit rounding; FFmpeg
            # trims a seek to (start - frame time) * rate, which float error can cut a sample
            # early, so the window may sit a sample off its nominal start
            assert _best_aligned(clip, whole, first).max() <= TOLERANCE
            assert _best_aligned(clip, samples, first).max() <= TOLERANCE
            continue
        diff = _best_aligned(clip[WARM_UP:], whole, first + WARM_UP)
        assert np.mean(diff <= TOLERANCE) > 0.95 and diff.max() < 0.05, (kind, start)


def _best_aligned(part: np.ndarray, whole: np.ndarray, at: int) -> np.ndarray:
    """|part - whole| where `part` best matches `whole` within SLACK samples of `at`."""
    lags = [lag for lag in range(-SLACK, SLACK + 1)
            if 0 <= at + lag and at + lag + part.size <= whole.size]
    diffs = [np.abs(part - whole[at + lag:at + lag + part.size]) for lag in lags]
    return min(diffs, key=lambda diff: float(diff.max()))


def test_alac_reaches_the_from_scratch_nets_in_range(made: dict[str, Path],
                                                     source: tuple[np.ndarray, int]) -> None:
    samples, rate = source
    spec = InputSpec("mel", rate, 512, 96, 32, 16)
    audio = usable_audio(made["alac"], spec)
    assert np.abs(audio - samples[:audio.size]).max() <= TOLERANCE
