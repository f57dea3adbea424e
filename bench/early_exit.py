"""Early exit on out-of-fold clip outputs: how often 2 clips settle a track, and what it costs.

    python bench/early_exit.py [--cache DIR] [--confidence 0.5 0.6 0.7 0.8 0.9] [--music 0.9]

The training pool of tools/train_default.py (genre-pool + gtzan-mini; the GTZAN holdout is
never read, the loaders refuse it), its per-clip musicnn-MSD outputs (3 clips, cached in
--cache), and per clip, out of fold:
  - genre probabilities of the shipped head's recipe (linear, L2 0.1, grouped 5-fold, vector
    scaling fitted on the other folds, the shipped zero-shot rows), for pool music;
  - the shipped head itself for pool non-music (never in its training);
  - the music gate's P(music) (grouped by sound type, as tools/default_ship.py folds it).
A track's decision is the app's (classifier/predict.py): not music when the mean P(music) is
under the gate's threshold, else the genre whose mean probability x P(music) reaches the
bundle's threshold, else uncertain. The early rule (classifier/early_exit.py) decides from
the first two clips when it settles; otherwise all three clips decide as today.

Printed per confidence: the share of tracks settled, decisions changed against 3 clips, and
the paired accuracy difference (early - 3 clips) on labelled music with a 95 % bootstrap
interval; and how many pool non-music tracks get a genre either way. "long" = tracks of at
least 9 s, whose three clips do not overlap (most pool GTZAN clips are 2-3 s: their three
clips are one clip repeated, so they settle trivially).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf
import torch
from platformdirs import user_cache_path
from safetensors.torch import load_file

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.early_exit import EarlyExit  # noqa: E402
from classifier.training.heads_train import HeadConfig  # noqa: E402
from resources import MODELS_DIR  # noqa: E402
from tools.default_data import FeatureCache, Item, mini_items, pool_items  # noqa: E402
from tools.default_fit import (  # noqa: E402
    clip_logits,
    fit_gate,
    fit_vector_scaling,
    grouped_folds,
    oof_logits,
    softmax,
)
from tools.default_ship import CHOSEN, GATE_L2, sound_type  # noqa: E402
from tools.default_data import LEARNED, features, music_set  # noqa: E402

DATA = REPO.parent / "shared" / "data"
LONG = 9.0  # seconds: three 3-s clips spread over the middle 80 % no longer overlap


def shipped_head() -> tuple[np.ndarray, np.ndarray, float, float]:
    """(weight, bias) of the shipped broad head, its uncertain threshold, the gate's threshold."""
    head = load_file(str(MODELS_DIR / "broad" / "head.safetensors"))
    spec = json.loads((MODELS_DIR / "broad" / "bundle.json").read_text(encoding="utf-8"))
    gate = json.loads((MODELS_DIR / "music-gate" / "gate.json").read_text(encoding="utf-8"))
    return (head["out.weight"].numpy(), head["out.bias"].numpy(), spec["uncertain_threshold"],
            gate["threshold"])


def genre_clip_probs(feats: list[np.ndarray], items: list[Item], weight: np.ndarray,
                     bias: np.ndarray, seed: int = CHOSEN["seed"]) -> list[np.ndarray]:  # type: ignore[assignment]
    """(clips, 16) genre probabilities per item: out of fold for music, shipped head otherwise
    (`seed`: of the folds and the heads; the shipped head's is CHOSEN's)."""
    out = [softmax(f @ weight.T + bias) for f in feats]  # non-music: never trained on
    idx, classes, groups = music_set(items)
    music_feats = [feats[i] for i in idx]
    config = HeadConfig(CHOSEN["kind"], l2=CHOSEN["l2"], seed=seed)
    folds = grouped_folds(classes, groups, 5, seed)
    oof = oof_logits(music_feats, classes, folds, len(LEARNED), config)
    zero_w, zero_b = weight[len(LEARNED):], bias[len(LEARNED):]
    for train, test in folds:
        scale, shift = fit_vector_scaling([oof[i] for i in train], classes[train])
        for i in test:
            z = oof[i] * scale + shift
            out[idx[i]] = softmax(np.hstack([z, music_feats[i] @ zero_w.T + zero_b]))
    return out


def gate_clip_probs(feats: list[np.ndarray], items: list[Item],
                    seed: int = CHOSEN["seed"]) -> list[np.ndarray]:  # type: ignore[assignment]
    """(clips,) out-of-fold P(music) per item, folds grouped by sound type."""
    music = np.array([item.genre is not None for item in items])
    folds = grouped_folds(music.astype(int), [sound_type(i) for i in items], 5, seed)
    out: list[np.ndarray] = [np.empty(0)] * len(items)
    for train, test in folds:
        gate = fit_gate(feats, music, train, seed, GATE_L2)
        for i, z in zip(test, clip_logits(gate, feats, test)):
            out[i] = softmax(z)[:, 1]
    return out


def decide(probs: np.ndarray, music: np.ndarray, uncertain: float, gate: float) -> int:
    """The app's decision from clip outputs: a label index, -1 uncertain, -2 not music."""
    p_music = float(music.mean())
    if p_music < gate:
        return -2
    joint = probs.mean(axis=0) * p_music
    best = int(joint.argmax())
    return best if joint[best] >= uncertain else -1


def paired_interval(diff: np.ndarray, n: int = 4000, seed: int = 0) -> tuple[float, float]:
    """95 % bootstrap interval of the mean of paired differences."""
    rng = np.random.default_rng(seed)
    means = rng.choice(diff, size=(n, len(diff))).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def report(rule: EarlyExit, probs: list[np.ndarray], music: list[np.ndarray], truth: np.ndarray,
           long: np.ndarray, thresholds: tuple[float, float]) -> None:
    """One line of figures for `rule` over every track."""
    full, early, settled = [], [], []
    for p, m in zip(probs, music):
        full.append(decide(p, m, *thresholds))
        stop = rule.settles(p[: rule.clips], m[: rule.clips])
        settled.append(stop)
        k = rule.clips if stop else len(p)
        early.append(decide(p[:k], m[:k], *thresholds))
    full_a, early_a, settled_a = np.array(full), np.array(early), np.array(settled)
    labelled = truth >= 0
    hit_full = (full_a == truth)[labelled].astype(float)
    hit_early = (early_a == truth)[labelled].astype(float)
    lo, hi = paired_interval(hit_early - hit_full)
    non_music = truth == -2
    named_full = int((full_a[non_music] >= 0).sum())
    named_early = int((early_a[non_music] >= 0).sum())
    print(f"  confidence {rule.confidence:.2f} music {rule.music:.2f}: settled "
          f"{settled_a.mean():.3f} (long {settled_a[long].mean():.3f}, long music "
          f"{settled_a[long & (truth != -2)].mean():.3f}); changed {int((full_a != early_a).sum())}"
          f"/{len(full_a)} (long {int((full_a != early_a)[long].sum())}/{int(long.sum())}); "
          f"accuracy {hit_full.mean():.4f} -> {hit_early.mean():.4f}, paired diff "
          f"{(hit_early - hit_full).mean():+.4f} [{lo:+.4f}, {hi:+.4f}] (n={int(labelled.sum())});"
          f" non-music named {named_full} -> {named_early} of {int(non_music.sum())}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path,
                        default=user_cache_path("GenreLens") / "train-default")
    parser.add_argument("--confidence", type=float, nargs="+",
                        default=[0.0, 0.5, 0.6, 0.7, 0.8, 0.9, EarlyExit().confidence])
    parser.add_argument("--music", type=float, nargs="+",
                        default=sorted({0.5, 0.9, EarlyExit().music}))
    args = parser.parse_args()
    torch.set_num_threads(1)
    items = pool_items(args.data / "genre-pool") + mini_items(args.data / "gtzan-mini")
    feats = features(FeatureCache(args.cache), items, CHOSEN["inputs"], CHOSEN["clips"])
    weight, bias, uncertain, gate = shipped_head()
    probs, music = genre_clip_probs(feats, items, weight, bias), gate_clip_probs(feats, items)
    # -2 non-music, a learned genre's index, -3 music whose genre the head does not learn
    truth = np.array([-2 if i.genre is None else LEARNED.index(i.genre) if i.genre in LEARNED
                      else -3 for i in items])
    long = np.array([sf.info(str(i.path)).duration >= LONG for i in items])
    print(f"{len(items)} tracks ({int((truth >= 0).sum())} labelled music, "
          f"{int((truth == -2).sum())} non-music), {int(long.sum())} long (>= {LONG:g} s); "
          f"gate threshold {gate}, uncertain below {uncertain}")
    for m in args.music:
        for c in sorted(set(args.confidence)):
            report(EarlyExit(confidence=c, music=m), probs, music, truth, long, (uncertain, gate))


if __name__ == "__main__":
    main()
