"""`genrelens similar PATH`: the tracks that sound most like one track ("More like this")."""

from __future__ import annotations

import argparse
import json
import sys

from cli.context import AppContext
from cli.output import display_path, plain, printable
from library.records import guessed_names
from workflows.events import Problem, SimilarFound, SimilarTrack
from workflows.similar import DEFAULT_COUNT, similar_tracks
from workflows.tracks import normalise

NOT_MUSIC = "Not music"


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `similar` subcommand."""
    parser = subparsers.add_parser(
        "similar", help="the tracks that sound most like one track",
        description="List the library's tracks nearest to PATH by the sound the classifier "
        "heard (its stored embeddings and genre probabilities), most alike first. The track "
        "itself and copies of its audio are left out. PATH must have been classified.",
    )
    parser.add_argument("path", metavar="PATH", help="a track in the library")
    parser.add_argument("-n", "--count", type=int, default=DEFAULT_COUNT, metavar="N",
                        help=f"how many tracks (default {DEFAULT_COUNT})")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.set_defaults(handler=run)


def genre_words(item: SimilarTrack) -> str:
    """The genres shown for a track: 'Jazz; Blues', 'Not music' or 'uncertain'."""
    if item.not_music:
        return NOT_MUSIC
    return "; ".join(item.genres) or "uncertain"


def _names(item: SimilarTrack, roots: dict[int, str]) -> str:
    root = roots.get(item.track.folder_id) if item.track.folder_id is not None else None
    title, artist, _ = guessed_names(item.track.path, root)
    artist = item.track.artist or (f"[{artist}]" if artist else "")
    name = item.track.title or f"[{title}]"
    return printable(f"{artist} – {name}" if artist else name)


def _as_json(item: SimilarTrack) -> dict[str, object]:
    return {"similarity": item.similarity, "genres": list(item.genres),
            "not_music": item.not_music, "track": plain(item.track)}


def print_found(found: SimilarFound, as_json: bool) -> None:
    """The neighbours as lines (similarity, genres, artist – title, path) or JSON."""
    if as_json:
        json.dump({"query": _as_json(found.query), "similar": [_as_json(t) for t in found.tracks]},
                  sys.stdout, ensure_ascii=False, indent=2)
        print()
        return
    roots = dict(found.roots)
    print(f"like {_names(found.query, roots)} ({genre_words(found.query)}): "
          f"{display_path(found.query.track.path)}")
    if not found.tracks:
        print("no other classified track yet")
    for item in found.tracks:
        print(f"{item.similarity:5.2f}  {genre_words(item):<16}  {_names(item, roots)}  "
              f"{display_path(item.track.path)}")


def run(args: argparse.Namespace, app: AppContext) -> int:
    """Print the nearest tracks; 1 if PATH is not in the library or not classified."""
    if args.count < 1:
        print("error: -n must be at least 1", file=sys.stderr)
        return 2
    run = similar_tracks(app.sessions, path=normalise(args.path), count=args.count)
    while True:
        try:
            event = next(run)
        except StopIteration as stop:
            status: int = stop.value
            return status
        if isinstance(event, Problem):
            print(event.text, file=sys.stderr)
        elif isinstance(event, SimilarFound):
            print_found(event, args.json)
