"""Hash the audio payload of a file, leaving out every byte a tag writer may change.

A tag write must never touch the audio: the writer compares these hashes before and after.
Each container keeps its tags in different places, so each has its own walker; the format
registry (library/tags/formats.py) says which walker a container uses.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Iterator
from typing import BinaryIO

from mutagen.ogg import OggPage

from library.tags.base import TagError
from library.tags.sniff import ASF_GUID, id3v2_size

_CHUNK = 1 << 20


def _feed(digest: hashlib._Hash, handle: BinaryIO, start: int, length: int | None) -> None:
    """Hash `length` bytes from `start` (None: to the end)."""
    handle.seek(start)
    while length is None or length > 0:
        block = handle.read(_CHUNK if length is None else min(_CHUNK, length))
        if not block:
            if length:
                raise TagError("truncated: the audio ends early")
            return
        digest.update(block)
        if length is not None:
            length -= len(block)


def framed(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """MP3, raw AAC: everything between the ID3v2 tag (with its padding) and an ID3v1 tag."""
    start = id3v2_size(handle.read(10))
    handle.seek(max(0, size - 128))
    end = size - 128 if size - start >= 128 and handle.read(3) == b"TAG" else size
    _feed(digest, handle, start, end - start)


def _iff(handle: BinaryIO, size: int, digest: hashlib._Hash, order: str) -> None:
    """Every RIFF/FORM chunk but the ID3 one, with its name."""
    offset = 12
    while offset + 8 <= size:
        handle.seek(offset)
        name, length = struct.unpack(order + "4sI", handle.read(8))
        if name.strip().lower() != b"id3":
            digest.update(name)
            _feed(digest, handle, offset + 8, min(length, size - offset - 8))
        offset += 8 + length + (length & 1)


def _flac_blocks(handle: BinaryIO) -> Iterator[tuple[int, int, int]]:
    """(kind, data offset, length) of each metadata block, then (-1, first frame's offset, 0)."""
    offset = id3v2_size(handle.read(10))
    handle.seek(offset)
    if handle.read(4) != b"fLaC":
        raise TagError("not a FLAC stream")
    offset += 4
    while True:
        handle.seek(offset)
        header = handle.read(4)
        if len(header) < 4:
            raise TagError("truncated: FLAC metadata ends early")
        length = int.from_bytes(header[1:4], "big")
        yield header[0] & 0x7F, offset + 4, length
        offset += 4 + length
        if header[0] & 0x80:
            yield -1, offset, 0
            return


def flac(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """STREAMINFO and the frames after the last metadata block."""
    for kind, offset, length in list(_flac_blocks(handle)):
        if kind == 0:
            _feed(digest, handle, offset, length)
        elif kind == -1:
            _feed(digest, handle, offset, None)


def flac_audio_identity(handle: BinaryIO, size: int) -> str | None:
    """'MD5:LENGTH': the MD5 of the decoded samples that the encoder stored in STREAMINFO and
    the length of the frames after the metadata; None when the MD5 is unset.

    It tells the audio apart at the cost of reading the headers, where hashing the payload
    reads the whole file; the length catches a cut-off or extended copy, which keeps the
    MD5 of the samples it was encoded from."""
    blocks = list(_flac_blocks(handle))
    kind, offset, length = blocks[0]
    if kind != 0 or length < 34:
        raise TagError("FLAC stream without STREAMINFO")
    handle.seek(offset + 18)
    md5 = handle.read(16)
    frames = blocks[-1][1]
    if len(md5) < 16 or not any(md5) or frames > size:
        return None
    return f"{md5.hex()}:{size - frames}"


def _ogg_packets(handle: BinaryIO) -> Iterator[tuple[int, int, bytes]]:
    """(serial, packet number, piece) for every packet piece of every page."""
    numbers: dict[int, int] = {}
    handle.seek(0)
    while True:
        try:
            page = OggPage(handle)
        except EOFError:
            return
        number = numbers.get(page.serial, -1)
        for index, piece in enumerate(page.packets):
            if not (index == 0 and page.continued):
                number += 1
            yield page.serial, number, piece
        numbers[page.serial] = number


def ogg(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """Every packet but the comment header (packet 1); page numbers and CRCs may change."""
    for serial, number, piece in _ogg_packets(handle):
        if number != 1:
            digest.update(struct.pack("<II", serial, number))
            digest.update(piece)


def _boxes(handle: BinaryIO, size: int) -> Iterator[tuple[bytes, int, int]]:
    """(type, data offset, data length) of every top-level MP4 box."""
    offset = 0
    while offset + 8 <= size:
        handle.seek(offset)
        length, kind = struct.unpack(">I4s", handle.read(8))
        header = 8
        if length == 1:
            (length,) = struct.unpack(">Q", handle.read(8))
            header = 16
        elif length == 0:
            length = size - offset
        if length < header:
            raise TagError(f"corrupt container: a box at byte {offset} claims {length} bytes")
        yield kind, offset + header, min(length, size - offset) - header
        offset += length


def mp4(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """The media data boxes (tag writes move them and fix the offsets pointing in)."""
    for kind, start, length in list(_boxes(handle, size)):
        if kind == b"mdat":
            _feed(digest, handle, start, length)


def asf(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """Every top-level object but the header object, where the attributes live."""
    offset = 0
    while offset + 24 <= size:
        handle.seek(offset)
        guid, length = struct.unpack("<16sQ", handle.read(24))
        if length < 24:
            raise TagError(f"corrupt container: an object at byte {offset} claims {length} bytes")
        if guid != ASF_GUID:
            digest.update(guid)
            _feed(digest, handle, offset + 24, min(length, size - offset) - 24)
        offset += length


def wav(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """WAV: every RIFF chunk but the ID3 one."""
    _iff(handle, size, digest, "<")


def aiff(handle: BinaryIO, size: int, digest: hashlib._Hash) -> None:
    """AIFF: every FORM chunk but the ID3 one."""
    _iff(handle, size, digest, ">")
