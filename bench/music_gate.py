"""The music gate's error rates on genre-pool's held-out folds and cc-music: the gate fitted on
the pool alone (music-gate 1.0) beside the one that also heard tools/gate_sounds.py's sounds.

    python tools/gate_sounds.py /tmp/gate-debs/*.deb   # once: extra non-music (tools/README.md)
    python bench/music_gate.py [--cache DIR] [--gate-sounds DIR] [--threads 1]

Both gates are refitted fold by fold exactly as tools/default_ship.py fits them, on the SAME
pool folds (a fold holds out a whole kind of sound: an ESC-10 class, the animal set, a speaker
or language); the new gate's folds also hold out one share of the extra sounds, grouped by kind
(birds, mammals, a package's effects), which the old gate never trained on at all. Each gate's
threshold follows the same rule (≤ 1 % of out-of-fold music called not music). Printed: both
error rates with 95 % Wilson intervals, the paired flips on pool clips, the extra sounds by
kind, and each gate's P(music) on every cc-music clip (test material, never trained on).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from platformdirs import user_cache_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.training.honesty import wilson_interval  # noqa: E402
from resources import MODELS_DIR  # noqa: E402
from tools.default_data import (  # noqa: E402
    FeatureCache,
    features,
    mini_items,
    pool_items,
    test_items,
)
from tools.default_fit import fit_gate, gate_folds, gate_oof, softmax  # noqa: E402
from tools.default_ship import CHOSEN, GATE_L2, gate_threshold, sound_type  # noqa: E402
from tools.gate_sounds import DEFAULT_OUT, extra_items  # noqa: E402
from tools.train_default import DATA  # noqa: E402


def rate(wrong: int, total: int) -> str:
    """'k/n (p %, 95 % CI lo–hi %)'."""
    lo, hi = wilson_interval(wrong, total)
    return f"{wrong}/{total} ({100 * wrong / total:.1f} %, 95 % CI {100 * lo:.1f}–{100 * hi:.1f} %)"


def main(argv: list[str] | None = None) -> int:
    """Print old and new gates' out-of-fold error rates and their cc-music verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path,
                        default=user_cache_path("GenreLens") / "train-default")
    parser.add_argument("--gate-sounds", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    pool = pool_items(DATA / "genre-pool") + mini_items(DATA / "gtzan-mini")
    # without the extracted sounds the two gates are one (the shipped gate's figures alone)
    has_extra = (args.gate_sounds / "MANIFEST.tsv").is_file()
    extra = extra_items(args.gate_sounds) if has_extra else []
    if not has_extra:
        print(f"no {args.gate_sounds / 'MANIFEST.tsv'} (tools/gate_sounds.py): old = new")
    items = pool + extra
    feats = features(FeatureCache(args.cache), items, "both", CHOSEN["clips"])
    music = np.array([item.genre is not None for item in items])
    in_pool = np.arange(len(items)) < len(pool)
    folds = gate_folds([sound_type(i) for i in pool], music[in_pool], [i.group for i in extra],
                       5, CHOSEN["seed"])
    seed = CHOSEN["seed"]
    p = {"old": gate_oof(feats, music, folds, seed, GATE_L2, train_mask=in_pool),
         "new": gate_oof(feats, music, folds, seed, GATE_L2)}
    # rounded as gate.json stores it: the old gate's is then exactly the shipped one
    thresholds = {name: round(gate_threshold(p[name][music]), 4) for name in p}
    shipped = json.loads((MODELS_DIR / "music-gate" / "gate.json").read_text())["threshold"]
    print(f"{len(pool)} pool clips in the same 5 folds grouped by kind of sound, plus "
          f"{len(extra)} extra non-music clips ({args.gate_sounds}) in 5 folds grouped by kind")
    print(f"old = pool only; new = pool + extra. Shipped gate.json threshold {shipped}")
    vetoed, passed = {}, {}
    for name in p:
        vetoed[name] = music & (p[name] < thresholds[name])
        passed[name] = ~music & (p[name] >= thresholds[name])
        print(f"{name}: threshold {thresholds[name]:.4f}")
        print(f"  music called not music:      {rate(int(vetoed[name].sum()), int(music.sum()))}")
        print(f"  pool non-music called music: "
              f"{rate(int(passed[name][in_pool].sum()), int((~music & in_pool).sum()))}")
        if extra:
            print(f"  extra sounds called music:   "
                  f"{rate(int(passed[name][~in_pool].sum()), int((~in_pool).sum()))}")
    for what, wrong in (("music vetoed", vetoed), ("pool non-music passed", passed)):
        only_old = int((wrong["old"] & ~wrong["new"] & in_pool).sum())
        only_new = int((wrong["new"] & ~wrong["old"] & in_pool).sum())
        print(f"paired on pool clips, {what}: old only {only_old}, new only {only_new}, "
              f"net {only_new - only_old:+d}")
    for i in np.flatnonzero((vetoed["old"] | vetoed["new"]) & in_pool):
        print(f"  vetoed music: {items[i].path.name} ({items[i].label}) "
              f"P(music) old {p['old'][i]:.3f} new {p['new'][i]:.3f}")
    print("extra sounds held out by kind (called music, old -> new):")
    for kind in sorted({i.group for i in extra}):
        at = np.array([i.group == kind for i in items])
        print(f"  {kind:<28} {int(passed['old'][at].sum())}/{int(at.sum())} -> "
              f"{int(passed['new'][at].sum())}/{int(at.sum())}")
    print("pool non-music let through, by kind (old -> new):")
    for kind in sorted({sound_type(items[i]) for i in np.flatnonzero(passed["old"] | passed["new"])
                        if in_pool[i]}):
        at = np.array([in_pool[n] and sound_type(i) == kind for n, i in enumerate(items)])
        print(f"  {kind:<28} {int(passed['old'][at].sum())}/{int(at.sum())} -> "
              f"{int(passed['new'][at].sum())}/{int(at.sum())}")
    report_cc_music(feats, music, in_pool, thresholds, args.cache, p)
    return 0


def report_cc_music(feats: list[np.ndarray], music: np.ndarray, in_pool: np.ndarray,
                    thresholds: dict[str, float], cache: Path,
                    oof: dict[str, np.ndarray]) -> None:
    """Both gates fitted on all their material, on every cc-music clip; then the shipped gate."""
    seed, everything = CHOSEN["seed"], np.arange(len(feats))
    gates = {"old": fit_gate(feats, music, everything[in_pool], seed, GATE_L2),
             "new": fit_gate(feats, music, everything, seed, GATE_L2)}
    cc = test_items(DATA / "cc-music")
    # a cache of its own: test material never shares a file with training features
    cc_feats = features(FeatureCache(cache / "cc-music-test"), cc, "both", CHOSEN["clips"])
    from classifier.music_gate import load_gate_runner

    runner = load_gate_runner()
    print("cc-music (never trained on): P(music) old -> new, verdicts; shipped gate at run time")
    missed = []
    for n, item in enumerate(cc):
        row = []
        for name, gate in gates.items():
            with torch.no_grad():
                prob = float(softmax(gate(torch.as_tensor(cc_feats[n])).numpy()).mean(0)[1])
            row.append(f"{prob:.3f} {'music' if prob >= thresholds[name] else 'NOT music':<9}")
            if item.genre is None and prob >= thresholds[name]:
                missed.append((name, item.path.name, prob))
        shipped = runner.music(item.path) or 0.0
        print(f"  {item.label:<9} {' -> '.join(row)} | shipped {shipped:.3f}  {item.path.name}")
    # What catching a missed clip by threshold alone would cost on the pool's music.
    for name, file, prob in missed:
        cost = int((music & (oof[name] <= prob)).sum())
        print(f"  {name}: a threshold above {file[:28]}'s {prob:.3f} would call "
              f"{rate(cost, int(music.sum()))} of the pool's music not music")


if __name__ == "__main__":
    sys.exit(main())
