"""ASF attributes: Windows Media Audio (.wma)."""

from __future__ import annotations

from typing import BinaryIO

from mutagen.asf import ASF

from library.tags.base import (
    FileInfo,
    WriteOptions,
    first_text,
    leading_int,
    stream_numbers,
)
from library.tags.genres import parse_genres

FORMATS = {"asf": ASF}
# mutagen names ASF codecs in prose; these short names are FFmpeg's, as elsewhere.
_CODECS = {
    "Windows Media Audio 7": "wmav1",
    "Windows Media Audio 9 Standard": "wmav2",
    "Windows Media Audio 9 Professional": "wmapro",
    "Windows Media Audio 9 Lossless": "wmalossless",
}


def _values(tags: object, key: str) -> list[str]:
    """The attribute's values as strings (ASF values are typed objects)."""
    if tags is None:
        return []
    return [str(v) for v in tags.get(key, [])]  # type: ignore[attr-defined]


def _attributes(tags: object) -> dict[str, list[str]]:
    """Every attribute's values as strings, by name, in file order: one pass, where
    mutagen's `tags.get(name)` scans every attribute again for each name asked."""
    found: dict[str, list[str]] = {}
    for key, value in tags or ():  # type: ignore[attr-defined]
        found.setdefault(key, []).append(str(value))
    return found


def read(path: str, fmt: str, handle: BinaryIO | None = None) -> FileInfo:
    """Stream info and tags of an ASF file (mutagen errors pass through)."""
    audio = ASF(handle or path)
    tags, info = _attributes(audio.tags), audio.info
    assert info is not None  # a loaded ASF always has its stream info
    codec = _CODECS.get(info.codec_type, info.codec_name or "unknown")
    return FileInfo(
        format=fmt,
        codec=codec,
        **stream_numbers(audio.info),  # type: ignore[arg-type]
        title=first_text(tags.get("Title")),
        artist=first_text(tags.get("Author")),
        album=first_text(tags.get("WM/AlbumTitle")),
        album_artist=first_text(tags.get("WM/AlbumArtist")),
        year=leading_int(first_text(tags.get("WM/Year"))),
        track_number=leading_int(first_text(tags.get("WM/TrackNumber"))),
        genres=parse_genres(tags.get("WM/Genre", [])),
    )


# Tag writing -------------------------------------------------------------------------------



def genre_state(path: str, fmt: str) -> list[str] | None:
    """WM/Genre's values (None: no WM/Genre attribute)."""
    values = _values(ASF(path).tags, "WM/Genre")
    return values or None


def write_genres(path: str, fmt: str, genres: list[str] | None, options: WriteOptions) -> None:
    """Set WM/Genre to one value per genre (None: remove it)."""
    audio = ASF(path)
    if genres:
        audio["WM/Genre"] = list(genres)
    elif audio.tags is not None and "WM/Genre" in audio.tags:
        del audio["WM/Genre"]
    else:
        return
    audio.save()
