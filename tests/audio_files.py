"""Real audio files in every supported format, written into tmp dirs from ../shared/data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

# extension -> (soundfile format, subtype); m4a is written with PyAV.
SOUNDFILE_FORMATS = {
    ".flac": ("FLAC", "PCM_16"),
    ".ogg": ("OGG", "VORBIS"),
    ".opus": ("OGG", "OPUS"),
    ".mp3": ("MP3", "MPEG_LAYER_III"),
    ".wav": ("WAV", "PCM_16"),
    ".aiff": ("AIFF", "PCM_16"),
}
ALL_EXTENSIONS = (*SOUNDFILE_FORMATS, ".m4a")


def load_source(path: Path, seconds: float | None = None) -> tuple[np.ndarray, int]:
    """Mono float32 samples of a real recording, optionally only the first `seconds`."""
    samples, rate = sf.read(path, dtype="float32", always_2d=True)
    samples = samples.mean(axis=1)
    if seconds is not None:
        samples = samples[: int(seconds * rate)]
    return samples, rate


def write_m4a(path: Path, samples: np.ndarray, rate: int) -> Path:
    """AAC in an MP4 container, via FFmpeg."""
    import av

    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate, layout="mono")
        frame = av.AudioFrame.from_ndarray(
            samples[np.newaxis, :].astype(np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = rate
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path


def write_audio(path: Path, samples: np.ndarray, rate: int) -> Path:
    """`samples` encoded in the format its extension names (stereo for variety)."""
    ext = path.suffix.lower()
    if ext == ".m4a":
        return write_m4a(path, samples, rate)
    if ext == ".opus" and rate != 48000:  # Opus only takes 8/12/16/24/48 kHz
        samples, rate = soxr.resample(samples, rate, 48000), 48000
    fmt, subtype = SOUNDFILE_FORMATS[ext]
    stereo = np.stack([samples, samples * 0.5], axis=1)
    sf.write(path, stereo, rate, format=fmt, subtype=subtype)
    return path
