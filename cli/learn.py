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
        "known (your labels, else file tags; spelling and case unified). Cross-validation keeps "
        "each album (else artist, else folder) on one side, so the accuracy printed, with its "
        "95 %% interval next to chance, is on music the model had not heard. A model whose "
        "interval reaches chance is not saved (exit 1) unless --force; a saved bundle's "
        "confidence is calibrated on the held-out folds.",
    )
    parser.add_argument("--min-examples", type=int, default=5,
                        help="minimum tracks per genre: genres with fewer are left out "
                        "(default 5)")
    parser.add_argument("--name", default="my-genres", help="bundle name (default my-genres)")
    parser.add_argument("--out", type=Path, help="bundle folder (default: the user bundles dir)")
    parser.add_argument("--folds", type=int, default=5,
                        help="cross-validation folds, at most (default 5)")
    parser.add_argument("--clips", type=int, default=5, help="clips per track (default 5)")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda or mps")
    parser.add_argument("--force", action="store_true",
                        help="save even a model not shown to beat guessing (it may be "
                        "confidently wrong)")
    parser.set_defaults(handler=run_learn)


def run_learn(args: argparse.Namespace, app: AppContext) -> int:
    """Learn, print the report; exit 1 with a readable message when it cannot."""
    from workflows.learn import LearnError, format_learn_report, learn

    try:
        report = learn(app.sessions, min_examples=args.min_examples, name=args.name,
                       out=args.out, folds=args.folds, clips=args.clips, device=args.device,
                       force=args.force)
    except LearnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(format_learn_report(report))
    if report.bundle is None:
        print(f"error: {report.refusal()} To save it anyway: --force.", file=sys.stderr)
        return 1
    print(f"use it: classify --bundle {report.bundle if args.out else args.name}")
    return 0
