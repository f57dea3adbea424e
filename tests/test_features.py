"""classifier.features against the librosa reference on real audio."""

from __future__ import annotations

from pathlib import Path

import librosa
import numpy as np
import pytest
import torch

from classifier.audio import ClipPlan, decode_clips
from classifier.bundle import PreprocessingConfig
from classifier.features import LogMel, mel_filterbank, patch_samples

CONFIG = PreprocessingConfig()
ORCHESTRA = "Hungarian_Dance_number_5_-_Allegro_in_F_sharp_minor_(string_orchestra)"


def librosa_logmel(clip: np.ndarray) -> np.ndarray:
    """musicnn's reference preprocessing of one clip, (frames, mels)."""
    mel = librosa.feature.melspectrogram(
        y=clip,
        sr=CONFIG.sample_rate,
        n_fft=CONFIG.n_fft,
        hop_length=CONFIG.hop_length,
        n_mels=CONFIG.n_mels,
    )
    return np.log10(10000 * mel + 1).T.astype(np.float32)


def test_patch_samples_give_exactly_one_patch_of_frames() -> None:
    frames = librosa.feature.melspectrogram(
        y=np.zeros(patch_samples(CONFIG), np.float32), sr=16000, n_fft=512, hop_length=256
    ).shape[1]
    assert frames == CONFIG.patch_frames == 187


def test_logmel_matches_librosa_on_real_music(shared_data: Path) -> None:
    plan = ClipPlan(count=4, seconds=patch_samples(CONFIG) / CONFIG.sample_rate)
    clips = np.concatenate(
        [
            decode_clips(shared_data / "gtzan-mini/metal/metal.00001.flac", plan).clips,
            decode_clips(shared_data / f"cc-music/{ORCHESTRA}.ogg", plan).clips,
        ]
    )
    ours = LogMel(CONFIG)(clips)
    assert ours.shape == (8, 187, 96) and ours.dtype == torch.float32
    reference = np.stack([librosa_logmel(clip) for clip in clips])
    assert reference.max() > 1.0  # real, loud enough music: the comparison means something
    np.testing.assert_allclose(ours.numpy(), reference, atol=1e-3, rtol=0)


def test_longer_clips_are_cut_to_one_patch(shared_data: Path) -> None:
    clip = decode_clips(
        shared_data / "gtzan-mini/jazz/jazz.00002.flac", ClipPlan(count=1, seconds=5.0)
    ).clips
    ours = LogMel(CONFIG)(clip)
    assert ours.shape == (1, 187, 96)
    np.testing.assert_allclose(ours[0].numpy(), librosa_logmel(clip[0])[:187], atol=1e-3, rtol=0)


@pytest.mark.parametrize(("sample_rate", "n_fft", "n_mels"),
                         [(16000, 512, 96), (22050, 2048, 128), (22050, 1024, 80), (44100, 4096, 40)])
def test_mel_filterbank_equals_librosa(sample_rate: int, n_fft: int, n_mels: int) -> None:
    ours = mel_filterbank(sample_rate, n_fft, n_mels)
    reference = librosa.filters.mel(sr=sample_rate, n_fft=n_fft, n_mels=n_mels)
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, rtol=1e-5, atol=1e-8)


def test_from_scratch_mel_inputs_are_librosas_through_the_one_mel(shared_data: Path) -> None:
    """The scratch nets were trained on librosa's log-mel; the one torch mel gives the same
    inputs (all the nets' mel specs; float32 FFTs differ by ~1e-7 of the peak)."""
    from classifier.inputs import decode, spectrogram
    from classifier.nets.registry import CS230_INPUT, SCHINDLER_MEL

    for spec in (CS230_INPUT, SCHINDLER_MEL):
        audio = decode(shared_data / "gtzan-mini/metal/metal.00001.flac", spec.sample_rate)
        power = librosa.feature.melspectrogram(y=audio, sr=spec.sample_rate, n_fft=spec.n_fft,
                                               hop_length=spec.hop_length, n_mels=spec.n_bins)
        reference = np.log(power + 1e-6).astype(np.float32)
        ours = spectrogram(audio, spec)
        assert ours.shape == reference.shape and ours.dtype == np.float32
        np.testing.assert_allclose(ours, reference, atol=1e-3, rtol=0)
