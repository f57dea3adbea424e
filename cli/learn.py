"""`learn`: the review learner in one go, tested on music it was not taught, then stored."""

from __future__ import annotations

import argparse
import sys

from cli.context import AppContext


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `learn` subcommand."""
    parser = subparsers.add_parser(
        "learn", help="learn your genres from tagged or labelled tracks",
        description="Learn from every track whose genre is known (your labels, else the files' "
        "genre tags; spelling and case unified), as the Review queue does after each answer: "
        "genres spread to similar tracks and to their albums and artists, anchored on the "
        "default model. First it is tested: folds hide whole albums (else artists, else "
        "folders) and it must find their genres from the rest. The accuracy, with its 95 %% "
        "interval, is printed next to chance and to the default model alone. Learned genres "
        "whose interval reaches chance are not stored (exit 1) unless --force. Stored ones "
        "show as 'learned' (your labels still come first); the default model's own "
        "predictions are never changed.")
    parser.add_argument("--folds", type=int, default=5,
                        help="cross-validation folds, at most (default 5)")
    parser.add_argument("--force", action="store_true",
                        help="store even genres not shown to beat guessing (they may be "
                        "confidently wrong)")
    parser.set_defaults(handler=run_learn)


def run_learn(args: argparse.Namespace, app: AppContext) -> int:
    """Test, print the report, store; exit 1 with a readable message when it cannot."""
    from workflows.events import Learned, Relearned
    from workflows.learn import LearnError, learn_events

    if args.folds < 2:
        print("error: --folds must be 2 or more", file=sys.stderr)
        return 2
    status = 0
    try:
        for event in learn_events(app.sessions, folds=args.folds, force=args.force):
            if isinstance(event, Learned):
                print(event.report)
                if not event.stored:
                    print(f"error: {event.refusal} To store it anyway: --force.",
                          file=sys.stderr)
                    status = 1
            elif isinstance(event, Relearned):
                print(f"\nstored: the learned genres of {event.changed} track"
                      f"{'s' if event.changed != 1 else ''} changed (learned from "
                      f"{event.answers} labels and {event.tags} tags); they show as "
                      "'learned', your own labels first")
    except LearnError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return status
