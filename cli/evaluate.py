"""`evaluate`: measure bundles on labelled audio; JSON + confusion-matrix PNG per bundle."""

from __future__ import annotations

import argparse
from pathlib import Path

from cli.context import AppContext
from cli.output import print_run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` subcommand."""
    parser = subparsers.add_parser(
        "evaluate", help="measure a model bundle on labelled audio",
        description="Clip accuracy, track accuracy (max probability and majority vote), "
        "per-genre precision/recall and the confusion matrix of a bundle on DATA; for a "
        "multi-label bundle, ROC-AUC and PR-AUC per tag (DATA's CSV 'tags' column).",
    )
    parser.add_argument("--bundle", required=True, type=Path,
                        help="a bundle name (broad, gtzan10, …) or folder, pretrained or scratch")
    parser.add_argument("--data", required=True, type=Path, help="folder or CSV of labelled audio")
    parser.add_argument("--split", type=Path, help="evaluate only the tracks this file lists")
    parser.add_argument("--compare", nargs="+", type=Path, default=[], metavar="BUNDLE",
                        help="more bundles to lay side by side in one table")
    parser.add_argument("--out", type=Path,
                        help="where to save results (default: BUNDLE/evaluation for scratch "
                        "bundles, ./evaluation/NAME for the others)")
    parser.add_argument("--clips", type=int, default=None,
                        help="clips per track for pretrained bundles (default: as classify)")
    parser.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace, app: AppContext) -> int:
    """Evaluate every bundle on the same tracks; print reports and the comparison table."""
    from workflows.evaluate import evaluate

    return print_run(evaluate(args.data, [args.bundle, *args.compare], split=args.split,
                              out=args.out, clips=args.clips))
