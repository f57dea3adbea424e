"""Reproduce resources/models/gtzan10: a head on musicnn embeddings of gtzan-mini (50 excerpts).

    /work/venv/bin/python tools/train_gtzan10.py --data ../shared/data/gtzan-mini
    /work/venv/bin/python tools/train_gtzan10.py --survey   # compare backbones and heads only

Measures 5-fold stratified accuracy (repeated over seeds) and writes the figures into the
bundle's description. Only the head weights are written; GTZAN audio is never copied.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.bundle import PreprocessingConfig
from classifier.bundle_weights import load_musicnn
from classifier.clip_outputs import clip_outputs
from classifier.training.datasets import LabelledTrack, labels_of, load_folder, stratified_kfold
from classifier.training.evaluate import EvalReport
from classifier.training.heads_train import (
    BACKBONE_WEIGHTS,
    HeadConfig,
    clip_rows,
    cross_validate,
    save_head_bundle,
    train_head,
)
from resources import MODELS_DIR

ROOT = Path(__file__).resolve().parents[1]
KEYS = ("clip_accuracy", "track_accuracy_max_prob", "track_accuracy_vote")


def embed(tracks: list[LabelledTrack], backbone: str, clips: int) -> list[np.ndarray]:
    """Per-clip embeddings (clips, 200) of every track; a failing file stops the run."""
    model, _ = load_musicnn(MODELS_DIR / BACKBONE_WEIGHTS[backbone])
    out = []
    for result in clip_outputs([t.path for t in tracks], model, PreprocessingConfig(), clips=clips):
        if result.error:
            raise SystemExit(f"{result.path}: {result.error}")
        out.append(result.embeddings)
    return out


def kfold(embeddings, tracks, labels, folds: int, seeds, config: HeadConfig) -> list[EvalReport]:
    """Stratified k-fold over tracks, repeated for each seed."""
    classes = [labels.index(t.genre) for t in tracks]
    reports = []
    for seed in seeds:
        splits = stratified_kfold(tracks, folds, seed=seed)
        reports += cross_validate(embeddings, classes, labels, splits,
                                  HeadConfig(**{**config.__dict__, "seed": seed}))
    return reports


def summary(reports: list[EvalReport]) -> dict[str, tuple[float, float]]:
    """Mean and std of each accuracy over the reports."""
    return {k: (float(np.mean([getattr(r, k) for r in reports])),
                float(np.std([getattr(r, k) for r in reports]))) for k in KEYS}


def show(name: str, figures: dict[str, tuple[float, float]], seconds: float) -> str:
    """One line: clip / max-prob / vote accuracy, mean ± std."""
    cells = "  ".join(f"{k.split('_')[-1] if 'track' in k else 'clip'} {m:.3f} ± {s:.3f}"
                      for k, (m, s) in figures.items())
    return f"{name:<16} {cells}  ({seconds:.1f} s)"


def main(argv: list[str] | None = None) -> int:
    """Survey heads or train and ship the gtzan10 bundle."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared/data/gtzan-mini")
    parser.add_argument("--out", type=Path, default=MODELS_DIR / "gtzan10")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--clips", type=int, default=10)
    parser.add_argument("--kind", default="linear", choices=["linear", "mlp"])
    parser.add_argument("--backbone", default="msd", choices=sorted(BACKBONE_WEIGHTS))
    parser.add_argument("--survey", action="store_true", help="compare options, write nothing")
    args = parser.parse_args(argv)
    tracks = load_folder(args.data)
    labels = labels_of(tracks)
    embedded = {b: embed(tracks, b, args.clips) for b in
                (BACKBONE_WEIGHTS if args.survey else [args.backbone])}
    if args.survey:
        embedded["msd+mtt"] = [np.hstack(p) for p in zip(embedded["msd"], embedded["mtt"])]
        for source, embeddings in embedded.items():
            for kind in ("linear", "mlp"):
                start = time.perf_counter()
                reports = kfold(embeddings, tracks, labels, args.folds, args.seeds, HeadConfig(kind))
                print(show(f"{source} {kind}", summary(reports), time.perf_counter() - start))
        return 0
    config = HeadConfig(args.kind)
    figures = summary(kfold(embedded[args.backbone], tracks, labels, args.folds, args.seeds, config))
    print(show(f"{args.backbone} {args.kind}", figures, 0.0))
    x, owners = clip_rows(embedded[args.backbone], range(len(tracks)))
    head = train_head(x, np.array([labels.index(tracks[i].genre) for i in owners]), len(labels), config)
    (clip_m, clip_s), (max_m, max_s), (vote_m, vote_s) = figures.values()
    description = (
        f"10 GTZAN genres; a {args.kind} head on musicnn-{args.backbone} embeddings trained on only "
        f"50 GTZAN excerpts (5 per genre): small data, expect errors outside GTZAN. "
        f"{args.folds}-fold x {len(args.seeds)} seeds: track accuracy {max_m:.2f} ± {max_s:.2f} "
        f"(max prob), {vote_m:.2f} ± {vote_s:.2f} (vote); clip {clip_m:.2f} ± {clip_s:.2f}."
    )
    save_head_bundle(args.out, name="gtzan10", description=description, labels=labels,
                     head=head, config=config, backbone=args.backbone)
    print(f"wrote {args.out}\n{description}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
