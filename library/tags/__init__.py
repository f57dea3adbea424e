"""Tag reading and writing, one module per tag family, dispatched by the format registry.

`read_file(path)` sniffs the content (the extension may lie), checks the file is complete,
and asks the container's family module; every failure becomes a TagError with a readable
message. What each container is and which family serves it: library/tags/formats.py.
"""

from __future__ import annotations

from typing import BinaryIO

from library.tags.base import MARKER, FileInfo, TagError, WriteOptions, split_markers, tag_errors
from library.tags.formats import (
    AUDIO_EXTENSIONS,
    FORMATS,
    check_complete_open,
    header_identity,
    holds_tags,
    payload_hash,
    preferred_decoder,
    sniff,
    sniff_open,
)

__all__ = ["AUDIO_EXTENSIONS", "FORMATS", "MARKER", "FileInfo", "TagError", "WriteOptions",
           "audio_payload_hash", "genre_state", "holds_tags", "preferred_decoder", "read_file",
           "sniff", "split_markers", "header_audio_identity", "write_genres"]


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


def read_file(path: str, handle: BinaryIO | None = None) -> FileInfo:
    """Format, stream properties and tags of one audio file; raises TagError. `handle`: the
    file already open (binary, seekable), which the scanner has for its hash: not reopened."""
    if handle is None:
        with tag_errors("cannot read", os_errors=True), open(path, "rb") as own:
            return read_file(path, own)
    with tag_errors("cannot read", os_errors=True):
        fmt = sniff_open(handle)
        if fmt is None:
            raise TagError(_unknown_reason(path))
        check_complete_open(handle, fmt)
        handle.seek(0)
    with tag_errors(f"not a readable {fmt} file", os_errors=True):
        return FORMATS[fmt].family.read(path, fmt, handle)


def genre_state(path: str, fmt: str) -> list[str] | None:
    """The genre field's values exactly as stored (None: no genre field at all)."""
    with tag_errors(f"not a writable {fmt} file", os_errors=False):
        return FORMATS[fmt].family.genre_state(path, fmt)


def write_genres(path: str, fmt: str, genres: list[str] | None,
                 options: WriteOptions = WriteOptions()) -> None:
    """Write genres into the file in place (None: remove the genre field); for a temp copy."""
    with tag_errors(f"not a writable {fmt} file", os_errors=False):
        FORMATS[fmt].family.write_genres(path, fmt, genres, options)


def header_audio_identity(path: str, fmt: str) -> str | None:
    """What identifies the file's audio from its headers alone (FLAC: the encoder's MD5 of
    the samples); None when the format or the file has none."""
    with tag_errors(f"not a readable {fmt} file", os_errors=False):
        return header_identity(path, fmt)


def audio_payload_hash(path: str, fmt: str) -> str:
    """Hash of the audio payload only, which no tag write may change."""
    with tag_errors(f"not a writable {fmt} file", os_errors=False):
        return payload_hash(path, fmt)
