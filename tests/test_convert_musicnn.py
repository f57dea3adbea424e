"""The numpy-only TF tensor-bundle reader, on a bundle written here byte by byte."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest

from tools.convert_musicnn import (TABLE_MAGIC, BundleFormatError, convert, read_checkpoint,
                                   read_index)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, payload: int | bytes) -> bytes:
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def entry_proto(dtype: int, shape: tuple[int, ...], offset: int, size: int) -> bytes:
    dims = b"".join(field(2, field(1, d)) for d in shape)
    return field(1, dtype) + field(2, dims) + field(4, offset) + field(5, size)


def block(entries: list[tuple[bytes, bytes]]) -> bytes:
    """An SSTable block with shared-prefix keys, one restart point, and a 5-byte trailer."""
    out, previous = bytearray(), b""
    for key, value in entries:
        shared = len(next((p for p in (key[:n] for n in range(len(key), -1, -1))
                           if previous.startswith(p)), b""))
        out += varint(shared) + varint(len(key) - shared) + varint(len(value))
        out += key[shared:] + value
        previous = key
    out += struct.pack("<II", 0, 1)
    return bytes(out) + b"\x00\x00\x00\x00\x00"


def write_bundle(folder: Path, tensors: dict[str, np.ndarray]) -> None:
    """Write <folder>/.index and .data-00000-of-00001 the way TF's BundleWriter lays them out."""
    data, entries = bytearray(), [(b"", b"\x08\x01")]  # header proto first, under the empty key
    for name in sorted(tensors):
        array = tensors[name]
        dtype = {np.float32: 1, np.int64: 9}[array.dtype.type]
        entries.append((name.encode(), entry_proto(dtype, array.shape, len(data), array.nbytes)))
        data += array.tobytes()
    data_block = block(entries)
    handle = varint(0) + varint(len(data_block) - 5)
    index_block = block([(entries[-1][0], handle)])
    meta_block = block([])
    meta_at = len(data_block) + len(index_block)
    footer = (varint(meta_at) + varint(len(meta_block) - 5)
              + varint(len(data_block)) + varint(len(index_block) - 5))
    footer = footer.ljust(40, b"\x00") + struct.pack("<Q", TABLE_MAGIC)
    (folder / ".index").write_bytes(data_block + index_block + meta_block + footer)
    (folder / ".data-00000-of-00001").write_bytes(bytes(data))


def test_reader_returns_every_tensor_with_its_shape_and_values(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    tensors = {
        "conv2d/kernel": rng.standard_normal((7, 38, 1, 3)).astype(np.float32),
        "conv2d/bias": rng.standard_normal(3).astype(np.float32),
        "conv2d/kernel/Adam": rng.standard_normal((7, 38, 1, 3)).astype(np.float32),
        "global_step": np.array(1234, dtype=np.int64),
    }
    write_bundle(tmp_path, tensors)
    read = read_checkpoint(tmp_path)
    assert sorted(read) == sorted(tensors)
    for name, value in tensors.items():
        assert read[name].shape == value.shape and read[name].dtype == value.dtype
        np.testing.assert_array_equal(read[name], value)


def test_convert_drops_optimizer_slots_and_relayouts_kernels(tmp_path: Path) -> None:
    kernel = np.arange(7 * 38 * 1 * 3, dtype=np.float32).reshape(7, 38, 1, 3)
    tensors = {"conv2d/kernel": kernel, "conv2d/kernel/Adam_1": kernel, "beta1_power":
               np.array(0.9, np.float32), "dense_1/kernel": np.ones((200, 50), np.float32)}
    state = convert(tensors)
    assert sorted(state) == ["output.weight", "timbral_74.conv.weight"]
    assert state["timbral_74.conv.weight"].shape == (3, 1, 7, 38)
    assert state["timbral_74.conv.weight"][2, 0, 6, 37] == kernel[6, 37, 0, 2]
    assert state["output.weight"].shape == (50, 200)


def test_unknown_variable_is_refused() -> None:
    with pytest.raises(BundleFormatError, match="unexpected variable"):
        convert({"mystery/kernel": np.zeros(3, np.float32)})


def test_a_file_that_is_not_an_sstable_is_refused() -> None:
    with pytest.raises(BundleFormatError, match="magic"):
        read_index(b"\x00" * 64)
