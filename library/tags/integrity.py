"""Cheap checks that a file holds all the bytes its container header promises."""

from __future__ import annotations

import struct
from typing import BinaryIO

from library.tags.base import TagError

_OGG_TAIL = 65536


def _riff_like(handle: BinaryIO, order: str) -> int | None:
    """Bytes a RIFF (little-endian) or FORM (big-endian) file says it has."""
    handle.seek(4)
    (declared,) = struct.unpack(order + "I", handle.read(4))
    if declared in (0, 0xFFFFFFFF):
        return None  # written to a pipe: the size was never filled in
    return declared + 8


def _boxes_end(handle: BinaryIO, size: int, header: int, parse: object) -> int | None:
    """Walk top-level boxes (MP4 atoms, ASF objects); the end offset the last one claims."""
    offset = 0
    while offset < size:
        handle.seek(offset)
        box = handle.read(header)
        if len(box) < header:
            return offset + header
        length = parse(handle, box)  # type: ignore[operator]
        if length is None:
            return None  # "to the end of the file"
        if length < header:
            raise TagError(f"corrupt container: a block at byte {offset} claims {length} bytes")
        offset += length
    return offset


def _mp4_box(handle: BinaryIO, box: bytes) -> int | None:
    (length,) = struct.unpack(">I", box[:4])
    if length == 1:
        (length,) = struct.unpack(">Q", handle.read(8))
    return None if length == 0 else length


def _asf_object(handle: BinaryIO, box: bytes) -> int | None:
    length = int(struct.unpack("<Q", box[16:24])[0])
    return length or None  # 0: a broadcast file's data runs to the end


def _ogg_complete(handle: BinaryIO, size: int) -> bool:
    """The last Ogg page carries the end-of-stream flag and all the bytes it announces."""
    handle.seek(max(0, size - _OGG_TAIL))
    tail = handle.read()
    last = tail.rfind(b"OggS")
    if last < 0 or len(tail) < last + 27 or not tail[last + 5] & 0x04:
        return False
    segments = tail[last + 27 : last + 27 + tail[last + 26]]
    return len(tail) >= last + 27 + len(segments) + sum(segments)  # the whole last page


def _at_least(wanted: int | None, size: int) -> None:
    if wanted is not None and wanted > size:
        raise TagError(f"truncated: {size} bytes of the {wanted} the header announces")


def check_ogg(handle: BinaryIO, size: int) -> None:
    """Ogg (Vorbis, Opus, FLAC): the last page must end the stream."""
    if not _ogg_complete(handle, size):
        raise TagError("truncated: the Ogg stream has no end-of-stream page")


def check_riff(handle: BinaryIO, size: int) -> None:
    """WAV: the RIFF size (little-endian) must fit the file."""
    _at_least(_riff_like(handle, "<"), size)


def check_form(handle: BinaryIO, size: int) -> None:
    """AIFF: the FORM size (big-endian) must fit the file."""
    _at_least(_riff_like(handle, ">"), size)


def check_mp4(handle: BinaryIO, size: int) -> None:
    """MP4: the top-level boxes must fit the file."""
    _at_least(_boxes_end(handle, size, 8, _mp4_box), size)


def check_asf(handle: BinaryIO, size: int) -> None:
    """ASF: the top-level objects must fit the file."""
    _at_least(_boxes_end(handle, size, 24, _asf_object), size)
