"""`genrelens playlist`: the tracks `list` shows, written as an M3U8 or XSPF playlist."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import AppContext
from cli.output import print_run, printable
from workflows.playlists import export_playlist, playlist_kind
from workflows.tracks import TrackFilter, normalise


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `playlist` subcommand."""
    parser = subparsers.add_parser(
        "playlist", help="write the tracks `list` shows as a playlist",
        description="Write the tracks that `list` with the same filters shows, in its order, "
        "to an M3U8 (.m3u8, .m3u) or XSPF (.xspf) playlist, chosen by the file's extension. "
        "An existing file is not replaced without --force.",
    )
    parser.add_argument("-o", "--output", required=True, metavar="FILE",
                        help="the playlist to write: FILE.m3u8, FILE.m3u or FILE.xspf")
    parser.add_argument("--genre", help="as `list --genre`")
    parser.add_argument("--artist", help="as `list --artist`")
    parser.add_argument("--search", metavar="TEXT", help="as `list TEXT`")
    parser.add_argument("--similar", metavar="PATH",
                        help="PATH and the tracks most like it (as `similar PATH`), most alike "
                        "first, instead of a listing; -n counts PATH too (default 11)")
    parser.add_argument("-n", "--limit", type=int, metavar="N", help="at most N tracks")
    parser.add_argument("--relative", action="store_true",
                        help="paths relative to the playlist's folder (default: absolute)")
    parser.add_argument("--force", action="store_true", help="replace an existing FILE")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, app: AppContext) -> int:
    """Write the playlist; exit 1 if FILE exists (no --force) or nothing matches."""
    if playlist_kind(args.output) is None:  # before opening the library: a usage error
        print(f"error: {printable(args.output)}: not a playlist name (end it in .m3u8, .m3u "
              "or .xspf)", file=sys.stderr)
        return 2
    if args.similar is not None and (args.genre or args.artist or args.search):
        print("error: --similar does not combine with --genre, --artist or --search",
              file=sys.stderr)
        return 2
    where = TrackFilter(genre=args.genre, artist=args.artist, text=args.search,
                        limit=args.limit)
    similar = normalise(args.similar) if args.similar is not None else None
    status: int = print_run(export_playlist(app.sessions, where, Path(args.output),
                                            relative=args.relative, force=args.force,
                                            similar=similar))
    return status
