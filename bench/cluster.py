"""Classification throughput: the local path vs Ray with 1 and 2 actors, on real audio.

    python bench/cluster.py [--tracks 24] [--seconds 30]

Each run classifies the same `--tracks` real recordings (from ../shared/data/gtzan-mini,
first `--seconds` of each) into a fresh SQLite library with the broad bundle on CPU. The Ray
runs start a local Ray (2 CPUs) and include its start-up and each actor's bundle load,
reported apart. Prints wall seconds and tracks/s per run.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from library.db import create_db_engine, session_factory  # noqa: E402
from library.folders import add_folder  # noqa: E402
from library.predictions import tracks_needing_prediction  # noqa: E402
from library.scanner import scan  # noqa: E402
from tests.audio_files import load_source, write_audio  # noqa: E402
from classifier.bundles import open_bundle  # noqa: E402
from workflows.classify import classify_tracks  # noqa: E402
from workflows.classify_ray import classify_on_ray, start_ray  # noqa: E402

GENRES = ("blues", "country", "disco", "hiphop", "jazz", "metal", "pop", "rock")


def make_music(folder: Path, data: Path, tracks: int, seconds: float) -> None:
    """`tracks` real recordings, cycling through the genres and excerpts 00000-00004."""
    for n in range(tracks):
        genre = GENRES[n % len(GENRES)]
        source = data / "gtzan-mini" / genre / f"{genre}.{n // len(GENRES) % 5:05d}.flac"
        write_audio(folder / f"{n:03d}-{genre}.flac", *load_source(source, seconds))


def library(tmp: Path, music: Path, name: str):  # type: ignore[no-untyped-def]
    """A fresh library of `music`, and the tracks to classify."""
    sessions = session_factory(create_db_engine(tmp / f"{name}.sqlite3"))
    with sessions() as session:
        folder = add_folder(session, str(music))
    for _ in scan(sessions, [folder]):
        pass
    return sessions


def main() -> None:
    """Time the local path, then Ray with 1 and 2 actors."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=24)
    parser.add_argument("--seconds", type=float, default=30.0)
    args = parser.parse_args()
    bundle = open_bundle(None)
    with tempfile.TemporaryDirectory() as tmp:
        music = Path(tmp) / "music"
        music.mkdir()
        make_music(music, REPO.parent / "shared" / "data", args.tracks, args.seconds)
        for name, workers in (("local", 0), ("ray-1", 1), ("ray-2", 2)):
            sessions = library(Path(tmp), music, name)
            with sessions() as session:
                todo = tracks_needing_prediction(session, bundle.name, str(bundle.version))
            start = time.perf_counter()
            if workers == 0:
                outcome = classify_tracks(sessions, todo, bundle, device="cpu")
                setup = 0.0
            else:
                start_ray(None)
                ready: list[float] = []
                outcome = classify_on_ray(sessions, todo, bundle, workers=workers,
                                          on_start=lambda _: ready.append(time.perf_counter()))
                setup = ready[0] - start
            wall = time.perf_counter() - start
            print(f"{name:<6} {outcome.stored:4d} tracks  {wall:7.1f} s  "
                  f"{outcome.stored / wall:5.2f} tracks/s  (Ray start + bundle loads "
                  f"{setup:.1f} s; after them {outcome.stored / (wall - setup):5.2f} tracks/s)",
                  flush=True)
            import ray

            ray.shutdown()


if __name__ == "__main__":
    main()
