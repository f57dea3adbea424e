"""Accuracy gate of issue #24, paired: today's float32 timbral path (conv) against a candidate,
on the 64 real recordings of bench/accuracy.py, in one process on the same patches.

    ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 \\
        /work/main/.venv/bin/python bench/int8_gate.py [--candidates im2col int8] [--clips 3]
        [--pool]

--pool: the genre-pool clips instead (non-GTZAN only, so no holdout can slip in; speech and
environment are the non-music). The shipped head was trained on them, so this is a paired
stability check of the decisions, not an accuracy estimate.

Per candidate: decisions changed, max |genre probability - conv|, accuracy of both and a 95 %
bootstrap interval (over recordings, 2,000 resamples) of the accuracy difference, recall per
genre with its interval for conv, and the non-music verdicts (must stay "uncertain").
Gate: the difference interval excludes a drop of more than 1 point, every genre's recall stays
inside conv's interval, and no non-music verdict gets worse.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import classifier  # noqa: E402, F401  (before torch: it sets the product's OMP_WAIT_POLICY)

import torch  # noqa: E402

from bench.accuracy import DATA, accepted_by, correct, decisions, run, track_patches  # noqa: E402
from bench.int8 import POOL, SHIPPED_FLOAT, conv_max, int8_conv_max  # noqa: E402
from classifier.bundle import Bundle, load_bundle  # noqa: E402
from classifier.nets import musicnn  # noqa: E402
from classifier.training.evaluate_bundle import genre_key  # noqa: E402
from tools.fit_broad import labelled_clips  # noqa: E402

CANDIDATES = {"conv": conv_max, "im2col": SHIPPED_FLOAT, "int8": int8_conv_max}
RESAMPLES = 2000


def outcome(bundle: Bundle, patches: list[torch.Tensor], conv: object) -> np.ndarray:
    """(tracks, genres + 1) probabilities with the float path's timbral conv set to conv."""
    musicnn.float_conv_max = conv  # type: ignore[assignment]
    try:
        return run(bundle, patches)[0]
    finally:
        musicnn.float_conv_max = SHIPPED_FLOAT


def interval(values: np.ndarray, rng: np.random.Generator) -> tuple[float, float]:
    """95 % bootstrap interval of the mean, over the rows of values."""
    picks = rng.integers(0, len(values), (RESAMPLES, len(values)))
    means = values[picks].mean(axis=1)
    return float(np.quantile(means, 0.025)), float(np.quantile(means, 0.975))


def gate(name: str, ref: dict, got: dict, labels: list, rng: np.random.Generator) -> bool:
    """Print the paired comparison of got against ref; True when it passes."""
    # music with a label the bundle has (reggae has none: agreement only)
    scored = [i for i, lab in enumerate(labels) if lab]
    a = np.array([bool(correct(ref["decisions"][i], labels[i])) for i in scored], float)
    b = np.array([bool(correct(got["decisions"][i], labels[i])) for i in scored], float)
    low, high = interval(b - a, rng)
    changed = sum(x != y for x, y in zip(ref["decisions"], got["decisions"]))
    drift = float(np.abs(got["probs"] - ref["probs"]).max())
    print(f"\n{name}: {changed} of {len(labels)} decisions changed, max |dp| {drift:.1e}; "
          f"accuracy {a.mean():.3f} -> {b.mean():.3f} on {len(scored)} music recordings, "
          f"difference {100 * (b - a).mean():+.1f} points, 95 % interval "
          f"[{100 * low:+.1f}, {100 * high:+.1f}]")
    ok = low >= -0.01
    for genre in sorted({g for i in scored for g in labels[i]}):
        rows = [k for k, i in enumerate(scored) if genre in labels[i]]
        r_low, r_high = interval(a[rows], rng)
        inside = r_low <= b[rows].mean() <= r_high
        ok &= inside
        print(f"  recall {genre:18} {a[rows].mean():.2f} [{r_low:.2f}, {r_high:.2f}] -> "
              f"{b[rows].mean():.2f}{'' if inside else '  OUTSIDE'}  ({len(rows)} recordings)")
    noise = [i for i, lab in enumerate(labels) if lab is None]
    worse = sum(ref["decisions"][i] is None and got["decisions"][i] is not None for i in noise)
    right = sum(got["decisions"][i] is None for i in noise)
    print(f"  non-music: {right}/{len(noise)} uncertain, {worse} got worse")
    ok &= worse == 0
    print(f"  gate: {'PASS' if ok else 'FAIL'}")
    return ok


def pool_tracks(bundle: Bundle) -> tuple[list[Path], list[set[str] | None]]:
    """Non-GTZAN genre-pool clips and what counts as right (None: non-music)."""
    keys = {genre_key(label): label for label in bundle.labels}
    paths, labels = [], []
    for line in (POOL / "MANIFEST.tsv").read_text().splitlines()[1:]:
        path, label, source = line.split("\t")[:3]
        if "gtzan" in source.lower():
            continue
        paths.append(POOL / path)
        own = keys.get(genre_key(label))
        labels.append(None if label in {"speech", "environment"} else ({own} if own else set()))
    return paths, labels


def gate_tracks(bundle: Bundle, pool: bool) -> tuple[list[Path], list[set[str] | None]]:
    """The gate's material: the 64 real recordings, or (pool) the non-GTZAN genre-pool clips,
    and what counts as right for each (None: non-music)."""
    if pool:
        return pool_tracks(bundle)
    tracks = labelled_clips(DATA)
    return [t[0] for t in tracks], [accepted_by(bundle, t[0], t[1]) for t in tracks]


def main() -> int:
    """Run conv and every candidate on the same patches; print the gate per candidate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--candidates", nargs="+", default=["im2col", "int8"],
                        choices=sorted(CANDIDATES))
    parser.add_argument("--clips", type=int, default=3)
    parser.add_argument("--pool", action="store_true", help="genre-pool clips (non-GTZAN)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    bundle = load_bundle("broad")
    for net in bundle.model.backbones:
        net.set_precision("exact")
    paths, labels = gate_tracks(bundle, args.pool)
    patches = track_patches(bundle, paths, args.clips)
    results = {}
    for name in ["conv", *args.candidates]:
        probs = outcome(bundle, patches, CANDIDATES[name])
        results[name] = {"probs": probs, "decisions": decisions(bundle, probs)}
    rng = np.random.default_rng(0)
    what = "pool clips" if args.pool else "real recordings"
    print(f"{len(paths)} {what}, {args.clips} clips, paired against conv (today's float32 "
          f"path), load {__import__('os').getloadavg()[0]:.1f}")
    passed = [gate(name, results["conv"], results[name], labels, rng) for name in args.candidates]
    return 0 if all(passed) else 1


if __name__ == "__main__":
    sys.exit(main())
