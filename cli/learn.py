"""`learn`: train a genre head on the library's tracks whose genres are known."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import AppContext


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `learn` subcommand."""
    parser = subparsers.add_parser(
        "learn", help="learn your genres from tagged or labelled tracks",
        description="Train a head on musicnn embeddings of the library's tracks whose genre is "
        "known (your labels, else file tags; spelling and case unified), print cross-validated "
        "per-genre accuracy and the confusion matrix, and save a bundle `classify` can use.",
    )
    parser.add_argument("--min-examples", type=int, default=5,
                        help="keep genres with at least this many tracks (default 5)")
    parser.add_argument("--name", default="my-genres", help="bundle name (default my-genres)")
    parser.add_argument("--out", type=Path, help="bundle folder (default: the user bundles dir)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--clips", type=int, default=5, help="clips per track (default 5)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.set_defaults(handler=run_learn)


def run_learn(args: argparse.Namespace, app: AppContext) -> int:
    """Learn, print the report; exit 1 with a readable message when it cannot."""
    from classifier.bundle import BundleError
    from classifier.predict import DeviceError, choose_device
    from workflows.learn import LearnError, format_learn_report, learn

    try:
        report = learn(app.sessions, min_examples=args.min_examples, name=args.name,
                       out=args.out, folds=args.folds, clips=args.clips,
                       device=choose_device(args.device))
    except (LearnError, BundleError, DeviceError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_learn_report(report))
    print(f"use it: classify --bundle {report.bundle if args.out else args.name}")
    return 0
