"""The music gate's error rates, measured again on genre-pool's held-out folds, and cc-music.

    python bench/music_gate.py [--cache DIR] [--threads 1]

Refits the gate fold by fold exactly as tools/default_ship.py chose it (folds hold out a whole
kind of sound: an ESC-10 class, the animal set, a speaker or language), applies the shipped
threshold to the out-of-fold P(music), and prints both error rates with 95 % Wilson intervals:
music called not music (false alarms) and non-music let through (misses), by source, with the
music clips that were vetoed. Then the shipped gate's P(music) on each cc-music clip (never
trained on). Per-clip backbone outputs are cached as tools/train_default.py caches them.
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
from tools.default_fit import clip_logits, fit_gate, grouped_folds, softmax  # noqa: E402
from tools.default_ship import CHOSEN, GATE_L2, sound_type  # noqa: E402
from tools.train_default import DATA  # noqa: E402


def rate(wrong: int, total: int) -> str:
    """'k/n (p %, 95 % CI lo–hi %)'."""
    lo, hi = wilson_interval(wrong, total)
    return f"{wrong}/{total} ({100 * wrong / total:.1f} %, 95 % CI {100 * lo:.1f}–{100 * hi:.1f} %)"


def main(argv: list[str] | None = None) -> int:
    """Print the gate's out-of-fold error rates and its cc-music verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path,
                        default=user_cache_path("GenreLens") / "train-default")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    items = pool_items(DATA / "genre-pool") + mini_items(DATA / "gtzan-mini")
    cache = FeatureCache(args.cache)
    threshold = json.loads((MODELS_DIR / "music-gate" / "gate.json").read_text())["threshold"]
    feats = features(cache, items, "both", CHOSEN["clips"])
    music = np.array([item.genre is not None for item in items])
    folds = grouped_folds(music.astype(int), [sound_type(i) for i in items], 5, CHOSEN["seed"])
    p_music = np.zeros(len(items))
    for train, test in folds:
        gate = fit_gate(feats, music, train, CHOSEN["seed"], GATE_L2)
        p_music[test] = [softmax(z).mean(0)[1] for z in clip_logits(gate, feats, test)]
    vetoed, passed = music & (p_music < threshold), ~music & (p_music >= threshold)
    print(f"threshold {threshold}; 5 folds grouped by kind of sound, {len(items)} clips")
    print(f"music called not music: {rate(int(vetoed.sum()), int(music.sum()))}")
    print(f"non-music called music: {rate(int(passed.sum()), int((~music).sum()))}")
    for source in sorted({i.source for i in items}):
        at = np.array([i.source == source for i in items])
        wrong = int((vetoed | passed)[at].sum())
        print(f"  {source:<10} wrong {wrong}/{int(at.sum())}")
    for i in np.flatnonzero(vetoed):
        print(f"  vetoed music: {items[i].path.name} ({items[i].label}) P(music) {p_music[i]:.3f}")
    kinds = sorted({sound_type(items[i]).split(":")[0] + ":" + items[i].label
                    for i in np.flatnonzero(passed)})
    print(f"  non-music let through, by kind: {', '.join(kinds)}")
    cc = test_items(DATA / "cc-music")
    from classifier.music_gate import load_gate_runner

    runner = load_gate_runner()
    print("cc-music (never trained on), shipped gate:")
    cc_music = {}
    for item in cc:
        p = cc_music[item.path.name] = runner.music(item.path) or 0.0
        verdict = "music" if p >= threshold else "not music"
        print(f"  {item.label:<10} {verdict:<10} P(music) {p:.3f}  {item.path.name}")
    # What catching a missed non-music clip by threshold alone would cost on music.
    for name, p in sorted(cc_music.items()):
        if "bird" in name or "humpback" in name:
            cost = int((music & (p_music <= p)).sum())
            print(f"  a threshold above {name[:24]}'s {p:.3f} would call "
                  f"{rate(cost, int(music.sum()))} of the pool's music not music")
    return 0


if __name__ == "__main__":
    sys.exit(main())
