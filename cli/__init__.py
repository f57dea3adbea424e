"""Command-line commands, one module per command group.

Each module in COMMAND_MODULES has `register(subparsers)`, which adds its subcommands and
sets `handler(args, app) -> int` on each as the parser default.
"""

from __future__ import annotations

COMMAND_MODULES: tuple[str, ...] = (
    "scan",
    "tracks",
    "playlists",
    "similar",
    "folders",
    "classify",
    "tagging",
    "train",
    "evaluate",
    "learn",
    "review",
)
