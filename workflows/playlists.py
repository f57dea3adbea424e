"""Playlists of the tracks `list` shows: M3U8 or XSPF, chosen by the file's extension.

The rows are `workflows.tracks.listing`'s, in its order (the same filter `list` uses), or
with `similar` a track and the tracks most like it (workflows/similar.py), most alike first. A
track without a title or artist tag gets the names `list` shows for it in brackets
(`library.records.guessed_names`: the file's name, its folder's parent), without brackets.
The file is written to a temporary file beside it and renamed into place; an existing file
is the user's and is replaced only when asked (`force`).
"""

from __future__ import annotations

import os
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy.orm import Session, sessionmaker

from library.records import BrowseRow, TrackRecord, display_path, guessed_names
from workflows.events import Event, Notice, Problem, SimilarFound
from workflows.similar import DEFAULT_COUNT, similar_tracks
from workflows.tracks import TrackFilter, listing

KINDS = {".m3u8": "m3u8", ".m3u": "m3u8", ".xspf": "xspf"}
XSPF_NS = "http://xspf.org/ns/0/"
_LINE_BREAKS = ("\n", "\r")


@dataclass(frozen=True)
class Entry:
    """One playlist track: its path, the names shown for it, its length (None: unknown)."""

    path: str
    title: str
    artist: str
    seconds: float | None


def playlist_kind(path: str | os.PathLike[str]) -> str | None:
    """"m3u8" or "xspf" for a playlist file name by its extension, None for any other."""
    return KINDS.get(Path(path).suffix.lower())


def entry_of(track: TrackRecord | BrowseRow, root: str | None) -> Entry:
    """The playlist entry of a track: tag names, else the names `list` guesses from the path."""
    title, artist, _ = guessed_names(track.path, root)
    return Entry(track.path, track.title or title, track.artist or artist, track.duration)


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


def _where(path: str, folder: str, relative: bool) -> str:
    return os.path.relpath(path, folder) if relative else path


def m3u8_text(entries: Sequence[Entry], folder: str, relative: bool = False) -> str:
    """`#EXTM3U`, then `#EXTINF:<whole seconds>,<artist> - <title>` and the path per track
    (-1 seconds when unknown; no "artist - " without an artist)."""
    lines = ["#EXTM3U"]
    for e in entries:
        seconds = -1 if e.seconds is None else round(e.seconds)
        name = f"{e.artist} - {e.title}" if e.artist else e.title
        lines += [f"#EXTINF:{seconds},{_one_line(name)}", _where(e.path, folder, relative)]
    return "\n".join(lines) + "\n"


def _uri(path: str, folder: str, relative: bool) -> str:
    """A percent-encoded file:// URI (or, relative, a URI reference from the playlist's
    folder); the path's own bytes, whatever their encoding."""
    encoded = quote(os.fsencode(_where(path, folder, relative)), safe="/")
    return encoded if relative else f"file://{encoded}"


def xspf_text(entries: Sequence[Entry], folder: str, relative: bool = False) -> str:
    """An XSPF 1 playlist: per track its location, title, creator and duration in ms."""
    ET.register_namespace("", XSPF_NS)
    root = ET.Element(f"{{{XSPF_NS}}}playlist", version="1")
    tracks = ET.SubElement(root, f"{{{XSPF_NS}}}trackList")
    for e in entries:
        track = ET.SubElement(tracks, f"{{{XSPF_NS}}}track")
        ET.SubElement(track, f"{{{XSPF_NS}}}location").text = _uri(e.path, folder, relative)
        for tag, value in (("title", e.title), ("creator", e.artist)):
            if value:
                ET.SubElement(track, f"{{{XSPF_NS}}}{tag}").text = display_path(value)
        if e.seconds is not None:
            ET.SubElement(track, f"{{{XSPF_NS}}}duration").text = str(round(e.seconds * 1000))
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _write_new(out: Path, text: str, force: bool) -> None:
    """Write `text` (UTF-8; a path's non-UTF-8 bytes kept as they are) to a temporary file
    beside `out`, then rename it into place; FileExistsError if `out` exists and not force."""
    if not force and os.path.lexists(out):
        raise FileExistsError(out)
    fd, temp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", errors="surrogateescape", newline="\n") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)  # as a plain open() would create it, not mkstemp's 0600
        os.replace(temp, out)
    except BaseException:
        os.unlink(temp)
        raise


def _bad_place(out: Path) -> Problem | None:
    """What is wrong with writing a playlist at `out` (its kind, its folder), if anything."""
    if playlist_kind(out) is None:
        return Problem(f"error: {display_path(str(out))}: not a playlist name (end it in "
                       ".m3u8, .m3u or .xspf)")
    folder = Path(os.path.abspath(out)).parent
    return None if folder.is_dir() else Problem(
        f"error: {display_path(str(folder))}: no such folder")


def _chosen(sessions: sessionmaker[Session], where: TrackFilter, similar: str | None
            ) -> tuple[Sequence[TrackRecord], Mapping[int, str], str | None]:
    """The tracks to write and the watched folders by id (for guessed names), or why there
    are none: the listing `where` selects, or the query `similar` and its neighbours."""
    if similar is None:
        found = listing(sessions, where)
        return found.tracks, found.roots, None
    limit = where.limit if where.limit is not None else DEFAULT_COUNT + 1
    near: SimilarFound | None = None
    for event in similar_tracks(sessions, path=similar, count=max(limit - 1, 1)):
        if isinstance(event, Problem):
            return [], {}, event.text
        near = event if isinstance(event, SimilarFound) else near
    assert near is not None  # similar_tracks yields one or the other
    tracks = [near.query.track, *(t.track for t in near.tracks)][:limit]
    return tracks, dict(near.roots), None


def export_playlist(sessions: sessionmaker[Session], where: TrackFilter, out: Path,
                    relative: bool = False, force: bool = False, similar: str | None = None
                    ) -> Generator[Event, None, int]:
    """Write the tracks `where` selects (or, `similar` given, that track and those most like
    it) to `out` (kind by extension); yield what happened, return the exit status: 0
    written, 1 nothing to write or `out` exists, 2 bad place/kind."""
    if (problem := _bad_place(out)) is not None:
        yield problem
        return 2
    tracks, roots, why_none = _chosen(sessions, where, similar)
    if why_none is not None:
        yield Problem(why_none)
        return 1
    out = Path(os.path.abspath(out))
    return (yield from _write_entries(tracks, roots, out, relative, force))


def export_rows(rows: Sequence[TrackRecord | BrowseRow], roots: Mapping[int, str], out: Path,
                relative: bool = False, force: bool = False) -> Generator[Event, None, int]:
    """Write the given tracks (the app's view or selection, in its order) to `out`, as
    export_playlist writes a listing's; `roots` are the watched folders by id."""
    if (problem := _bad_place(out)) is not None:
        yield problem
        return 2
    out = Path(os.path.abspath(out))
    return (yield from _write_entries(rows, roots, out, relative, force))


def _write_entries(tracks: Sequence[TrackRecord | BrowseRow], roots: Mapping[int, str],
                   out: Path, relative: bool, force: bool) -> Generator[Event, None, int]:
    kind = playlist_kind(out)
    entries, status = [], 0
    for track in tracks:
        if kind == "m3u8" and any(c in track.path for c in _LINE_BREAKS):
            yield Problem(f"error: {display_path(track.path)!r}: a line break in its name "
                          "cannot be written in an M3U8 playlist (left out; XSPF can hold it)")
            status = 1
            continue
        root = roots.get(track.folder_id) if track.folder_id is not None else None
        entries.append(entry_of(track, root))
    if not entries:
        yield Problem("error: no track to write (no track matches); nothing written")
        return 1
    text = (m3u8_text if kind == "m3u8" else xspf_text)(entries, str(out.parent), relative)
    try:
        _write_new(out, text, force)
    except FileExistsError:
        yield Problem(f"error: {display_path(str(out))}: already exists; not overwritten "
                      "(--force replaces it)")
        return 1
    except OSError as exc:
        yield Problem(f"error: {display_path(str(out))}: cannot write ({exc.strerror})")
        return 2
    yield Notice(f"{len(entries)} tracks written to {display_path(str(out))}")
    return status
