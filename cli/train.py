"""`train`: train a from-scratch network on labelled audio and write a model bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import AppContext


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `train` subcommand."""
    parser = subparsers.add_parser(
        "train", help="train a from-scratch genre network and write a bundle",
        description="Train one of the papers' networks from scratch. DATA is a folder in GTZAN "
        "layout (<genre>/<file>) or a CSV with path,genre[,artist] columns.",
    )
    parser.add_argument("--net", required=True, type=_net_name,
                        help="the network to train (a wrong name lists them)")
    parser.add_argument("--data", required=True, type=Path, help="folder or CSV of labelled audio")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--split", type=Path, help="train on the tracks this split file lists")
    which.add_argument("--folds", type=int, help="k-fold cross-validation by track instead")
    parser.add_argument("--by-artist", action="store_true",
                        help="with --folds: one fold per artist's tracks (CSV artist column)")
    parser.add_argument("--valid-split", type=Path,
                        help="validation tracks for early stopping (default: 20%% of training)")
    parser.add_argument("--epochs", type=int, help="default: the paper's epoch count")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--multi-label", action="store_true",
                        help="train tags (CSV 'tags' column, ';'-separated) with sigmoid outputs "
                        "and binary cross-entropy instead of one genre per track")
    parser.add_argument("--device", help="torch device (default: CUDA if available, else CPU)")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--out", required=True, type=Path, help="bundle directory to write")
    parser.set_defaults(handler=run_train)


def _net_name(name: str) -> str:
    """A registered network's name; checked when parsing so torch loads only for `train`."""
    from classifier.nets.registry import NETS

    if name not in NETS:
        raise argparse.ArgumentTypeError(f"{name!r} is none of: {', '.join(sorted(NETS))}")
    return name


def run_train(args: argparse.Namespace, app: AppContext) -> int:
    """Train one bundle (or one per fold) and print what was measured."""
    from classifier.training.datasets import DatasetError, load_dataset, select_by_split_file
    from classifier.training.experiment import prepare, recipe_config
    from classifier.nets.registry import get_net

    net = get_net(args.net)
    try:
        tracks = load_dataset(args.data)
        everything = list(range(len(tracks)))
        train_idx = select_by_split_file(tracks, args.split) if args.split else everything
        valid_idx = select_by_split_file(tracks, args.valid_split) if args.valid_split else None
    except (DatasetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not train_idx:
        print(f"error: no track of {args.data} is listed in {args.split}", file=sys.stderr)
        return 2
    needed = None if args.folds else [*train_idx, *(valid_idx or [])]
    data = prepare(tracks, net.input_spec, needed, progress=not args.no_progress)
    for _, message in sorted(data.errors.items()):
        print(f"skipped: {message}", file=sys.stderr)
    config = recipe_config(net, epochs=args.epochs, seed=args.seed, device=args.device,
                           progress=not args.no_progress)
    if args.folds and args.multi_label:
        print("error: --multi-label trains on a split, not --folds", file=sys.stderr)
        return 2
    if args.folds:
        return _cross_validate(net, data, args.folds, config, args.out, args.seed, args.by_artist)
    return _train_one(net, data, train_idx, valid_idx, config, args.out, args.seed,
                      args.multi_label)


def _train_one(net, data, train_idx, valid_idx, config, out: Path, seed: int,
               multi_label: bool = False) -> int:
    from dataclasses import replace

    from classifier.training.datasets import holdout
    from classifier.training.experiment import train_scratch
    from classifier.training.multilabel import train_tagger
    from classifier.scratch_bundle import save_scratch_bundle

    if valid_idx is None:
        train_idx, valid_idx = holdout(data.tracks, train_idx, 0.2, seed=seed)
    else:  # a track named in both lists is kept for training only: validation must stay unseen
        valid_idx = sorted(set(valid_idx) - set(train_idx))
    config = replace(config, checkpoint_dir=out / "checkpoints")
    try:
        trainer = train_tagger if multi_label else train_scratch
        bundle, result = trainer(net, data, train_idx, valid_idx, config)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    save_scratch_bundle(bundle, out)
    last = result.history[-1]
    print(f"{net.name}: {len(result.history)} epochs in {result.seconds:.0f} s, kept epoch "
          f"{result.best_epoch}; last train loss {last['train_loss']:.3f}"
          + (f", val accuracy {last['val_accuracy']:.3f}" if "val_accuracy" in last else ""))
    print(f"bundle written to {out}")
    return 0


def _cross_validate(net, data, folds: int, config, out: Path, seed: int, by_artist: bool) -> int:
    from dataclasses import replace

    from classifier.training.datasets import DatasetError, artist_kfold, holdout, stratified_kfold
    from classifier.training.evaluate import compare_table, format_report, save_report
    from classifier.training.experiment import evaluate_scratch, train_scratch
    from classifier.scratch_bundle import save_scratch_bundle

    try:
        make_folds = artist_kfold if by_artist else stratified_kfold
        splits = make_folds(data.tracks, folds, seed=seed)
    except DatasetError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    reports, seconds = [], []
    for k, (train_idx, test_idx) in enumerate(splits, start=1):
        fold_dir = out / f"fold-{k}"
        fit_idx, valid_idx = holdout(data.tracks, train_idx, 0.2, seed=seed + k)
        fold_config = replace(config, checkpoint_dir=fold_dir / "checkpoints")
        try:
            bundle, result = train_scratch(net, data, fit_idx, valid_idx, fold_config)
        except ValueError as exc:  # e.g. a fold whose training side holds only one genre
            print(f"error: fold {k}: {exc}", file=sys.stderr)
            return 1
        save_scratch_bundle(bundle, fold_dir)
        report = evaluate_scratch(bundle, data, test_idx)
        save_report(report, fold_dir / "evaluation", f"{net.name}, fold {k}")
        print(f"--- fold {k}/{folds}\n{format_report(report)}")
        reports.append(report)
        seconds.append(result.seconds)
    print()
    print(compare_table([(net.name, reports, sum(seconds) / len(seconds))]))
    return 0
