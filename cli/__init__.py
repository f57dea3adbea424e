"""Command-line commands, one module per command group.

Each module in COMMAND_MODULES has `register(subparsers)`, which adds its subcommands and
sets `handler(args, app) -> int` on each as the parser default.
"""

from __future__ import annotations

# The module that registers each command, in the order `--help` lists them. A run parses with
# its command's module alone: the others import workflows and library modules it never uses
# (tests/test_cli_commands.py checks this map against what the modules register).
MODULE_OF_COMMAND: dict[str, str] = {
    "scan": "scan", "list": "tracks", "info": "tracks", "playlist": "playlists",
    "similar": "similar", "folders": "folders", "classify": "classify", "tag": "tagging",
    "history": "tagging", "undo": "tagging", "train": "train", "evaluate": "evaluate",
    "learn": "learn", "review": "review",
}
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(MODULE_OF_COMMAND.values()))
