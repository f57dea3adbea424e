"""Benchmark of `classify` on real-length tracks, and of the naive pipeline on the same files.

    python bench/classify.py [--tracks 40] [--naive-tracks 8] [--workdir /tmp/genrelens-bench]
        [--bundles broad bench/legacy/broad-1.0] [--clips 3 1] [--streams planned one]
        [--early-exit on off]

Each bundle of --bundles runs the fast pipeline on the same library (default: the shipped
default and the old 1.0 tag map it replaced, so their CPU time per track compares in one run),
once per --clips count and per --streams mode: "planned" is what the product does
(classifier.streams.plan_streams: one single-thread network stream per core on CPU), "one" is
the previous release's single stream using every torch thread; and per --early-exit mode
("on": the product, the bundle's own bundle.json rule, classifier/early_exit.py; "off": every
clip of every track, as before; only where a bundle has a rule and it applies: broad 2.x at 3
clips). The summary gives CPU-s per
track (process CPU over the classify call only: start-up and model load excluded), tracks/s
and the load average at the end of each run (other processes share the two cores).

Builds (once, cached in --workdir) tracks of 3-5 minutes by concatenating the real audio of
../shared/data, re-encoded at 44.1 kHz stereo to MP3 and FLAC alternately, then times the
fast pipeline end to end through workflows.classify (decode, features, network, DB) and the naive
one (librosa.load of the whole file, log-mel, every patch through the network).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.predict import DEFAULT_CLIPS  # noqa: E402  (first: it sets OMP_WAIT_POLICY)
from classifier import predict, streams  # noqa: E402
from classifier.bundle import Bundle  # noqa: E402
from classifier.model import GenreModel  # noqa: E402
from workflows.classify import classify_tracks  # noqa: E402
from library.db import create_db_engine, session_factory  # noqa: E402
from library.models import Track  # noqa: E402
from library.predictions import tracks_needing_prediction  # noqa: E402

import torch  # noqa: E402

DATA = Path(
    os.environ.get("GENRELENS_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
)
RATE = 44100
LEGACY = Path(__file__).resolve().parent / "legacy" / "broad-1.0"


# cc-music's speech and animal recordings: no "songs" track is made of them
NON_MUSIC = ("198-209", "3436-", "5703-", "glacier-bay", "pibble", "bird-whistling")


def source_audio(music_only: bool = False) -> list[np.ndarray]:
    """Every real recording in the shared data (or only the music), mono at 44.1 kHz."""
    paths = sorted(DATA.glob("gtzan-mini/*/*.flac")) + sorted(DATA.glob("cc-music/*.ogg"))
    if music_only:
        paths = [p for p in paths if not any(key in p.name for key in NON_MUSIC)]
    if not paths:
        sys.exit(f"no audio under {DATA}; set GENRELENS_TEST_DATA to ../shared/data")
    sources = []
    for path in paths:
        samples, rate = sf.read(path, dtype="float32", always_2d=True)
        sources.append(soxr.resample(samples.mean(axis=1), rate, RATE))
    return sources


def make_tracks(workdir: Path, count: int, songs: bool = False) -> list[Path]:
    """`count` real-length tracks (3-5 min), MP3 and FLAC alternately; cached.

    Default ("mix"): each track a run of recordings drawn at random from all of them (music,
    speech and animals alike), so a track's clips come from unrelated recordings. `songs`:
    each track one music recording repeated, so its clips hear one piece, as in a real song."""
    if songs:
        workdir = workdir / "songs"
        workdir.mkdir(parents=True, exist_ok=True)
    paths = [workdir / f"track{i:03d}{'.mp3' if i % 2 == 0 else '.flac'}" for i in range(count)]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"encoding {len(missing)} tracks into {workdir} (once)...", flush=True)
        sources, rng = source_audio(music_only=songs), np.random.default_rng(7)
        for path in missing:
            length, parts = int(rng.uniform(180, 300) * RATE), []
            piece = sources[int(path.stem[5:]) * len(sources) // count]  # spread over all
            while sum(map(len, parts)) < length:
                parts.append(piece if songs else sources[rng.integers(len(sources))])
            mono = np.concatenate(parts)[:length]
            stereo = np.stack([mono, np.roll(mono, 300)], axis=1) * 0.8
            fmt = ("MP3", "MPEG_LAYER_III") if path.suffix == ".mp3" else ("FLAC", "PCM_16")
            sf.write(path, stereo, RATE, format=fmt[0], subtype=fmt[1])
    return paths


def pick_bundle(name: str, network: str) -> tuple[GenreModel, str]:
    """The real bundle if merged, else a random-init musicnn-shaped one; or a nearly free net."""
    from bench.musicnn_shape import shaped_bundle

    if network == "nearly-free":
        return shaped_bundle(
            nearly_free=True
        ), "NEARLY FREE network: the pipeline around the network only"
    try:
        from classifier.bundles import open_bundle

        return open_bundle(name), "real bundle"
    except ImportError:
        pass
    return shaped_bundle(), "RANDOM-INIT musicnn-shaped network (nets branch not merged)"


def fresh_library(workdir: Path, tracks: list[Path]) -> object:
    """A new SQLite library holding `tracks`."""
    db = workdir / "bench.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    sessions = session_factory(create_db_engine(db))
    with sessions.begin() as session:
        for path in tracks:
            stat = path.stat()
            session.add(Track(path=str(path), size=stat.st_size, mtime_ns=stat.st_mtime_ns))
    return sessions


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_fast(
    sessions: object, bundle: GenreModel, device: str, clips: int
) -> tuple[float, object, int]:
    """(wall seconds, outcome, tracks) of classify over the whole library."""
    with sessions() as session:  # type: ignore[operator]
        todo = tracks_needing_prediction(session, bundle.name, str(bundle.version))
    start, cpu = time.perf_counter(), time.process_time()
    outcome = classify_tracks(sessions, todo, bundle, device=device, clips=clips)
    outcome.cpu_seconds = time.process_time() - cpu  # type: ignore[attr-defined]
    return time.perf_counter() - start, outcome, len(todo)


def naive_track(path: Path, bundle: object, batch: int = 64) -> np.ndarray:
    """The straightforward way: decode the whole file, mel of everything, every patch."""
    import librosa

    audio, _ = librosa.load(path, sr=16000)
    mel = librosa.feature.melspectrogram(y=audio, sr=16000, n_fft=512, hop_length=256, n_mels=96)
    logmel = np.log10(10000 * mel + 1).T.astype(np.float32)
    n = len(logmel) // 187
    patches = torch.from_numpy(logmel[: n * 187].reshape(n, 187, 96))
    with torch.inference_mode():
        probs = torch.cat([bundle.model(patches[i : i + batch])[0] for i in range(0, n, batch)])  # type: ignore[attr-defined]
    return probs.mean(dim=0).numpy()


def stream_mode(mode: str) -> None:
    """Make classify run the product's stream plan, or the previous single stream."""
    planned = PLAN_STREAMS

    def one(device: str) -> streams.StreamPlan:
        plan = planned(device)
        return streams.StreamPlan(1, torch.get_num_threads(), plan.batch_tracks)

    predict.plan_streams = planned if mode == "planned" else one  # type: ignore[assignment]


PLAN_STREAMS = predict.plan_streams
WARMED: list[bool] = []  # the whole library has been run once in this process


def early_mode(model: GenreModel, mode: str) -> GenreModel:
    """`model` as it ships ("on": its bundle.json early-exit rule), or running every clip."""
    if mode == "on" or not isinstance(model, Bundle):  # only pretrained bundles have a rule
        return model
    return dataclasses.replace(model, early_exit=None)


def early_applies(model: GenreModel, clips: int) -> bool:
    """Whether `model`'s early-exit rule (a pretrained bundle's, if it has one) acts at `clips`."""
    rule = model.early_exit if isinstance(model, Bundle) else None
    return rule is not None and rule.fits(clips)


def fast_run(args: argparse.Namespace, bundle: GenreModel, kind: str, tracks: list[Path],
             audio_seconds: float) -> tuple[object, int, float]:
    """Time classify over the whole library with `bundle`; print its figures."""
    plan = predict.plan_streams(args.device)
    print(
        f"network: {kind}; torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{plan.streams} stream(s) of {plan.threads} thread(s), "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY')}, load {os.getloadavg()[0]:.1f}"
    )
    print(
        f"library: {len(tracks)} tracks, {audio_seconds / 60:.0f} min of audio"
        f" (MP3 + FLAC, 44.1 kHz stereo; {'songs' if args.songs else 'mixed recordings'})"
    )

    folder = tracks[0].parent
    # Warm-up: the process's first run over the whole library (unwarmed, it paid up to 9 ms/track
    # more CPU than the same run repeated, docs/speed.md), then two tracks before each run.
    warm = tracks if not WARMED else tracks[:2]
    run_fast(fresh_library(folder, warm), bundle, args.device, args.clips)
    WARMED.append(True)
    wall, outcome, n = run_fast(fresh_library(folder, tracks), bundle, args.device, args.clips)
    s = outcome.stats
    print(
        f"\nfast pipeline ({args.clips} clips of 3 s per track), {n} tracks,"
        f" {len(outcome.errors)} errors:"
    )
    print(
        f"  {n / wall:.2f} tracks/s, {audio_seconds / wall:.0f} audio-seconds/s, wall {wall:.2f} s"
    )
    print(f"  process CPU time {1000 * outcome.cpu_seconds / n:.0f} ms/track (all threads)")
    print(f"  settled early {s.settled}/{n} tracks; {s.clips / n:.2f} clips per track through"
          " the network")
    for stage, seconds in [
        ("decode*", s.decode),
        ("features", s.features),
        ("network", s.network),
        ("DB", outcome.db_seconds),
    ]:
        print(f"  {stage:9s} {1000 * seconds / n:7.1f} ms/track")
    print("  (*decode runs in 2 background threads overlapping the network; summed thread time;"
          " network is summed over its streams)")
    print(f"  peak RSS {peak_rss_mb():.0f} MB")

    return outcome, n, wall


def role(bundle_name: str, clips: int, mode: str, early: str) -> str:
    """What a run stands for: the product, or one of the pipelines it replaced."""
    if bundle_name == "broad" and clips == DEFAULT_CLIPS and mode == "planned":
        return {"on": "ships", "off": "without early exit"}.get(early, "")
    if clips == 1 and mode == "planned" and bundle_name == "broad":
        return "--clips 1"
    if "legacy" in bundle_name or "1.0" in bundle_name:
        return "previous release" if clips == DEFAULT_CLIPS and mode == "one" else ""
    return ""


def print_summary(runs: list[tuple]) -> None:  # type: ignore[type-arg]
    """One line per run, and whether the shipped pipeline met issue #16's targets."""
    print("\nsummary (classify only, start-up excluded; load = 1-min load average after the run):")
    for name, label, clips, mode, early, load, outcome, n, wall in runs:
        print(f"  {label:22s} {clips} clips  streams {mode:7s}  early exit {early:3s}"
              f" {outcome.cpu_seconds / n:.3f} CPU-s/track  {n / wall:5.2f} tracks/s"
              f"  load {load:.1f}  {role(name, clips, mode, early)}")
    for name, label, clips, mode, early, load, outcome, n, wall in runs:
        if role(name, clips, mode, early) == "ships":
            cpu, rate = outcome.cpu_seconds / n, n / wall
            print(f"issue #16 targets: CPU-s/track {cpu:.3f} <= 0.090: "
                  f"{'met' if cpu <= 0.09 else 'NOT met'}; tracks/s {rate:.2f} >= 20: "
                  f"{'met' if rate >= 20 else 'NOT met'} (tracks/s needs a quiet machine:"
                  f" load {load:.1f} after the run)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tracks", type=int, default=40)
    parser.add_argument(
        "--naive-tracks", type=int, default=8, help="naive pipeline on the first N (it is slow)"
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/genrelens-bench"))
    parser.add_argument("--bundles", nargs="+", default=["broad", str(LEGACY)])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--clips", type=int, nargs="+", default=[DEFAULT_CLIPS, 1])
    parser.add_argument("--streams", nargs="+", choices=["planned", "one"],
                        default=["planned", "one"])
    parser.add_argument("--songs", action="store_true",
                        help="tracks of one music recording each (default: mixed recordings)")
    parser.add_argument("--early-exit", nargs="+", choices=["on", "off"], default=["on", "off"])
    parser.add_argument(
        "--network",
        choices=["auto", "nearly-free"],
        default="auto",
        help="nearly-free: time decode, features and DB around a network costing ~0",
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    tracks = make_tracks(args.workdir, args.tracks, songs=args.songs)
    audio_seconds = sum(sf.info(p).duration for p in tracks)
    runs, clip_counts = [], args.clips
    for name in args.bundles:
        bundle, kind = pick_bundle(name, args.network)
        for args.clips in clip_counts:
            applies = early_applies(bundle, args.clips)
            for mode, early in [(m, e) for m in args.streams for e in args.early_exit]:
                if not applies and early != args.early_exit[0]:
                    continue  # the rule cannot act here: the run would repeat the last one
                stream_mode(mode)
                print(f"\n=== {bundle.name} {bundle.version} ({name}), {args.clips} clips,"
                      f" streams: {mode}, early exit: {early if applies else 'n/a'}")
                figures = fast_run(args, early_mode(bundle, early), kind, tracks, audio_seconds)
                runs.append((name, f"{bundle.name} {bundle.version}", args.clips, mode,
                             early if applies else "n/a", os.getloadavg()[0], *figures))
    stream_mode("planned")
    print_summary(runs)
    *_, outcome, n, wall = runs[0]  # the naive pipeline is compared with the first run
    naive_paths = tracks[: args.naive_tracks]
    if not naive_paths:
        return
    bundle, _ = pick_bundle(args.bundles[0], args.network)
    start, cpu = time.perf_counter(), time.process_time()
    for path in naive_paths:
        naive_track(path, bundle)
    naive_per_track = (time.perf_counter() - start) / len(naive_paths)
    naive_cpu = (time.process_time() - cpu) / len(naive_paths)
    print(f"\nnaive pipeline (librosa.load whole file, all patches) on {len(naive_paths)} tracks:")
    print(
        f"  {1 / naive_per_track:.3f} tracks/s ({naive_per_track:.2f} s/track,"
        f" CPU {naive_cpu:.2f} s/track)"
    )
    print(f"  peak RSS {peak_rss_mb():.0f} MB")
    print(
        f"\nspeed-up fast/naive: {naive_per_track / (wall / n):.1f}x wall,"
        f" {naive_cpu / (outcome.cpu_seconds / n):.1f}x CPU time"
    )
    print(
        f"load average now {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
        " (other processes share them)"
    )


if __name__ == "__main__":
    main()
