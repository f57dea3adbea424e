"""Property: whatever a tag write does to a file's bytes, the undo record rebuilds the original.

The example tests (test_undo_exact.py) cover real tag writers on real files; this one lets
hypothesis search the byte-level shapes a writer could produce — regions grown, shrunk,
moved, repeated, files that share everything or nothing — against the encoder's heuristics
(probe size, search budget, back-extension), where an off-by-one would lose a byte.
"""

from __future__ import annotations

import os
import tempfile

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from library.undo_bytes import decode_delta, encode_delta, file_sha1, rebuild, regions

# Small alphabets make long repeats and near-matches likely, which is where a greedy matcher errs.
chunks = st.binary(min_size=0, max_size=600) | st.lists(
    st.sampled_from([b"\x00", b"ID3", b"\xff\xfb", b"OggS", b"genre"]), max_size=200
).map(b"".join)


@st.composite
def edited_pair(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """An original and a 'written' version the way tag writers make them: a shared start and
    end, and in between a changed region that keeps the original's larger blocks (a cover
    picture, untouched frames), shifted and possibly repeated, among new bytes."""
    kept_blocks = draw(st.lists(st.binary(min_size=100, max_size=2000), max_size=3))
    moved = draw(st.permutations(kept_blocks)) + (kept_blocks[:1] if draw(st.booleans()) else [])

    def among_new_bytes(blocks: list[bytes]) -> bytes:
        return b"".join(draw(chunks) + block for block in blocks) + draw(chunks)

    start, end = draw(chunks), draw(chunks)
    return start + among_new_bytes(kept_blocks) + end, start + among_new_bytes(moved) + end


def _write(folder: str, name: str, data: bytes) -> str:
    path = os.path.join(folder, name)
    with open(path, "wb") as handle:
        handle.write(data)
    return path


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_pair())
def test_rebuild_gives_back_the_original_bytes(pair: tuple[bytes, bytes]) -> None:
    original, written = pair
    with tempfile.TemporaryDirectory() as folder:
        kept = regions(_write(folder, "original", original), _write(folder, "written", written))
        assert kept is not None
        assert kept.prefix + kept.suffix <= min(len(original), len(written))
        restored = os.path.join(folder, "restored")
        fd = os.open(restored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            rebuild(os.path.join(folder, "written"), kept)(fd)
        finally:
            os.close(fd)
        with open(restored, "rb") as handle:
            assert handle.read() == original
        assert file_sha1(restored) == kept.original_sha1


@settings(max_examples=300, deadline=None)
@given(edited_pair(), st.integers(0, 1 << 20))
def test_delta_runs_reassemble_the_original(pair: tuple[bytes, bytes], base: int) -> None:
    original, written = pair
    rebuilt = bytearray()
    for offset, run in decode_delta(encode_delta(original, written, base)):
        if isinstance(run, bytes):
            rebuilt += run
        else:
            assert base <= offset and offset - base + run <= len(written)
            rebuilt += written[offset - base:offset - base + run]
    assert bytes(rebuilt) == original
