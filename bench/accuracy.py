"""Accuracy gate for speed changes: every variant against the exact model on all real audio;
then the default bundle against the old 1.0 tag map (bench/legacy/broad-1.0), and the precision
and coverage of the default write threshold per genre (bench/write_threshold.py), in one run.

    /work/venv/bin/python bench/accuracy.py [--clips 5 3 2] [--precisions exact bf16] [--no-pool]

Tracks: the 50 gtzan-mini excerpts (GTZAN genre mapped to a broad genre as in
tools/fit_broad.py; reggae has no broad genre and counts only for agreement) and cc-music
(music with its acceptable genres; speech and animals must come out "uncertain").
Reference: the exact float32 model on 5 clips (the shipped default before issue #3's speed work).
Per variant (precision x clips): the bundle's decision (top genre or uncertain) agreeing with
the reference's, top-1 genre agreeing, max |track probability - reference| over all tracks and
genres, the decision agreeing with the exact model over the WHOLE file (every 3-s patch, what
the naive pipeline computes), accuracy vs the labels, and this thread's CPU ms of network per
track.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier.audio import ClipPlan, decode_clips
from classifier.bundle import Bundle, load_bundle
from classifier.training.evaluate_bundle import genre_key
from classifier.features import LogMel, patch_samples
from classifier.inputs import decode
from tools.fit_broad import labelled_clips
from bench import write_threshold

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
REFERENCE = ("exact", 5)
LEGACY = Path(__file__).resolve().parent / "legacy" / "broad-1.0"
# The old map had no Reggae/Disco: GTZAN disco counted as Dance, reggae was not scored.
OLD_NAMES = {"Dance": "Disco", "Ambient/New Age": "Ambient"}


def set_precision(bundle: Bundle, precision: str) -> None:
    """Switch every musicnn backbone of the bundle's model."""
    for net in bundle.model.backbones:
        net.set_precision(precision)


def track_patches(bundle: Bundle, paths: list[Path], clips: int) -> list[torch.Tensor]:
    """Each track's (clips, frames, mels) log-mel patches, as the pipeline makes them."""
    config = bundle.preprocessing
    plan = ClipPlan(count=clips, seconds=patch_samples(config) / config.sample_rate)
    logmel = LogMel(config, "cpu")
    out = []
    for path in paths:
        decoded = decode_clips(str(path), plan, config.sample_rate)
        if decoded.error is not None:
            sys.exit(f"{path}: {decoded.error}")
        out.append(logmel(decoded.clips))
    return out


def whole_patches(bundle: Bundle, paths: list[Path]) -> list[torch.Tensor]:
    """Each track cut into consecutive patches end to end (at least one, tiled if short)."""
    config = bundle.preprocessing
    length, logmel = patch_samples(config), LogMel(config, "cpu")
    out = []
    for path in paths:
        audio = decode(path, config.sample_rate)
        audio = np.tile(
            audio, -(-length // len(audio))
        )  # a 2.7-s bird call still gives a patch
        n = len(audio) // length
        out.append(logmel(audio[: n * length].reshape(n, length)))
    return out


def run(bundle: Bundle, patches: list[torch.Tensor]) -> tuple[np.ndarray, float]:
    """(tracks, genres + 1) mean-over-clips probabilities, the gate's P(music) last; CPU ms of
    network (backbones, head and gate) per track."""
    probs, cpu = [], 0.0
    with torch.inference_mode():
        bundle.model(patches[0])  # warm-up: oneDNN's first call per shape
        for mel in patches:
            start = time.thread_time()
            genre, _, music = bundle.model.outputs(mel)
            cpu += time.thread_time() - start
            probs.append(np.append(genre.mean(dim=0).numpy(), float(music.mean())))
    return np.stack(probs), 1000 * cpu / len(patches)


def decisions(bundle: Bundle, probs: np.ndarray) -> list[str | None]:
    """The bundle's decision per track (gate included): a genre, or None for uncertain."""
    return [bundle.decide(p[:-1], float(p[-1])) for p in probs]


def correct(decision: str | None, accepted: set[str] | None) -> bool | None:
    """Right or wrong vs the label; None when the label has no broad genre (reggae)."""
    if accepted is None:  # speech, animals: only "uncertain" is right
        return decision is None
    return decision in accepted if accepted else None


def report(
    name: str,
    bundle: Bundle,
    probs: np.ndarray,
    cpu_ms: float,
    ref: np.ndarray,
    whole: np.ndarray,
    labels: list[set[str] | None],
) -> None:
    """One line of the table."""
    got, want = decisions(bundle, probs), decisions(bundle, ref)
    same = sum(g == w for g, w in zip(got, want))
    as_whole = sum(g == w for g, w in zip(got, decisions(bundle, whole)))
    top1 = int((probs[:, :-1].argmax(1) == ref[:, :-1].argmax(1)).sum())
    scored = [c for c in map(correct, got, labels) if c is not None]
    print(
        f"{name:12}{same:>4}/{len(got):<5}{top1:>4}/{len(got):<5}"
        f"{float(np.abs(probs - ref).max()):>9.1e}{as_whole:>6}/{len(got):<5}"
        f"{sum(scored):>6}/{len(scored):<5}{cpu_ms:>8.0f}"
    )


def accepted_by(bundle: Bundle, path: Path, accepted: set[str] | None) -> set[str] | None:
    """The labels of `bundle` that count as right for a clip (None: non-music)."""
    if accepted is None:
        return None
    keys = {genre_key(label): label for label in bundle.labels}
    # GTZAN: its own folder genre, if the bundle has it
    if path.parent.name in {"blues", "classical", "country", "disco", "hiphop", "jazz", "metal",
                            "pop", "reggae", "rock"}:
        own = keys.get(genre_key(path.parent.name))
        return {own} if own else {g for g in accepted if g in bundle.labels}
    names = {OLD_NAMES.get(g, g) if g not in bundle.labels else g for g in accepted}
    return {g for g in names if g in bundle.labels}


def part_of(path: Path, accepted: set[str] | None) -> str:
    """Which column a clip is scored in."""
    if "gtzan-mini" in path.parts:
        return "gtzan-mini"
    return "cc non-music" if accepted is None else "cc music"


def compare_default_with_legacy(tracks: list) -> None:
    """Old (1.0 tag map) against the new default, 3 clips, at the machine's precision."""
    print("\nnew default vs old 1.0 tag map (3 clips; CPU ms = this thread's network time per "
          "track; gtzan-mini is training material of both: the 1.0 calibration, the 2.0 head)")
    parts = ("gtzan-mini", "cc music", "cc non-music")
    print(f"{'bundle':22}" + "".join(f"{p:>14}" for p in parts) + f"{'CPU ms':>8}")
    for source in ("broad", LEGACY):
        bundle = load_bundle(source)
        probs, ms = run(bundle, track_patches(bundle, [t[0] for t in tracks], 3))
        scored: dict[str, list[bool]] = {p: [] for p in parts}
        for decision, (path, accepted, _) in zip(decisions(bundle, probs), tracks):
            right = correct(decision, accepted_by(bundle, path, accepted))
            if right is not None:
                scored[part_of(path, accepted)].append(right)
        cells = "".join(f"{f'{sum(v)}/{len(v)}':>14}" for v in scored.values())
        print(f"{bundle.name + ' ' + bundle.version:22}{cells}{ms:>8.0f}")


def main() -> int:
    """Print one line per variant; the first is the reference itself."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, nargs="+", default=[5, 3, 2])
    parser.add_argument("--precisions", nargs="+", default=["exact", "bf16"])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-pool", action="store_true",
                        help="skip the out-of-fold pool table of the write threshold")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    tracks = labelled_clips(DATA)
    bundle = load_bundle("broad")
    paths, labels = [t[0] for t in tracks], [accepted_by(bundle, t[0], t[1]) for t in tracks]
    patches = {
        n: track_patches(bundle, paths, n)
        for n in sorted({5, *args.clips}, reverse=True)
    }
    set_precision(bundle, REFERENCE[0])
    ref, ref_ms = run(bundle, patches[REFERENCE[1]])
    whole, _ = run(bundle, whole_patches(bundle, paths))
    print(
        f"{len(paths)} real tracks; reference = {REFERENCE[0]} model, {REFERENCE[1]} clips; "
        f"threads={args.threads}, load {__import__('os').getloadavg()[0]:.1f}"
    )
    print(
        f"{'variant':12}{'decision=':>10}{'top1=':>10}{'max|dp|':>9}{'=whole':>11}"
        f"{'correct':>12}{'CPU ms':>8}"
    )
    for precision in args.precisions:
        set_precision(bundle, precision)
        for n in args.clips:
            probs, ms = (
                (ref, ref_ms)
                if (precision, n) == REFERENCE
                else run(bundle, patches[n])
            )
            report(f"{precision}/{n}", bundle, probs, ms, ref, whole, labels)
    compare_default_with_legacy(tracks)
    # precision and coverage of what a default tag write would write (issue #22 item 5)
    write_threshold.main(["--markdown"] + (["--skip-pool"] if args.no_pool else []))
    return 0


if __name__ == "__main__":
    sys.exit(main())
