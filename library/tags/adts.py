"""Raw AAC (ADTS): stream properties only; the format has nowhere to keep tags."""

from __future__ import annotations

from typing import BinaryIO

from mutagen import FileType
from mutagen.aac import AAC

from library.tags.base import FileInfo, TagError, WriteOptions, stream_numbers

FORMATS: dict[str, type[FileType]] = {"adts": AAC}


def read(path: str, fmt: str, handle: BinaryIO | None = None) -> FileInfo:
    """Stream info of a raw AAC file; it carries no tags (mutagen errors pass through)."""
    audio = AAC(handle or path)
    return FileInfo(format=fmt, codec="aac", **stream_numbers(audio.info))  # type: ignore[arg-type]


def genre_state(path: str, fmt: str) -> list[str] | None:
    """No genre field: raw AAC has no tags."""
    return None


def write_genres(path: str, fmt: str, genres: list[str] | None, options: WriteOptions) -> None:
    """Refuse: raw AAC has no tags (the plan skips such files before this)."""
    raise TagError("raw AAC (ADTS) has no tags to hold genres")
