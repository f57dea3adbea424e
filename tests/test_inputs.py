"""Network inputs: real excerpts become spectrograms; bad files are reported, not fatal."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from classifier.inputs import InputError, InputSpec, cut_clips
from classifier.training.experiment import compute_features, track_features
from classifier.nets.registry import SCHINDLER_CQT, SCHINDLER_MEL

SMALL = InputSpec(kind="mel", sample_rate=22050, hop_length=512, n_bins=40, frames=43, stride=20)


@pytest.mark.parametrize("spec", [SCHINDLER_MEL, SCHINDLER_CQT])
def test_real_excerpt_gives_bins_by_frames(spec: InputSpec, shared_data: Path) -> None:
    path = shared_data / "gtzan-mini" / "reggae" / "reggae.00002.flac"
    features = track_features(path, spec)
    seconds = sf.info(str(path)).duration
    assert features.shape[0] == spec.n_bins
    assert features.shape[1] == pytest.approx(seconds * spec.sample_rate / spec.hop_length, abs=2)
    assert features.dtype == np.float32 and np.isfinite(features).all()
    assert spec.clip_seconds == pytest.approx(0.93, abs=0.01)


def test_clips_start_every_stride_frames_and_drop_the_ragged_end() -> None:
    features = np.arange(4 * 100, dtype=np.float32).reshape(4, 100)
    spec = InputSpec(kind="mel", sample_rate=1, hop_length=1, n_bins=4, frames=30, stride=25)
    clips = cut_clips(features, spec)
    assert clips.shape == (3, 4, 30)  # starts 0, 25, 50; 75 would run past frame 100
    np.testing.assert_array_equal(clips[2], features[:, 50:80])
    assert cut_clips(features[:, :10], spec).shape == (0, 4, 30)


def test_bad_files_are_reported_and_the_rest_go_on(tmp_path: Path, shared_data: Path) -> None:
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"RIFF" + b"\x00" * 64)
    short = tmp_path / "short.wav"
    sf.write(short, np.random.default_rng(0).uniform(-0.5, 0.5, 2000), 22050)
    silent = tmp_path / "silent.flac"
    sf.write(silent, np.zeros(22050 * 3), 22050)
    good = shared_data / "gtzan-mini" / "blues" / "blues.00000.flac"
    errors: dict[int, str] = {}
    features = compute_features([garbage, short, good, silent], SMALL, errors.__setitem__)
    assert list(features) == [2]
    assert "cannot decode" in errors[0] and "shorter than one" in errors[1]
    assert "silence" in errors[3]
    with pytest.raises(InputError):
        track_features(tmp_path / "missing.ogg", SMALL)


def test_input_spec_round_trips_through_json_dict() -> None:
    assert InputSpec.from_dict(SCHINDLER_CQT.to_dict()) == SCHINDLER_CQT
    with pytest.raises(TypeError):
        InputSpec.from_dict({**SCHINDLER_CQT.to_dict(), "surprise": 1})
