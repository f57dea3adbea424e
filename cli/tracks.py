"""`genrelens list` and `genrelens info`: what the library knows about tracks."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from cli.context import AppContext
from cli.output import plain, write_csv, write_json, write_table
from library import repository
from library.folders import normalise
from library.records import TrackRecord, display_path
from library.tags import TagError, read_file

STATUSES = ("ok", "missing", "error")


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `list` and `info` subcommands."""
    lister = subparsers.add_parser(
        "list", help="list tracks in the library",
        description="List tracks, filtered by tag genre, artist, status and free text "
        "(matched against title, artist, album and path).",
    )
    lister.add_argument("text", nargs="?", help="text to look for in title/artist/album/path")
    lister.add_argument("--genre", help="a genre in the file's tags (case-insensitive)")
    lister.add_argument("--artist", help="part of the artist name")
    lister.add_argument("--status", choices=STATUSES, help="only tracks with this status")
    lister.add_argument("--limit", type=int, help="at most this many tracks")
    form = lister.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print JSON instead of a table")
    form.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    lister.set_defaults(handler=list_command)

    info = subparsers.add_parser(
        "info", help="everything known about one file",
        description="Show the library's record of a file (tags, stream, status, "
        "predictions); a file not in the library is read directly.",
    )
    info.add_argument("path", metavar="PATH", help="the audio file")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(handler=info_command)


def list_command(args: argparse.Namespace, app: AppContext) -> int:
    """Print matching tracks as a table, JSON or CSV."""
    where = repository.TrackFilter(genre=args.genre, artist=args.artist, status=args.status,
                                   text=args.text, limit=args.limit)
    with app.sessions() as session:
        tracks = repository.list_tracks(session, where)
    writer = write_json if args.json else write_csv if args.csv else write_table
    writer(tracks, sys.stdout)
    return 0


def info_command(args: argparse.Namespace, app: AppContext) -> int:
    """Print the record of one track, or what its tags say if it is not in the library."""
    path = normalise(args.path)
    with app.sessions() as session:
        track = repository.get_track_by_path(session, path)
        predictions = repository.predictions_for(session, track.id) if track else []
    if track is not None:
        _print_track(track, [asdict(p) for p in predictions], args.json)
        return 0
    try:
        info = read_file(path)
    except TagError as exc:
        print(f"error: {display_path(path)}: {exc}", file=sys.stderr)
        return 1
    values = {"path": display_path(path), "in_library": False, **asdict(info)}
    _print_values(values, args.json)
    return 0


def _print_track(track: TrackRecord, predictions: list[dict], as_json: bool) -> None:
    values = {**plain(track), "in_library": True, "predictions": predictions}
    _print_values(values, as_json)


def _print_values(values: dict, as_json: bool) -> None:
    if as_json:
        print(json.dumps(values, ensure_ascii=False, indent=2, default=str))
        return
    width = max(len(key) for key in values)
    for key, value in values.items():
        if isinstance(value, (list, tuple)) and key != "predictions":
            value = "; ".join(map(str, value))
        if key == "predictions":
            value = "; ".join(f"{p['bundle']}: {', '.join(p['top_genres']) or 'uncertain'} "
                              f"({p['confidence']:.2f})" for p in value) or "none yet"
        print(f"{key.replace('_', ' '):<{width}}  {'' if value is None else value}")
