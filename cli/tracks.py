"""`genrelens list` and `genrelens info`: what the library knows about tracks."""

from __future__ import annotations

import argparse
import json
import os
import stat
import sys
from dataclasses import asdict

from cli.context import AppContext
from cli.output import (
    display_path,
    plain,
    printable,
    write_csv,
    write_json,
    write_table,
)
from library.records import TrackRecord, TrackStatus
from library.records import display_path as json_path
from workflows.tracks import (
    UNREADABLE,
    TagError,
    TrackFilter,
    listing,
    normalise,
    read_file,
    track_info,
)

STATUSES = ("ok", "missing", "error")


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `list` and `info` subcommands."""
    lister = subparsers.add_parser(
        "list", help="list tracks in the library",
        description="List tracks with their predicted genres, filtered by genre (in the tags, "
        "predicted or set by you), artist, status and free text (matched against title, "
        "artist, album and path).",
    )
    lister.add_argument("text", nargs="?", help="text to look for in title/artist/album/path")
    lister.add_argument("--genre", help="a genre in the file's tags, its predicted genres or "
                        "your label (case-insensitive)")
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
    where = TrackFilter(genre=args.genre, artist=args.artist, status=args.status,
                        text=args.text, limit=args.limit)
    found = listing(app.sessions, where)
    if args.json or args.csv:  # the tags' own values: an empty title stays empty for scripts
        (write_json if args.json else write_csv)(found.tracks, sys.stdout, found.predictions)
    else:
        write_table(found.tracks, sys.stdout, found.predictions, found.roots)
    return 0


def info_command(args: argparse.Namespace, app: AppContext) -> int:
    """Print the record of one track, or what its tags say if it is not in the library."""
    path = normalise(args.path)
    odd = not_a_regular_file(path)
    if odd:  # before any open(): reading a named pipe would wait for a writer for ever
        print(f"error: {display_path(path)}: not a regular file ({odd}); info reads audio "
              "files", file=sys.stderr)
        return 1
    known = track_info(app.sessions, path)
    if (track := known.track) is not None:
        values = {**plain(track), "in_library": True, "user_genres": list(known.label),
                  "predictions": [asdict(p) for p in known.predictions]}
        _print_values(values, args.json, why_no_prediction(track))
        return 0
    try:
        info = read_file(path)
    except TagError as exc:
        print(f"error: {display_path(path)}: {exc} (not in the library: not scanned yet)",
              file=sys.stderr)
        return 1
    values = {"path": path, "in_library": False, **asdict(info)}
    _print_values(values, args.json, NOT_SCANNED)
    return 0


NOT_SCANNED = "none: not in the library yet (scan its folder, then classify)"
_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
               (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"))


def not_a_regular_file(path: str) -> str | None:
    """What `path` is when it exists but is no regular file ("a named pipe"), else None."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return None  # missing or unreadable: reading it says so in its own words
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _FILE_KINDS if test(mode)), "an unknown kind of file")


def why_no_prediction(track: TrackRecord) -> str:
    """Why a library track has no prediction (shown when it has none)."""
    if track.status == TrackStatus.ERROR:
        step = "classify could not decode" if (track.error or "").startswith(UNREADABLE) \
            else "the scan could not read"
        return f"none: {step} the file ({track.error})"
    if track.status == TrackStatus.MISSING:
        return "none: the file was missing at the last scan"
    try:
        with open(track.path, "rb"):
            pass
    except OSError as exc:
        return (f"none yet: the file cannot be read now ({exc.strerror}); classify will "
                "fail on it until it can")
    return "none yet (run `genrelens classify`)"


def _print_values(values: dict, as_json: bool, no_prediction: str) -> None:
    values["path"] = json_path(values["path"])
    if as_json:
        print(json.dumps(values, ensure_ascii=False, indent=2, default=str))
        return
    predictions = values.pop("predictions", None)
    if "user_genres" in values:
        values["user_genres"] = values["user_genres"] or "none (the prediction counts)"
    width = max(len(key) for key in values)
    for key, value in values.items():
        if isinstance(value, (list, tuple)):
            value = "; ".join(map(str, value))
        print(f"{key.replace('_', ' '):<{width}}  {'' if value is None else printable(str(value))}")
    _print_predictions(predictions or [], no_prediction)


def _print_predictions(predictions: list[dict], no_prediction: str) -> None:
    """Per bundle: top genres, confidence, every genre's probability and each clip's winner."""
    if not predictions:
        print(f"prediction    {printable(no_prediction)}")
    for p in predictions:
        top = "Not music" if p.get("not_music") else ", ".join(p["top_genres"]) or "uncertain"
        print(f"prediction    {p['bundle']} {p['bundle_version']}: {printable(top)} "
              f"(confidence {p['confidence']:.2f})")
        ranked = sorted(p["probabilities"].items(), key=lambda kv: -kv[1])
        for genre, probability in ranked:
            print(f"  {printable(genre):<18} {probability:6.3f}  {'█' * round(probability * 30)}")
        labels = list(p["probabilities"])  # clip columns follow the probability keys
        for start, clip in zip(p["clip_starts"], p["clip_probabilities"]):
            best = max(range(len(clip)), key=clip.__getitem__)
            print(f"  clip at {start:6.1f} s: {labels[best]} ({clip[best]:.2f})")
