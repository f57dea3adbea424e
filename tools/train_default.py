"""Train the default `broad` bundle (2.x) and the music/non-music gate from ../shared/data.

    /work/venv/bin/python tools/train_default.py --survey        # compare candidates, write nothing
    /work/venv/bin/python tools/train_default.py                 # train and ship broad + music-gate
    /work/venv/bin/python tools/train_default.py --gate-only     # refit and write the gate only

Training material: genre-pool (577 music, 377 non-music clips) + gtzan-mini (50 excerpts);
with --gate-sounds the gate also gets the animal calls and sound effects that
tools/gate_sounds.py extracts from Debian packages (measured, not shipped: docs/models.md).
cc-music is only reported on (never trained or tuned on); the GTZAN holdout is never read.
Selection is by stratified 5-fold cross-validation grouped by GTZAN id / Emotify artist /
Jamendo song / speaker / ESC recording, repeated over seeds. Per-clip musicnn outputs are cached
in --cache (outside the repository). Seeded: a rerun prints and writes the same numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from platformdirs import user_cache_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.training.heads_train import HeadConfig
from tools.default_data import (
    LEARNED,
    FeatureCache,
    Item,
    features,
    mini_items,
    music_set,
    pool_items,
    test_items,
)
from tools.gate_sounds import DEFAULT_OUT as GATE_SOUNDS
from tools.gate_sounds import extra_items
from tools.default_fit import (
    bootstrap_interval,
    fold_scores,
    grouped_folds,
    oof_logits,
    track_probs,
)
from tools.default_ship import ship, ship_gate

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SEEDS = (0, 1, 2)
FOLDS = 5


def survey(cache: FeatureCache, items: list[Item],
           inputs: tuple[str, ...] = ("emb", "logits", "both", "both+mtt")) -> None:
    """Print grouped-CV accuracy of each candidate: inputs, backbones, head, clip count."""
    idx, classes, groups = music_set(items)
    print(f"music tracks {len(idx)} in {len(set(groups))} groups, {len(LEARNED)} learned genres; "
          f"grouped stratified {FOLDS}-fold x seeds {SEEDS}")
    print(f"{'candidate':<34}{'track acc (mean ± sd over folds×seeds)':>40}{'macro recall':>14}"
          f"{'95% CI (pooled OOF)':>22}{'s':>6}")
    for clips in (3, 5):
        for which in inputs:
            for kind, l2 in (("linear", 1e-3), ("linear", 0.1), ("mlp", 1e-3)):
                if clips == 5 and which not in ("both", "emb"):
                    continue
                start = time.perf_counter()
                feats = [f for i, f in enumerate(features(cache, items, which, clips)) if i in set(idx)]
                per_fold = []
                recalls, hits = [], []
                for seed in SEEDS:
                    folds = grouped_folds(classes, groups, FOLDS, seed)
                    oof = oof_logits(feats, classes, folds, len(LEARNED),
                                     HeadConfig(kind, l2=l2, seed=seed))
                    probs = track_probs(oof)
                    per_fold += [float((probs[te].argmax(1) == classes[te]).mean()) for _, te in folds]
                    recalls.append(fold_scores(probs, classes, folds)[2])
                    hits.append(probs.argmax(1) == classes)
                lo, hi = bootstrap_interval(np.concatenate(hits))
                print(f"{f'MSD {which} {kind} L2 {l2:g} {clips} clips':<34}"
                      f"{np.mean(per_fold):>30.3f} ± {np.std(per_fold):.3f}{' ':>4}"
                      f"{np.mean(recalls):>14.3f}{f'[{lo:.3f}, {hi:.3f}]':>22}"
                      f"{time.perf_counter() - start:>6.0f}", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Survey candidates, or train and ship the default bundle and the gate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=user_cache_path("GenreLens") / "train-default")
    parser.add_argument("--survey", action="store_true", help="compare candidates, write nothing")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--inputs", nargs="+", default=["emb", "logits", "both", "both+mtt"],
                        help="survey: head inputs to compare (MSD emb/logits/both, both+mtt)")
    parser.add_argument("--fold-out", type=Path, help="also write a bundle trained without fold "
                        "0 and heldout.csv (fold 0) here, for `evaluate` on held-out data")
    parser.add_argument("--gate-sounds", type=Path, nargs="?", const=GATE_SOUNDS,
                        help="also train the gate on the extra non-music tools/gate_sounds.py "
                        f"extracted (default folder {GATE_SOUNDS}); the shipped gate 1.0 had none")
    parser.add_argument("--gate-only", action="store_true",
                        help="refit and write only the music gate (broad stays as it is)")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    items = pool_items(args.data / "genre-pool") + mini_items(args.data / "gtzan-mini")
    cache = FeatureCache(args.cache)
    if args.survey:
        survey(cache, items, tuple(args.inputs))
        return 0
    extra = [] if args.gate_sounds is None else extra_items(args.gate_sounds)
    models = ROOT / "resources" / "models"
    if args.gate_only:
        ship_gate(cache, items, extra, models)
    else:
        ship(cache, items, test_items(args.data / "cc-music"), models, extra, args.fold_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
