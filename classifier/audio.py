"""Decode only the clips a prediction needs: seek, read a few seconds, resample.

Whole files are never decoded: a 5-minute track costs five 3-second reads. libsndfile
(soundfile) seeks in mp3/flac/ogg/opus/wav/aiff; PyAV (FFmpeg) handles m4a/wma and anything
libsndfile refuses. Every failure becomes `DecodedClips.error`, never an exception.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

from classifier.clips import DEFAULT_CLIPS as DEFAULT_CLIPS  # re-exported: its old home
from classifier.clips import ClipPlan
from classifier.decoder_hook import read_done



class Decoder(StrEnum):
    """Which decoder to try first for a file. The library's format registry names one per
    container as plain text (library/tags/formats.py `Format.decoder`: library never imports
    classifier/), which reaches here through TrackInput.decoder; tests/test_words.py checks
    that every name there is one of these."""

    LIBSNDFILE = "libsndfile"
    FFMPEG = "ffmpeg"


# Extensions of containers libsndfile cannot read: go straight to FFmpeg. Only a guess for
# files the library has not sniffed; for those it has, the caller passes its registry's choice.
FFMPEG_FIRST = frozenset({".m4a", ".mp4", ".m4b", ".aac", ".alac", ".wma", ".asf", ".webm"})


@dataclass(frozen=True, slots=True, eq=False)
class DecodedClips:
    """The clips of one file as mono float32 at `sample_rate`, or the reason there are none."""

    path: str
    sample_rate: int
    clips: np.ndarray | None  # (count, samples)
    starts: tuple[float, ...] = ()  # seconds into the file
    duration: float = 0.0
    size: int = 0  # the file as decoded, to notice later changes
    mtime_ns: int = 0
    error: str | None = None


def clip_starts(duration: float, plan: ClipPlan) -> tuple[float, ...]:
    """Evenly spaced clip start times (s) inside the middle `plan.span` of `duration` seconds."""
    if duration <= plan.seconds:
        return (0.0,) * plan.count  # short track: one clip from the start, repeated
    margin = duration * (1 - plan.span) / 2
    first, last = margin, duration - margin - plan.seconds
    if last < first:  # the middle part is shorter than one clip: centre a single window
        first = last = (duration - plan.seconds) / 2
    if plan.count == 1:
        return ((first + last) / 2,)
    step = (last - first) / (plan.count - 1)
    return tuple(first + i * step for i in range(plan.count))


def fit_length(samples: np.ndarray, length: int) -> np.ndarray:
    """`samples` cut or tiled (a short track repeats itself) to exactly `length`."""
    if samples.size == 0:
        raise DecodeError("no audio samples")
    if samples.size < length:
        samples = np.tile(samples, -(-length // samples.size))
    return samples[:length]


class DecodeError(Exception):
    """A file, or a part of it, cannot be decoded."""


def _native(path: str) -> str | bytes:
    """The path as libsndfile can open it: bytes on POSIX, so non-UTF-8 names work too."""
    return path if os.name == "nt" else os.fsencode(path)


def _to_rate(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    if rate == target:
        return samples.astype(np.float32, copy=False)
    return soxr.resample(samples, rate, target).astype(np.float32, copy=False)


@contextmanager
def _libsndfile_errors(path: str) -> Iterator[None]:
    """libsndfile's failures as DecodeError, in its own words; then the decoder hook hears
    that `path` is done (its libmpg123 lines are summarised per file: decoder_hook.py)."""
    try:
        yield
    except sf.LibsndfileError as exc:
        raise DecodeError(_tidy(exc.error_string)) from exc
    except (RuntimeError, ValueError, OSError) as exc:
        raise DecodeError(_tidy(str(exc))) from exc
    finally:
        read_done(path)


@contextmanager
def _ffmpeg_errors() -> Iterator[None]:
    """PyAV's failures as DecodeError, in its own words."""
    import av

    try:
        yield
    except IndexError as exc:
        raise DecodeError("no audio stream") from exc
    except av.FFmpegError as exc:
        raise DecodeError(exc.strerror or str(exc)) from exc
    except (ValueError, OSError) as exc:
        raise DecodeError(str(exc)) from exc


def _read_with_soundfile(
    path: str, plan: ClipPlan, target: int
) -> tuple[list[np.ndarray], tuple[float, ...], float]:
    with _libsndfile_errors(path), sf.SoundFile(_native(path)) as f:
        rate, frames = f.samplerate, f.frames
        if rate <= 0 or frames <= 0:
            raise DecodeError("empty or unknown length")
        duration = frames / rate
        starts = clip_starts(duration, plan)
        want = min(frames, int(np.ceil(plan.seconds * rate)) + 64)  # margin for resampling
        clips = []
        for start in starts:
            first = min(int(start * rate), frames - want)
            f.seek(first)
            block = f.read(want, dtype="float32", always_2d=True)
            if len(block) < want:
                ends = (first + len(block)) / rate
                raise DecodeError(
                    f"file ends early at {ends:.1f} s of {duration:.1f} s (truncated?)"
                )
            clips.append(_to_rate(downmix(block), rate, target))
        return clips, starts, duration


def downmix(frames: np.ndarray) -> np.ndarray:
    """(frames, channels) float32 -> mono, the mean of the channels.

    One matrix-vector product: `mean(axis=1)` over interleaved frames reduces along the short
    axis and cost 2 ms per stereo clip, 6 % of a track's CPU (docs/speed.md); this is ~0.05 ms.
    For stereo the result is bit-identical ((a + b) * 0.5 rounds once either way)."""
    channels = frames.shape[1]
    if channels == 1:
        return frames[:, 0]
    return frames @ np.full(channels, 1 / channels, dtype=frames.dtype)


def _tidy(message: str) -> str:
    """libsndfile's message without its "Error : " prefix and final full stop."""
    return message.strip().removeprefix("Error :").strip().rstrip(".")


def _frame_mono(frame: object) -> np.ndarray:
    """One PyAV audio frame as mono float32, whatever its sample format."""
    data = frame.to_ndarray()  # type: ignore[attr-defined]
    fmt = frame.format  # type: ignore[attr-defined]
    channels = len(frame.layout.channels)  # type: ignore[attr-defined]
    if not fmt.is_planar:
        data = data.reshape(-1, channels).T
    if np.issubdtype(data.dtype, np.integer):
        info = np.iinfo(data.dtype)
        data = (data.astype(np.float32) - (info.min + info.max + 1) / 2) / (
            (info.max - info.min + 1) / 2
        )
    return data.astype(np.float32, copy=False).mean(axis=0)


def _read_with_ffmpeg(
    path: str, plan: ClipPlan, target: int
) -> tuple[list[np.ndarray], tuple[float, ...], float]:
    import av  # FFmpeg loads only when a file needs it

    # a file object takes any name
    with _ffmpeg_errors(), open(path, "rb") as raw, av.open(raw) as container:
        stream = container.streams.audio[0]
        duration = _ffmpeg_duration(container, stream)
        starts = clip_starts(duration, plan)
        clips = [
            _ffmpeg_clip(container, stream, start, min(plan.seconds, duration), target)
            for start in starts
        ]
        return clips, starts, duration


def _ffmpeg_duration(container: object, stream: object) -> float:
    if stream.duration is not None and stream.time_base is not None:  # type: ignore[attr-defined]
        return float(stream.duration * stream.time_base)  # type: ignore[attr-defined]
    if container.duration is not None:  # type: ignore[attr-defined]
        return container.duration / 1_000_000  # type: ignore[attr-defined]
    raise DecodeError("unknown duration")


def _ffmpeg_clip(
    container: object, stream: object, start: float, seconds: float, target: int
) -> np.ndarray:
    """Seek to the keyframe before `start`, then decode just until `seconds` are in hand."""
    rate = stream.codec_context.sample_rate  # type: ignore[attr-defined]
    need = int(np.ceil(seconds * rate)) + 64
    if start > 0:
        container.seek(int(start * 1_000_000))  # type: ignore[attr-defined]  # AV_TIME_BASE units
    parts: list[np.ndarray] = []
    have = 0
    for frame in container.decode(stream):  # type: ignore[attr-defined]
        mono = _frame_mono(frame)
        if frame.time is not None and frame.time < start:  # before the wanted start: trim
            mono = mono[int((start - frame.time) * rate) :]
        parts.append(mono)
        have += mono.size
        if have >= need:
            break
    samples = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    if samples.size < need - rate // 10:  # the container promised more audio than there is
        raise DecodeError(f"file ends early at {start + samples.size / rate:.1f} s (truncated?)")
    return _to_rate(samples[:need], rate, target)


def _ffmpeg_first(path: str, decoder: str | None) -> bool:
    """Whether FFmpeg goes first: the library's choice for the detected format, else a guess."""
    if decoder is None:
        return Path(path).suffix.lower() in FFMPEG_FIRST
    return decoder == Decoder.FFMPEG


def decode_clips(
    path: str | os.PathLike[str], plan: ClipPlan = ClipPlan(), sample_rate: int = 16000,
    decoder: str | None = None,
) -> DecodedClips:
    """The clips of `plan` from the file at `path`, mono at `sample_rate`; errors are returned.

    `decoder` ("libsndfile" or "ffmpeg") is the one to try first, as the library's format
    registry says for the content-detected container; None: guess from the extension."""
    path = os.fspath(path)
    try:
        stat = os.stat(path)
    except OSError as exc:
        return DecodedClips(path, sample_rate, None, error=f"cannot open: {exc.strerror or exc}")
    readers = [("libsndfile", _read_with_soundfile), ("FFmpeg", _read_with_ffmpeg)]
    if _ffmpeg_first(path, decoder):
        readers.reverse()
    errors = []
    for name, reader in readers:
        try:
            clips, starts, duration = reader(path, plan, sample_rate)
        except DecodeError as exc:
            errors.append(f"{name}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - decoders raise undocumented types; one file
            # must not stop a run
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        length = int(round(plan.seconds * sample_rate))
        try:
            stacked = np.stack([fit_length(clip, length) for clip in clips])
        except DecodeError as exc:
            errors.append(f"{name}: {exc}")
            continue
        return DecodedClips(
            path, sample_rate, stacked, starts, duration, stat.st_size, stat.st_mtime_ns
        )
    return DecodedClips(path, sample_rate, None, error="cannot decode (" + "; ".join(errors) + ")")


def _whole_with_soundfile(path: str) -> tuple[np.ndarray, int]:
    with _libsndfile_errors(path):
        audio, rate = sf.read(_native(path), dtype="float32", always_2d=True)
    return downmix(audio), int(rate)


def _whole_with_ffmpeg(path: str) -> tuple[np.ndarray, int]:
    import av

    with _ffmpeg_errors(), open(path, "rb") as raw, av.open(raw, "r") as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        parts: list[np.ndarray] = []
        lead = 0.0
        for frame in container.decode(stream):
            if not parts and frame.time:  # audio starts late (WMA): keep the file's clock,
                lead = frame.time  # so sample i is at i / rate s, as decode_clips seeks
            parts.append(_frame_mono(frame))
    if not parts:
        raise DecodeError("no audio frames")
    if lead > 0:
        parts.insert(0, np.zeros(round(lead * rate), np.float32))
    return np.concatenate(parts), int(rate)


def decode_whole(
    path: str | os.PathLike[str], sample_rate: int, decoder: str | None = None
) -> np.ndarray:
    """The whole file as mono float32 in [-1, 1] at `sample_rate`; DecodeError says why not.

    For the from-scratch nets, which tile a whole excerpt into clips; the same readers (and
    integer scaling) as decode_clips, so both paths hear a file alike."""
    path = os.fspath(path)
    readers = [("libsndfile", _whole_with_soundfile), ("FFmpeg", _whole_with_ffmpeg)]
    if _ffmpeg_first(path, decoder):
        readers.reverse()
    errors = []
    for name, reader in readers:
        try:
            samples, rate = reader(path)
        except DecodeError as exc:
            errors.append(f"{name}: {exc}")
            continue
        except Exception as exc:  # noqa: BLE001 - decoders raise undocumented types
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            continue
        return _to_rate(samples, rate, sample_rate)
    raise DecodeError("cannot decode (" + "; ".join(errors) + ")")
