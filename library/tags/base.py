"""What every tag family returns, and the one error it raises."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


class TagError(Exception):
    """A file whose format or tags cannot be read; the message is meant for the user."""


@dataclass(frozen=True, slots=True)
class FileInfo:
    """Stream properties and the tags GenreLens cares about, as read from one file."""

    format: str  # container, detected by content: mp3 flac ogg opus mp4 wav aiff asf
    codec: str
    duration: float | None = None  # seconds
    sample_rate: int | None = None
    channels: int | None = None
    bitrate: int | None = None  # bits per second
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    year: int | None = None
    track_number: int | None = None
    genres: tuple[str, ...] = ()


def first_text(values: object) -> str | None:
    """The first non-empty string of a tag value (str, list of str, or None)."""
    if values is None:
        return None
    items = [values] if isinstance(values, str) else list(values)  # type: ignore[call-overload]
    for item in items:
        text = str(item).strip()
        if text:
            return text
    return None


def leading_int(value: object) -> int | None:
    """The number a year or track field starts with: '2001-05-02' -> 2001, '3/12' -> 3."""
    text = first_text(value)
    if text is None:
        return None
    digits = ""
    for char in text:
        if not char.isdigit():
            break
        digits += char
    return int(digits) if digits else None


def stream_numbers(info: object) -> dict[str, object]:
    """duration, sample_rate, channels and bitrate from a mutagen StreamInfo."""
    length = getattr(info, "length", None)
    bitrate = getattr(info, "bitrate", None)
    return {
        "duration": round(float(length), 3) if length else None,
        "sample_rate": getattr(info, "sample_rate", None) or None,
        "channels": getattr(info, "channels", None) or None,
        "bitrate": int(bitrate) if bitrate else None,
    }


# Tag writing -------------------------------------------------------------------------------
# An old genre state may carry what a genre list cannot say (an ID3v1 genre byte that disagrees
# with ID3v2); such entries start with NUL, which no genre text contains.
MARKER = "\x00"


@dataclass(frozen=True, slots=True)
class WriteOptions:
    """How genres are laid out in a tag."""

    id3v23: bool = False  # a NEW ID3 tag is v2.3 (existing tags keep their version)
    separator: str = "; "  # joins several genres in ID3v2.3's single TCON string
    exact: bool = False  # the values are a recorded old state to restore as they were (undo)


def marker(name: str, value: object) -> str:
    """An old-state entry that is not a genre, e.g. marker('id3v1', 17)."""
    return f"{MARKER}{name}={value}"


def split_markers(values: list[str]) -> tuple[list[str], dict[str, str]]:
    """Genre values and the markers among them, by name."""
    genres = [v for v in values if not v.startswith(MARKER)]
    found = dict(v[1:].split("=", 1) for v in values if v.startswith(MARKER))
    return genres, found


@contextmanager
def tag_errors(what: str, *, os_errors: bool) -> Iterator[None]:
    """Turn whatever mutagen raises on corrupt data into TagError("{what}: detail"): none may
    stop a scan or a batch. OSError becomes TagError too when `os_errors`, else it passes
    (the writer tells a full disk from a read-only file by errno)."""
    try:
        yield
    except TagError:
        raise
    except OSError as exc:
        if not os_errors:
            raise
        raise TagError(f"cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # mutagen raises many kinds on corrupt data
        raise TagError(f"{what}: {str(exc) or type(exc).__name__}") from exc
