"""MP3 clip decoding: libsndfile (bundled libmpg123) against PyAV (FFmpeg), speed and agreement.

    python bench/mp3_decode.py --repeat 5

Encodes four GTZAN excerpts (whole: 15-20 s each) (from ../shared/data, training genres) as MP3 in a temporary
folder, then decodes the default clip plan from each with both readers. Prints ms per track
for each, the largest sample difference between their clips, and how many lines libmpg123
wrote to the process's stderr (fd 2) while libsndfile decoded: the chatter users saw.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.audio import ClipPlan, _read_with_ffmpeg, _read_with_soundfile  # noqa: E402
from tests.audio_factory import write_audio  # noqa: E402

DATA = Path(os.environ.get("GENRELENS_TEST_DATA", REPO.parent / "shared" / "data"))
GENRES = ("rock", "jazz", "blues", "metal")


def make_mp3s(folder: Path) -> list[Path]:
    """Each genre's first excerpt, whole, as a mono MP3."""
    made = []
    for genre in GENRES:
        with sf.SoundFile(DATA / "gtzan-mini" / genre / f"{genre}.00000.flac") as source:
            samples, rate = source.read(dtype="float32"), source.samplerate
        made.append(write_audio(folder / f"{genre}.mp3", "mp3", samples, rate))
    return made


def timed(reader, paths: list[Path], repeat: int) -> tuple[float, list[list[np.ndarray]]]:  # type: ignore[no-untyped-def]
    """Best ms per track over `repeat` passes, and the clips of the last pass."""
    best, clips = float("inf"), []
    for _ in range(repeat):
        start = time.perf_counter()
        clips = [reader(str(p), ClipPlan(), 16000)[0] for p in paths]
        best = min(best, (time.perf_counter() - start) * 1000 / len(paths))
    return best, clips


def count_stderr_lines(action) -> tuple[object, int]:  # type: ignore[no-untyped-def]
    """Run `action` with fd 2 sent to a temporary file; the result and the lines written."""
    with tempfile.TemporaryFile() as sink:
        saved = os.dup(2)
        os.dup2(sink.fileno(), 2)
        try:
            result = action()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        sink.seek(0)
        return result, len(sink.read().splitlines())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_mp3s(Path(tmp))
        (sf_ms, sf_clips), chatter = count_stderr_lines(
            lambda: timed(_read_with_soundfile, paths, args.repeat))
        av_ms, av_clips = timed(_read_with_ffmpeg, paths, args.repeat)
    diffs = [float(np.max(np.abs(a[: min(a.size, b.size)] - b[: min(a.size, b.size)])))
             for ca, cb in zip(sf_clips, av_clips) for a, b in zip(ca, cb)]
    print(f"{len(paths)} MP3s of 15-20 s, {ClipPlan().count} clips of {ClipPlan().seconds:.0f} s each")
    print(f"libsndfile: {sf_ms:6.1f} ms/track, {chatter} stderr lines in {args.repeat} passes")
    print(f"PyAV:       {av_ms:6.1f} ms/track")
    print(f"largest sample difference between the two: {max(diffs):.4f}")


if __name__ == "__main__":
    main()
