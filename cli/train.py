"""`train`: train a from-scratch network on labelled audio and write a model bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import AppContext
from cli.output import print_run


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
    from workflows.train import net_names

    if name not in (names := net_names()):
        raise argparse.ArgumentTypeError(f"{name!r} is none of: {', '.join(names)}")
    return name


def run_train(args: argparse.Namespace, app: AppContext) -> int:
    """Train one bundle (or one per fold) and print what was measured."""
    from workflows.train import train

    return print_run(train(
        args.net, args.data, split=args.split, valid_split=args.valid_split, folds=args.folds,
        by_artist=args.by_artist, epochs=args.epochs, seed=args.seed,
        multi_label=args.multi_label, device=args.device, progress=not args.no_progress,
        out=args.out))
