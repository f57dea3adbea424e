"""Vorbis comments: FLAC, Ogg Vorbis, Opus, FLAC in Ogg."""

from __future__ import annotations

import os
from typing import BinaryIO

from mutagen import FileType
from mutagen.flac import FLAC
from mutagen.oggflac import OggFLAC
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

from library.tags.base import (
    FileInfo,
    WriteOptions,
    first_text,
    leading_int,
    stream_numbers,
)
from library.tags.genres import parse_genres

FORMATS: dict[str, type[FileType]] = {"flac": FLAC, "ogg": OggVorbis, "opus": OggOpus,
                                      "oggflac": OggFLAC}
CODECS = {"flac": "flac", "ogg": "vorbis", "opus": "opus", "oggflac": "flac"}


def _comments(tags: object) -> dict[str, list[str]]:
    """Every comment's values by lower-case key, in file order: one pass over the comments,
    where mutagen's `tags.get(key)` scans them all again for each key asked."""
    found: dict[str, list[str]] = {}
    for key, value in tags or ():  # type: ignore[attr-defined]
        found.setdefault(key.lower(), []).append(value)
    return found


def _get(comments: dict[str, list[str]], *keys: str) -> str | None:
    """The first non-empty value among the named comments (keys are case-insensitive)."""
    for key in keys:
        text = first_text(comments.get(key))
        if text:
            return text
    return None


def read(path: str, fmt: str, handle: BinaryIO | None = None) -> FileInfo:
    """Stream info and tags of a file with Vorbis comments (mutagen errors pass through)."""
    audio = FORMATS[fmt](handle or path)
    tags = _comments(audio.tags)
    numbers = stream_numbers(audio.info)
    if fmt == "opus":
        numbers["sample_rate"] = 48000  # Opus always decodes at 48 kHz
    duration = numbers["duration"]
    if not numbers["bitrate"] and isinstance(duration, (int, float)) and duration:
        # Opus reports no bitrate; the average over the file is what users expect.
        numbers["bitrate"] = int(os.path.getsize(path) * 8 / duration)
    return FileInfo(
        format=fmt,
        codec=CODECS[fmt],
        **numbers,  # type: ignore[arg-type]
        title=_get(tags, "title"),
        artist=_get(tags, "artist"),
        album=_get(tags, "album"),
        album_artist=_get(tags, "albumartist", "album artist", "album_artist"),
        year=leading_int(_get(tags, "date", "year", "originaldate")),
        track_number=leading_int(_get(tags, "tracknumber")),
        genres=parse_genres(tags.get("genre", [])),
    )


# Tag writing -------------------------------------------------------------------------------
# GENRE is written as repeated fields (one per genre), where the first GENRE field was and
# with its spelling, so every other comment keeps its place.



def genre_state(path: str, fmt: str) -> list[str] | None:
    """The GENRE fields' values in order (None: no GENRE field)."""
    fields: list[tuple[str, str]] = list(FORMATS[fmt](path).tags or [])
    values = [value for key, value in fields if key.lower() == "genre"]
    return values or None


def write_genres(path: str, fmt: str, genres: list[str] | None, options: WriteOptions) -> None:
    """Replace the GENRE fields with one field per genre (None: remove them)."""
    audio = FORMATS[fmt](path)
    if audio.tags is None:
        if not genres:
            return
        audio.add_tags()
    tags = audio.tags
    assert tags is not None  # there, or just added
    fields: list[tuple[str, str]] = list(tags)
    spots = [i for i, (key, _) in enumerate(fields) if key.lower() == "genre"]
    key = fields[spots[0]][0] if spots else "GENRE"
    at = spots[0] if spots else len(fields)
    kept = [field for i, field in enumerate(fields) if i not in set(spots)]
    tags[:] = kept[:at] + [(key, genre) for genre in genres or []] + kept[at:]
    audio.save()
