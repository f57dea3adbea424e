"""`genrelens tag`, `history` and `undo`: write genres into files, safely and undoably."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from tqdm import tqdm

from cli.context import AppContext
from cli.output import display_path, printable
from library.db_errors import EXIT_BUSY
from library.records import BatchResult, FileState, PlanAction, PlanRow
from library.records import display_path as json_path
from workflows.tags import (
    DEFAULT_MIN_CONFIDENCE,
    DEFAULT_POLICY,
    POLICIES,
    TagOptions,
    UndoError,
    WriteLocked,
    apply_plan,
    batches,
    hint,
    plan_rows,
    selection,
    undo_batch,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `tag`, `history` and `undo` subcommands."""
    tag = subparsers.add_parser(
        "tag", help="write genres into files (dry run unless --apply)",
        description="Plan genre tags from user labels or stored predictions and print the "
        "diff; with --apply, write them atomically as one undoable batch.")
    tag.add_argument("paths", nargs="*", metavar="PATH", help="files or folders (default: all)")
    tag.add_argument("--genre", help="only tracks predicted (or labelled) with this genre")
    tag.add_argument("--policy", choices=POLICIES, default=DEFAULT_POLICY,
                     help="fill-empty: only files without genres (default); replace: overwrite "
                     "the genres files have; merge: add to them")
    tag.add_argument("--max-genres", type=int, metavar="N", help="write at most N genres")
    tag.add_argument("--min-confidence", type=float, metavar="P",
                     default=DEFAULT_MIN_CONFIDENCE,
                     help="write every predicted genre at least this probable (default "
                     f"{DEFAULT_MIN_CONFIDENCE:g}; 0: the top genre unless uncertain)")
    tag.add_argument("--map", type=Path, metavar="FILE",
                     help='genre renames: a JSON object or "From=To" lines')
    tag.add_argument("--allow", nargs="+", metavar="G", help="write only these genres")
    tag.add_argument("--album-consistent", action="store_true",
                     help="one genre set per album, from its tracks' mean probabilities")
    tag.add_argument("--bundle", default="broad", help="whose predictions (default: broad)")
    tag.add_argument("--id3v23", action="store_true", help="create new ID3 tags as v2.3")
    tag.add_argument("--separator", default="; ", help='joins genres in ID3v2.3 (default "; ")')
    mode = tag.add_mutually_exclusive_group()
    mode.add_argument("--dry-run", action="store_true", help="only print the diff (default)")
    mode.add_argument("--apply", action="store_true", help="write the files")
    tag.add_argument("--keep-mtime", action="store_true",
                     help="keep written files' modification times (backup tools and media "
                     "servers that compare times then miss the new genres)")
    tag.add_argument("--touch", action="store_true", help=argparse.SUPPRESS)  # the old default
    tag.add_argument("--report", type=Path, metavar="FILE.json", help="save the plan/outcome")
    tag.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    tag.set_defaults(handler=tag_command)

    history = subparsers.add_parser("history", help="list tag-writing batches")
    history.add_argument("--json", action="store_true", help="print JSON")
    history.set_defaults(handler=history_command)

    undo = subparsers.add_parser("undo", help="restore the genres a batch replaced")
    undo.add_argument("batch", nargs="?", type=int, metavar="BATCH",
                      help="batch id (default: the latest not undone)")
    undo.add_argument("--keep-mtime", action="store_true",
                      help="give restored files their old modification times back (default "
                      "for a batch written with --keep-mtime; otherwise they get a new one)")
    undo.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    undo.set_defaults(handler=undo_command)


def read_mapping(path: Path) -> dict[str, str]:
    """A genre mapping from a JSON object or "From=To" lines ('#' starts a comment)."""
    text = path.read_text(encoding="utf-8")
    if text.lstrip().startswith("{"):
        data = json.loads(text)
        return {str(k): str(v) for k, v in data.items()}
    mapping = {}
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise ValueError(f"{path}:{number}: expected From=To, got {line!r}")
        source, target = line.split("=", 1)
        mapping[source.strip()] = target.strip()
    return mapping


def _options(args: argparse.Namespace) -> TagOptions:
    return TagOptions(
        policy=args.policy, max_genres=args.max_genres, min_confidence=args.min_confidence,
        mapping=read_mapping(args.map) if args.map else {},
        allowed=tuple(args.allow) if args.allow else None,
        album_consistent=args.album_consistent, bundle=args.bundle, id3v23=args.id3v23,
        separator=args.separator, keep_mtime=args.keep_mtime)


def _genres(genres: Sequence[str] | None) -> str:
    return printable("; ".join(genres)) if genres else "—"


def print_plan(rows: Sequence[PlanRow]) -> None:
    """The diff: one line per file to write, then a summary of what is left alone and why."""
    writes = [r for r in rows if r.action == PlanAction.WRITE]
    width = max([len(_genres(r.old_genres)) for r in writes] + [3])
    for row in writes:
        print(f"{_genres(row.old_genres):<{width}}  →  {_genres(row.new_genres)}   "
              f"{display_path(row.path)}  ({printable(row.reason)})")
    skipped = Counter(r.reason for r in rows if r.action != PlanAction.WRITE)
    print(f"{len(writes)} to write, {sum(skipped.values())} left alone")
    for reason, count in skipped.most_common():
        print(f"  {count} × {printable(reason)}")


def report_problem(path: Path) -> str | None:
    """Why the report cannot be saved at `path`, checked before anything is written."""
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        return f"--report {path}: is a folder; give a file name"
    if not folder.is_dir():
        return f"--report {path}: the folder {folder} does not exist"
    if path.exists() and not os.access(path, os.W_OK):
        return f"--report {path}: the file is not writable"
    if not path.exists() and not os.access(folder, os.W_OK | os.X_OK):
        return f"--report {path}: the folder {folder} is not writable"
    return None


def _report(path: Path, items: Sequence[object]) -> None:
    rows = []
    for item in items:
        values: dict[str, Any] = asdict(item)  # type: ignore[call-overload]
        values["path"] = json_path(values["path"])  # JSON escapes controls itself
        rows.append(values)
    path.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _print_outcomes(result: BatchResult, verb: str) -> None:
    for outcome in result.outcomes:
        if outcome.state not in (FileState.APPLIED, FileState.UNDONE):
            reason = printable(outcome.reason or "")
            print(f"{outcome.state}: {display_path(outcome.path)}: {reason}", file=sys.stderr)
    counts = Counter(o.state for o in result.outcomes)
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items())) or "nothing done"
    cancelled = " (cancelled)" if result.cancelled else ""
    print(f"batch {result.batch_id} {verb}: {summary}{cancelled}")


def tag_command(args: argparse.Namespace, app: AppContext) -> int:
    """Print the plan; with --apply, write it; exit 1 if a file had an error."""
    try:
        options = _options(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.report and (problem := report_problem(args.report)):
        print(f"error: {problem}; nothing written", file=sys.stderr)
        return 2
    rows = plan_rows(app.sessions, options, selection(args.paths, args.genre))
    print_plan(rows)
    if not args.apply:
        if args.report:
            _report(args.report, rows)
        return 0
    todo = sum(1 for r in rows if r.action == PlanAction.WRITE)
    if not todo:
        print("Nothing to write.")
        return 0
    try:
        with tqdm(total=todo, unit=" files", disable=True if args.quiet else None,
                  file=sys.stderr) as bar:
            result = apply_plan(app.sessions, rows, options,
                                progress=lambda done, total: bar.update(done - bar.n))
    except WriteLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    _print_outcomes(result, "written")
    if result.count(FileState.APPLIED):
        print(f"undo with: genrelens undo {result.batch_id}")
    if args.report:
        _report(args.report, result.outcomes)
    return 1 if result.count(FileState.ERROR) else 0


def history_command(args: argparse.Namespace, app: AppContext) -> int:
    """List batches, newest first."""
    listed = batches(app.sessions)
    if args.json:
        print(json.dumps([asdict(b) for b in listed], ensure_ascii=False, indent=2,
                         default=str))
        return 0
    if not listed:
        print("No tag batches yet.")
    for batch in listed:
        counts = ", ".join(f"{n} {s}" for s, n in sorted(batch.counts.items())) or "no files"
        when = batch.created_at.astimezone().strftime("%Y-%m-%d %H:%M")
        print(f"{batch.id:>4}  {when}  {batch.state:<7}  {counts}  "
              f"(policy {batch.options.get('policy')}, bundle {batch.options.get('bundle')})")
        if (words := hint(batch)) is not None:
            print(f"      {words}")
    return 0


def undo_command(args: argparse.Namespace, app: AppContext) -> int:
    """Undo a batch; exit 1 if a file was refused."""
    try:
        with tqdm(unit=" files", disable=True if args.quiet else None, file=sys.stderr) as bar:
            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            result = undo_batch(app.sessions, args.batch, progress, keep_mtime=args.keep_mtime)
    except UndoError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except WriteLocked as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BUSY
    _print_outcomes(result, "undone")
    return 1 if result.count(FileState.UNDO_REFUSED) else 0
