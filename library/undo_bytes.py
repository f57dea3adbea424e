"""Byte-exact undo: keep the bytes a tag write replaced, and put exactly them back.

A tag write changes one region of a file (an ID3 tag or FLAC metadata at the front, an MP4
`moov` box before or after the audio, an ASF header); everything before and after it is
shared with the new file, possibly shifted. So the log keeps the length of the shared start,
the length of the shared end and the original's bytes in between, with SHA-1s of both
versions. Undo rebuilds the original from the file as written and checks its hash, so a
FLAC file without padding or an M4A whose header grew comes back byte for byte, which
re-writing the tags through mutagen cannot promise.
The region in between mostly survives in the new file too, shifted (a cover picture next to
the genre frame, Ogg pages renumbered around unchanged audio): it is kept as a delta, runs
copied from the written file plus the few literal bytes that differ, so a 500 kB cover
costs the log a few bytes, not 500 kB.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass

CHUNK = 1 << 20
MAX_STORED = 64 << 20  # a larger change (an Ogg file re-paged) is undone tag by tag instead


@dataclass(frozen=True)
class Regions:
    """How to rebuild the original from the written file."""

    prefix: int  # bytes both versions share at the start
    suffix: int  # bytes both versions share at the end
    middle: bytes  # the original's bytes between them, as a delta against the written file
    original_size: int
    original_sha1: str
    written_sha1: str


def file_sha1(path: str) -> str:
    """SHA-1 of a whole file."""
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _first_difference(a: bytes, b: bytes) -> int:
    low, high = 0, min(len(a), len(b))
    while low < high:  # binary search on equal prefixes: C speed, not a Python byte loop
        mid = (low + high + 1) // 2
        if a[:mid] == b[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def common_prefix(one: str, two: str) -> int:
    """How many leading bytes two files share."""
    shared = 0
    with open(one, "rb") as a, open(two, "rb") as b:
        while True:
            block_a, block_b = a.read(CHUNK), b.read(CHUNK)
            if block_a == block_b and block_a:
                shared += len(block_a)
                continue
            return shared + _first_difference(block_a, block_b)


def common_suffix(one: str, two: str, limit: int) -> int:
    """How many trailing bytes two files share, at most `limit`."""
    shared = 0
    with open(one, "rb") as a, open(two, "rb") as b:
        end_a, end_b = a.seek(0, os.SEEK_END), b.seek(0, os.SEEK_END)
        while shared < limit:
            size = min(CHUNK, limit - shared)
            a.seek(end_a - shared - size)
            b.seek(end_b - shared - size)
            block_a, block_b = a.read(size)[::-1], b.read(size)[::-1]
            same = _first_difference(block_a, block_b)
            shared += same
            if same < size:
                break
    return shared


def regions(original: str, written: str) -> Regions | None:
    """What undo needs to rebuild `original` from `written`; None when too large to keep."""
    size_o, size_w = os.path.getsize(original), os.path.getsize(written)
    prefix = common_prefix(original, written)
    suffix = common_suffix(original, written, min(size_o, size_w) - prefix)
    if size_o - prefix - suffix > MAX_STORED:
        return None
    with open(original, "rb") as handle:
        handle.seek(prefix)
        middle = handle.read(size_o - prefix - suffix)
    with open(written, "rb") as handle:
        handle.seek(prefix)
        shared = handle.read(size_w - prefix - suffix)
    return Regions(prefix, suffix, encode_delta(middle, shared, prefix), size_o,
                   file_sha1(original), file_sha1(written))


def rebuild(current: str, kept: Regions) -> Callable[[int], None]:
    """A writer of the original's bytes into an open fd, from `current` (the written file)."""
    def write(fd: int) -> None:
        with open(current, "rb") as source, os.fdopen(os.dup(fd), "wb") as target:
            _copy(source, target, kept.prefix)
            for offset, data in decode_delta(kept.middle):
                if isinstance(data, bytes):
                    target.write(data)
                else:
                    source.seek(offset)
                    _copy(source, target, data)
            source.seek(-kept.suffix if kept.suffix else 0, os.SEEK_END)
            _copy(source, target, kept.suffix)
    return write


PROBE, STEP, MIN_COPY, FIND_BUDGET = 32, 64, 128, 256
_LITERAL, _COPY = b"L", b"C"


def _match_length(a: bytes, at_a: int, b: bytes, at_b: int) -> int:
    """How many bytes a[at_a:] and b[at_b:] share from their start."""
    n, block = 0, 1 << 16
    while True:
        part_a, part_b = a[at_a + n:at_a + n + block], b[at_b + n:at_b + n + block]
        if part_a == part_b and len(part_a) == block:
            n += block
            continue
        return n + _first_difference(part_a, part_b)


def _back_length(a: bytes, at_a: int, b: bytes, at_b: int, limit: int) -> int:
    """How many bytes before a[at_a] and b[at_b] match (at most `limit`)."""
    n = 0
    while n < limit and at_b - n > 0 and a[at_a - n - 1] == b[at_b - n - 1]:
        n += 1
    return n


def encode_delta(original: bytes, written: bytes, base: int) -> bytes:
    """`original` as runs copied from `written` (which starts at file offset `base`) and
    literal bytes; greedy, with a bounded number of searches, so any input stays fast."""
    ops: list[bytes] = []
    at = literal_from = 0
    budget = FIND_BUDGET
    while at + PROBE <= len(original) and budget > 0:
        found = written.find(original[at:at + PROBE])
        if found < 0:
            budget -= 1
            at += STEP
            continue
        back = _back_length(original, at, written, found, at - literal_from)
        length = back + _match_length(original, at, written, found)
        if length < MIN_COPY:
            budget -= 1
            at += STEP
            continue
        start = at - back
        if start > literal_from:
            ops.append(_op_literal(original[literal_from:start]))
        ops.append(_COPY + (base + found - back).to_bytes(8, "big") + length.to_bytes(8, "big"))
        at = literal_from = start + length
    if literal_from < len(original):
        ops.append(_op_literal(original[literal_from:]))
    return b"".join(ops)


def _op_literal(data: bytes) -> bytes:
    return _LITERAL + len(data).to_bytes(8, "big") + data


def decode_delta(delta: bytes) -> Iterator[tuple[int, bytes | int]]:
    """The delta's runs: (0, literal bytes) or (offset in the written file, length)."""
    at = 0
    while at < len(delta):
        kind, first = delta[at:at + 1], int.from_bytes(delta[at + 1:at + 9], "big")
        if kind == _LITERAL:
            yield 0, delta[at + 9:at + 9 + first]
            at += 9 + first
        elif kind == _COPY:
            yield first, int.from_bytes(delta[at + 9:at + 17], "big")
            at += 17
        else:
            raise ValueError("damaged undo record")


def _copy(source, target, count: int) -> None:
    while count > 0:
        block = source.read(min(CHUNK, count))
        if not block:
            raise OSError("file shorter than expected while restoring it")
        target.write(block)
        count -= len(block)
