"""GenreLens composition root: parse arguments, then start the GUI or run one CLI command."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from cli import COMMAND_MODULES
from cli.context import AppContext, run_command
from library.db import DB_ENV_VAR, default_db_path


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="genrelens",
        description="Sort a music collection by genre. Without a command, opens the app.",
    )
    parser.add_argument(
        "--db",
        type=Path,
        default=None,
        help=f"library database file (default: ${DB_ENV_VAR} or {default_db_path()})",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"cli.{name}").register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of `python main.py` and the `genrelens` console script."""
    args = build_parser().parse_args(argv)
    app = AppContext(db_path=args.db or default_db_path())
    if args.command is None:
        from gui.app import run_gui  # Qt loads only when the GUI is wanted

        return run_gui(app.db_path, sys.argv[:1])
    try:
        return run_command(args.handler, args, app)  # database failures in words
    except KeyboardInterrupt:
        print("Interrupted; work committed so far is kept.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
