"""The 57 GTZAN descriptors on real audio: finite, in the table's order, equal to librosa's."""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest

from classifier.descriptors import COLUMNS, N_DESCRIPTORS, clip_descriptors, describe
from classifier.inputs import decode

SR = 22050
CLIP = 128 * 512  # the CS230 clip: 2.97 s


@pytest.fixture(scope="module")
def blues(shared_data: Path) -> np.ndarray:
    """A real GTZAN-mini excerpt, decoded as the nets decode it."""
    return decode(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac", SR)


@pytest.fixture(scope="module")
def first_clip(blues: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The first 2.97 s clip and its descriptors."""
    clip = blues[:CLIP]
    return clip, describe(clip, SR)


def test_a_real_clip_has_57_finite_descriptors_in_the_table_order(first_clip) -> None:
    _, values = first_clip
    assert N_DESCRIPTORS == 57 and values.shape == (57,) and values.dtype == np.float32
    assert np.isfinite(values).all()
    assert COLUMNS[:2] == ("chroma_stft_mean", "chroma_stft_var")
    assert COLUMNS[16] == "tempo" and COLUMNS[-1] == "mfcc20_var" and "length" not in COLUMNS
    assert 40 < values[COLUMNS.index("tempo")] < 250
    assert 0 < values[COLUMNS.index("chroma_stft_mean")] <= 1


def test_columns_match_librosa_called_directly(first_clip) -> None:
    clip, values = first_clip
    column = dict(zip(COLUMNS, values, strict=True))
    centroid = librosa.feature.spectral_centroid(y=clip, sr=SR)
    chroma = librosa.feature.chroma_stft(y=clip, sr=SR)
    mfcc = librosa.feature.mfcc(y=clip, sr=SR, n_mfcc=20)
    harmonic, _ = librosa.effects.hpss(clip)
    expected = {
        "spectral_centroid_mean": centroid.mean(), "spectral_centroid_var": centroid.var(),
        "chroma_stft_mean": chroma.mean(), "mfcc1_mean": mfcc[0].mean(),
        "mfcc20_var": mfcc[19].var(), "harmony_var": harmonic.var(),
        "zero_crossing_rate_mean": librosa.feature.zero_crossing_rate(clip).mean(),
    }
    for name, value in expected.items():
        assert column[name] == pytest.approx(float(value), rel=1e-4, abs=1e-6), name


def test_clip_descriptors_cut_a_track_like_the_3_second_table(blues, first_clip) -> None:
    short = blues[: 2 * CLIP + 100]
    rows = clip_descriptors(short, SR, CLIP)
    assert rows.shape == (2, 57)
    np.testing.assert_array_equal(rows[0], first_clip[1])
    assert clip_descriptors(blues[: CLIP - 1], SR, CLIP).shape == (0, 57)


def test_a_silent_clip_inside_a_track_gives_finite_descriptors() -> None:
    # Digital silence between songs reaches describe() as a clip: nothing may become NaN.
    assert np.isfinite(describe(np.zeros(CLIP, dtype=np.float32), SR)).all()
