"""`genrelens scan`: add folders and bring the library up to date with the disk."""

from __future__ import annotations

import argparse
import logging
import sys
from contextlib import closing

from tqdm import tqdm

from cli.context import AppContext
from cli.output import display_path
from library.records import ScanCounts
from workflows.events import ScanStep, Total
from workflows.scan import folders_to_scan, scan_steps

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `scan` subcommand."""
    parser = subparsers.add_parser(
        "scan",
        help="scan folders into the library",
        description="Watch the given folders and scan them; without PATH, rescan every "
        "watched folder. Unchanged files are not reopened; vanished files are marked "
        "missing (never deleted); moved files keep their record.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="folder to watch and scan")
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: AppContext) -> int:
    """Scan and print a summary; exit 1 if a PATH or a file could not be read."""
    folders, refused = folders_to_scan(app.sessions, args.paths)
    for reason in refused:
        print(f"error: {reason}", file=sys.stderr)
    if not folders:
        if not args.paths:
            print("No watched folders yet: give one, e.g. `genrelens scan ~/Music`.",
                  file=sys.stderr)
        return 1
    counts = ScanCounts()
    with tqdm(unit=" files", disable=True if args.quiet else None, file=sys.stderr) as bar, \
            closing(scan_steps(app.sessions, folders)) as events:
        for event in events:
            if isinstance(event, Total):
                bar.total = event.count
            elif isinstance(event, ScanStep):
                step = event.event
                bar.update(0 if step.is_folder else 1)
                if step.error:
                    bar.write(f"error: {display_path(step.path)}: {step.error}", file=sys.stderr)
                    log.debug("unreadable: %s: %s", display_path(step.path), step.error)
                counts = step.counts
    print(summary(counts))
    return 1 if refused or counts.errors else 0


def summary(counts: ScanCounts) -> str:
    """One line: how many files were new, changed, … ."""
    return (f"{counts.new} new, {counts.changed} changed, {counts.unchanged} unchanged, "
            f"{counts.moved} moved, {counts.missing} missing, {counts.errors} errors")
