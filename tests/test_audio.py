"""classifier.audio on real files in every format, plus the ways files go wrong."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest

from classifier.audio import ClipPlan, clip_starts, decode_clips
from tests.audio_files import ALL_EXTENSIONS, load_source, write_audio

SOURCE = "cc-music/Kevin_MacLeod_-_Vibe_Ace.ogg"  # 61.5 s of real music
RATE = 16000


@pytest.fixture(scope="module")
def source(shared_data: Path) -> tuple[np.ndarray, int]:
    return load_source(shared_data / SOURCE)


@pytest.fixture(scope="module")
def reference(source: tuple[np.ndarray, int]) -> np.ndarray:
    """The whole recording at 16 kHz, to check the clips come from where they claim."""
    import soxr

    samples, rate = source
    return soxr.resample(samples, rate, RATE)


def best_match(clip: np.ndarray, reference: np.ndarray, start: float) -> tuple[float, float]:
    """(lag in seconds, correlation) of `clip` against the reference around `start`."""
    around = int(0.1 * RATE)
    first = int(start * RATE) - around
    window = reference[first : first + clip.size + 2 * around]
    scores = np.correlate(window, clip, "valid")
    lag = int(np.argmax(scores))
    segment = window[lag : lag + clip.size]
    return (lag - around) / RATE, float(np.corrcoef(clip, segment)[0, 1])


@pytest.mark.parametrize("ext", ALL_EXTENSIONS)
def test_clips_come_from_the_planned_places_in_every_format(
    ext: str, tmp_path: Path, source: tuple[np.ndarray, int], reference: np.ndarray
) -> None:
    path = write_audio(tmp_path / f"track{ext}", *source)
    decoded = decode_clips(path, ClipPlan(count=5, seconds=3.0), RATE)
    assert decoded.error is None
    assert decoded.clips.shape == (5, 3 * RATE) and decoded.clips.dtype == np.float32
    assert decoded.duration == pytest.approx(61.5, abs=0.2)
    for clip, start in zip(decoded.clips, decoded.starts):
        lag, correlation = best_match(clip, reference, start)
        assert abs(lag) < 0.06, f"clip at {start:.2f} s is {lag:+.3f} s off"  # AAC priming ≈ 46 ms
        assert correlation > 0.99


def test_clips_lie_in_the_middle_80_percent(tmp_path: Path, source: tuple[np.ndarray, int]) -> None:
    decoded = decode_clips(
        write_audio(tmp_path / "t.flac", *source), ClipPlan(count=4, seconds=3.0), RATE
    )
    duration = decoded.duration
    assert decoded.starts[0] == pytest.approx(0.1 * duration, abs=0.01)
    assert decoded.starts[-1] + 3.0 == pytest.approx(0.9 * duration, abs=0.01)
    assert all(b > a for a, b in zip(decoded.starts, decoded.starts[1:]))


def test_clip_starts_for_short_and_middling_tracks() -> None:
    plan = ClipPlan(count=3, seconds=3.0)
    assert clip_starts(2.0, plan) == (0.0, 0.0, 0.0)  # shorter than a clip: from the start
    # 3.3 s: the middle 80 % (2.64 s) cannot hold a clip, so all share the centred window
    assert clip_starts(3.3, plan) == pytest.approx((0.15, 0.15, 0.15))
    assert clip_starts(100.0, ClipPlan(count=1, seconds=10.0)) == pytest.approx((45.0,))


def test_short_file_repeats_to_fill(tmp_path: Path, source: tuple[np.ndarray, int]) -> None:
    samples, rate = source
    short = samples[int(20 * rate) : int(21.2 * rate)]  # 1.2 s of music
    decoded = decode_clips(
        write_audio(tmp_path / "short.wav", short, rate), ClipPlan(count=2, seconds=3.0), RATE
    )
    assert decoded.error is None and decoded.clips.shape == (2, 3 * RATE)
    clip = decoded.clips[0]
    period = int(round(1.2 * RATE))
    assert np.abs(clip[:period]).max() > 0.01  # real audio, not silence
    np.testing.assert_allclose(clip[period : 2 * period], clip[:period], atol=1e-6)


def test_flac_named_mp3_is_decoded_by_its_content(
    tmp_path: Path, source: tuple[np.ndarray, int]
) -> None:
    flac = write_audio(tmp_path / "real.flac", *source)
    disguised = tmp_path / "disguised.mp3"
    shutil.copy(flac, disguised)
    a, b = decode_clips(flac), decode_clips(disguised)
    assert b.error is None
    np.testing.assert_array_equal(a.clips, b.clips)


@pytest.mark.parametrize("ext", [".flac", ".mp3", ".m4a"])
def test_truncated_file_is_an_error_not_an_exception(
    ext: str, tmp_path: Path, source: tuple[np.ndarray, int]
) -> None:
    path = write_audio(tmp_path / f"cut{ext}", *source)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])  # the header still promises 61 s
    decoded = decode_clips(path)
    assert decoded.clips is None
    assert decoded.error.startswith("cannot decode (")
    if ext == ".mp3":  # the Xing header promises 61 s: the reader notices the missing part
        assert "truncated?" in decoded.error


def test_garbage_and_missing_files_are_errors(tmp_path: Path) -> None:
    garbage = tmp_path / "noise.ogg"
    garbage.write_bytes(np.random.default_rng(0).bytes(50_000))
    assert decode_clips(garbage).error.startswith("cannot decode")
    assert decode_clips(tmp_path / "gone.flac").error.startswith("cannot open")
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    assert decode_clips(empty).error is not None


@pytest.mark.parametrize("ext", [".ogg", ".m4a"])
def test_non_utf8_file_name(ext: str, tmp_path: Path, source: tuple[np.ndarray, int]) -> None:
    plain = write_audio(tmp_path / f"plain{ext}", *source)
    odd = os.fsdecode(os.fsencode(tmp_path) + b"/caf\xe9" + ext.encode())  # Latin-1 é: not UTF-8
    shutil.copy(plain, odd)
    decoded = decode_clips(odd)
    assert decoded.error is None and decoded.path == odd
    # the same decoder as for a plain name (no silent fallback): bit-identical clips
    np.testing.assert_array_equal(decoded.clips, decode_clips(plain).clips)
