"""Tag reading, one module per tag family behind a registry keyed by detected container.

`read_file(path)` sniffs the content (the extension may lie), checks the file is complete,
and asks the family module; every failure becomes a TagError with a readable message.
Family modules expose FORMATS and `read(path, fmt)`; tag writing will sit beside `read`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import TypeVar

from library.tags import asf, id3, mp4, vorbis
from library.tags.base import MARKER, FileInfo, TagError, WriteOptions, split_markers
from library.tags.integrity import check_complete
from library.tags.sniff import AUDIO_EXTENSIONS, sniff

__all__ = ["AUDIO_EXTENSIONS", "FAMILIES", "FileInfo", "TagError", "read_file", "sniff"]

FAMILIES: dict[str, ModuleType] = {
    fmt: module for module in (id3, vorbis, mp4, asf) for fmt in module.FORMATS
}


def _unknown_reason(path: str) -> str:
    """Why content was not recognised, in words a user understands."""
    with open(path, "rb") as handle:
        head = handle.read(512)
    if not head:
        return "empty file (0 bytes)"
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return "not audio: the file is text"
        except UnicodeDecodeError:
            pass
    return f"not a recognised audio format (starts with {head[:8].hex(' ')})"


def read_file(path: str) -> FileInfo:
    """Format, stream properties and tags of one audio file; raises TagError."""
    try:
        fmt = sniff(path)
        if fmt is None:
            raise TagError(_unknown_reason(path))
        check_complete(path, fmt)
    except OSError as exc:
        raise TagError(f"cannot read: {exc.strerror or exc}") from exc
    try:
        return FAMILIES[fmt].read(path, fmt)  # type: ignore[no-any-return]
    except TagError:
        raise
    except OSError as exc:
        raise TagError(f"cannot read: {exc.strerror or exc}") from exc
    except Exception as exc:  # mutagen raises many kinds on corrupt data; none may stop a scan
        detail = str(exc) or type(exc).__name__
        raise TagError(f"not a readable {fmt} file: {detail}") from exc



# Tag writing -------------------------------------------------------------------------------
# Family modules expose genre_state, write_genres and audio_payload_hash beside read; these
# wrappers turn whatever mutagen raises into TagError, as read_file does.



__all__ += ["MARKER", "WriteOptions", "audio_payload_hash", "genre_state", "split_markers",
            "write_genres"]

_T = TypeVar("_T")


def _guarded(fmt: str, call: Callable[[], _T]) -> _T:
    try:
        return call()
    except TagError:
        raise
    except OSError:
        raise  # the writer tells a full disk from a read-only file by errno
    except Exception as exc:  # mutagen raises many kinds on corrupt data
        detail = str(exc) or type(exc).__name__
        raise TagError(f"not a writable {fmt} file: {detail}") from exc


def genre_state(path: str, fmt: str) -> list[str] | None:
    """The genre field's values exactly as stored (None: no genre field at all)."""
    return _guarded(fmt, lambda: FAMILIES[fmt].genre_state(path, fmt))


def write_genres(path: str, fmt: str, genres: list[str] | None,
                 options: WriteOptions = WriteOptions()) -> None:
    """Write genres into the file in place (None: remove the genre field); for a temp copy."""
    _guarded(fmt, lambda: FAMILIES[fmt].write_genres(path, fmt, genres, options))


def audio_payload_hash(path: str, fmt: str) -> str:
    """Hash of the audio payload only, which no tag write may change."""
    return _guarded(fmt, lambda: FAMILIES[fmt].audio_payload_hash(path, fmt))
