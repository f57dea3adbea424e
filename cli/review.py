"""`genrelens review --simulate TRUTH.csv`: measure the review queue on the current library."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import AppContext
from cli.output import print_run


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `review` subcommand."""
    parser = subparsers.add_parser(
        "review", help="measure the review queue: answer it from a TRUTH file",
        description="Ask up to N tracks in the review queue's order, answer each from TRUTH.csv "
        "(path,genre) as if the user had typed it, learn after each answer as the app does, "
        "and print how many tracks the library then shows right: the last line is `right "
        "after N answers: R/M` (M: the library's tracks named in TRUTH). Runs on a copy of "
        "the library (SQLite) and never writes tags.")
    parser.add_argument("--simulate", type=Path, required=True, metavar="TRUTH.csv",
                        help="two columns, path,genre (paths as `list` shows them)")
    parser.add_argument("--budget", type=int, required=True, metavar="N",
                        help="how many answers to give")
    parser.add_argument("--json", type=Path, metavar="OUT.json",
                        help="write tracks, budget, right_before, right_after and the curve")
    parser.add_argument("--order", choices=["queue", "uncertain", "random"], default="queue",
                        help="the queue's own order (default), most uncertain first, or random")
    parser.add_argument("--album-evidence", type=float, default=None, metavar="W",
                        help="weight of the album's and artist's tags as evidence (measured "
                        "default; 0 turns it off)")
    parser.add_argument("--tag-weight", type=float, default=None, metavar="W",
                        help="how much a file's genre tag teaches, next to an answer's 1")
    parser.add_argument("--in-place", action="store_true",
                        help="a server library: simulate on it (its user labels change)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: AppContext) -> int:
    """Simulate; exit 2 on a bad TRUTH file or budget, 1 when no track is in TRUTH."""
    from dataclasses import replace

    from workflows.review import LearnerConfig, QueueOrder
    from workflows.review_sim import read_truth, simulate

    if args.budget < 0:
        print("error: --budget must be 0 or more", file=sys.stderr)
        return 2
    try:
        truth = read_truth(args.simulate)
    except (OSError, UnicodeDecodeError) as exc:
        print(f"error: cannot read {args.simulate}: {exc}", file=sys.stderr)
        return 2
    config = LearnerConfig()
    if args.album_evidence is not None:
        config = replace(config, album_weight=args.album_evidence,
                         artist_weight=args.album_evidence / 2)
    if args.tag_weight is not None:
        config = replace(config, tag_weight=args.tag_weight)
    status: int = print_run(simulate(app.db_path, truth, args.budget, QueueOrder(args.order),
                                     config, args.in_place, args.json))
    return status
