"""MP4 atoms: .m4a/.mp4 with AAC or ALAC."""

from __future__ import annotations

from typing import BinaryIO

from mutagen.mp4 import MP4

from library.tags.base import (
    FileInfo,
    WriteOptions,
    first_text,
    leading_int,
    stream_numbers,
)
from library.tags.genres import parse_genres

FORMATS = {"mp4": MP4}


def _codec(info: object) -> str:
    """'mp4a.40.2' -> aac, 'alac' -> alac, anything else as mutagen names it."""
    codec = str(getattr(info, "codec", "") or "unknown")
    return "aac" if codec.startswith("mp4a.40") else codec


def genres_of(tags: object) -> tuple[str, ...]:
    """©gen, a list (mutagen already turns iTunes' numeric gnre into ©gen names)."""
    if tags is None:
        return ()
    return parse_genres(str(v) for v in tags.get("\xa9gen", []))  # type: ignore[attr-defined]


def read(path: str, fmt: str, handle: BinaryIO | None = None) -> FileInfo:
    """Stream info and tags of an MP4 audio file (mutagen errors pass through)."""
    audio = MP4(handle or path)
    tags = audio.tags
    get = (lambda key: first_text(tags.get(key))) if tags is not None else (lambda key: None)
    track = tags.get("trkn") if tags is not None else None
    return FileInfo(
        format=fmt,
        codec=_codec(audio.info),
        **stream_numbers(audio.info),  # type: ignore[arg-type]
        title=get("\xa9nam"),
        artist=get("\xa9ART"),
        album=get("\xa9alb"),
        album_artist=get("aART"),
        year=leading_int(get("\xa9day")),
        track_number=(track[0][0] or None) if track else None,
        genres=genres_of(tags),
    )


# Tag writing -------------------------------------------------------------------------------
# Genres go to ©gen as a list, the way Picard writes them. iTunes' numeric 'gnre' atom needs
# no care: mutagen reads it as ©gen text and writes it back as ©gen on every save.



def genre_state(path: str, fmt: str) -> list[str] | None:
    """©gen's values (None: no genre atom)."""
    tags = MP4(path).tags
    if tags is None or "\xa9gen" not in tags:
        return None
    return [str(v) for v in tags["\xa9gen"]]


def write_genres(path: str, fmt: str, genres: list[str] | None, options: WriteOptions) -> None:
    """Set ©gen to the genres (None: remove it)."""
    audio = MP4(path)
    if audio.tags is None:
        if not genres:
            return
        audio.add_tags()
    tags = audio.tags
    assert tags is not None  # there, or just added
    if genres:
        tags["\xa9gen"] = list(genres)
    else:
        tags.pop("\xa9gen", None)
    audio.save()
