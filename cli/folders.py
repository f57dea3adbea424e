"""`genrelens folders`: the folders the library watches."""

from __future__ import annotations

import argparse
import os
import sys

from cli.context import AppContext
from cli.output import display_path
from workflows import folders
from workflows.folders import ROOTS_ENV_VAR


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `folders` subcommand with list/add/remove actions."""
    parser = subparsers.add_parser(
        "folders", help="list, add or remove watched folders",
        description="Manage watched folders. Adding does not scan; run `genrelens scan`. "
        "Each folder belongs to a named root; a machine that mounts a root elsewhere maps it "
        f"with `folders add PATH --as NAME` or {ROOTS_ENV_VAR}=NAME=PATH (docs/scale.md).",
    )
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    lister = actions.add_parser(
        "list", help="list watched folders (the default)",
        description="List watched folders: root name, path on this machine (and where the "
        "root was recorded, when this machine maps it elsewhere), when last scanned.")
    lister.set_defaults(handler=list_folders)
    adder = actions.add_parser("add", help="watch folders", description="Watch folders.")
    adder.add_argument("paths", nargs="+", metavar="PATH", help="folder to watch")
    adder.add_argument("--as", dest="as_root", metavar="NAME",
                       help="PATH is the existing root NAME mounted here (a share another "
                       "machine added): remember it for this machine instead of a new root")
    adder.set_defaults(handler=add_folders)
    remover = actions.add_parser(
        "remove", help="stop watching folders",
        description="Stop watching folders. Their tracks stay in the library (with "
        "predictions) unless --forget-tracks is given; files on disk are never touched.",
    )
    remover.add_argument("paths", nargs="+", metavar="PATH", help="watched folder")
    remover.add_argument("--forget-tracks", action="store_true",
                         help="also remove the folder's tracks from the library")
    remover.set_defaults(handler=remove_folders)
    roots = actions.add_parser(
        "roots", help="list the library's roots and where they are on this machine",
        description="List every root: its name, its path on this machine and where it was "
        f"recorded (this machine maps roots with `folders add PATH --as NAME` or "
        f"{ROOTS_ENV_VAR}).")
    roots.set_defaults(handler=list_roots)
    parser.set_defaults(handler=list_folders)


def list_folders(args: argparse.Namespace, app: AppContext) -> int:
    """Print each watched folder with its last scan time."""
    rows = folders.watched(app.sessions)
    if not rows:
        print("No watched folders.")
    for row in rows:
        when = row.last_scanned_at.strftime("%Y-%m-%d %H:%M UTC") if row.last_scanned_at \
            else "never scanned"
        notes = [when]
        if row.mapped:
            notes.append(f"root recorded at {display_path(row.recorded)}")
        if not os.path.isdir(row.path):
            notes.append("not found on this machine")
        print(f"{row.root}  {display_path(row.path)}  ({'; '.join(notes)})")
    return 0


def list_roots(args: argparse.Namespace, app: AppContext) -> int:
    """Print each root: name, path here, where it was recorded."""
    rows = folders.roots(app.sessions)
    if not rows:
        print("No roots yet: `genrelens folders add PATH` makes one.")
    for root in rows:
        notes = [f"recorded at {display_path(root.recorded)}" if root.mapped else "as recorded"]
        if not os.path.isdir(root.local):
            notes.append("not found on this machine")
        print(f"{root.name}  {display_path(root.local)}  ({'; '.join(notes)})")
    return 0


def add_folders(args: argparse.Namespace, app: AppContext) -> int:
    """Watch each PATH; exit 1 if any is not a folder."""
    status = 0
    for path in args.paths:
        try:
            added = folders.watch(app.sessions, path, as_root=args.as_root)
            print(f"watching {display_path(added.path)} (root {added.root})")
        except folders.FolderError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
    return status


def remove_folders(args: argparse.Namespace, app: AppContext) -> int:
    """Stop watching each PATH; exit 1 if any was not watched."""
    status = 0
    for path in args.paths:
        forgotten = folders.unwatch(app.sessions, path, forget_tracks=args.forget_tracks)
        if forgotten is None:
            print(f"error: {display_path(path)} is not a watched folder", file=sys.stderr)
            status = 1
        else:
            extra = f", forgot {forgotten} tracks" if args.forget_tracks else ""
            print(f"stopped watching {display_path(folders.normalise(path))}{extra}")
    return status
