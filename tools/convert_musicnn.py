"""Convert the musicnn TF-1 checkpoints (PyPI musicnn==0.1.0, ISC) to PyTorch safetensors.

Developer tool, not imported by the program. Needs only numpy + safetensors:
the checkpoint is read with a small reader of TensorFlow's tensor-bundle format.

    pip download --no-deps musicnn==0.1.0 -d /tmp/musicnn && unzip -d /tmp/musicnn/x /tmp/musicnn/*.whl
    python tools/convert_musicnn.py /tmp/musicnn/x/musicnn resources/models

A tensor bundle is a `.index` file (a LevelDB-style SSTable whose values are
BundleEntryProto records) plus `.data-00000-of-00001` holding the raw tensor bytes.
"""

from __future__ import annotations

import argparse
import ast
import json
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5  # 1 byte compression type + 4 bytes crc, after every block
# tensorflow/core/framework/types.proto DataType -> numpy (little-endian)
TF_DTYPES = {1: "<f4", 2: "<f8", 3: "<i4", 4: "u1", 6: "i1", 9: "<i8", 10: "?", 19: "<f2"}

class BundleFormatError(ValueError):
    """The checkpoint files are not a tensor bundle this reader understands."""


@dataclass(frozen=True)
class BundleEntry:
    """Where one tensor lives in the data file (a parsed BundleEntryProto)."""

    dtype: int
    shape: tuple[int, ...]
    shard_id: int
    offset: int
    size: int


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """Decode a base-128 varint at pos; return (value, next position)."""
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise BundleFormatError("truncated varint")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7


def protobuf_fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """Split a protobuf message into (field number, varint or bytes) pairs."""
    fields: list[tuple[int, int | bytes]] = []
    pos = 0
    while pos < len(buf):
        tag, pos = read_varint(buf, pos)
        number, wire = tag >> 3, tag & 7
        if wire == 0:
            value, pos = read_varint(buf, pos)
        elif wire == 2:
            length, pos = read_varint(buf, pos)
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 5:
            value, pos = int.from_bytes(buf[pos:pos + 4], "little"), pos + 4
        elif wire == 1:
            value, pos = int.from_bytes(buf[pos:pos + 8], "little"), pos + 8
        else:
            raise BundleFormatError(f"unsupported protobuf wire type {wire}")
        fields.append((number, value))
    return fields


def parse_shape(buf: bytes) -> tuple[int, ...]:
    """TensorShapeProto: repeated Dim (field 2) whose size is field 1."""
    dims = []
    for number, dim in protobuf_fields(buf):
        if number == 2:
            sizes = [v for n, v in protobuf_fields(dim) if n == 1]
            dims.append(int(sizes[0]) if sizes else 0)
    return tuple(dims)


def parse_entry(buf: bytes) -> BundleEntry:
    """BundleEntryProto: dtype=1, shape=2, shard_id=3, offset=4, size=5 (crc32c=6, slices=7)."""
    values: dict[int, int | bytes] = {1: 0, 2: b"", 3: 0, 4: 0, 5: 0}
    for number, value in protobuf_fields(buf):
        if number == 7:
            raise BundleFormatError("sliced tensors are not supported")
        values[number] = value
    return BundleEntry(int(values[1]), parse_shape(bytes(values[2])), int(values[3]),
                       int(values[4]), int(values[5]))


def block_entries(table: bytes, offset: int, size: int) -> list[tuple[bytes, bytes]]:
    """Key/value pairs of one SSTable block (shared-prefix keys, restart array at the end)."""
    block = table[offset:offset + size]
    if len(block) != size or table[offset + size] != 0:
        raise BundleFormatError("truncated or compressed block")
    num_restarts = struct.unpack_from("<I", block, size - 4)[0]
    end = size - 4 - 4 * num_restarts
    entries, key, pos = [], b"", 0
    while pos < end:
        shared, pos = read_varint(block, pos)
        unshared, pos = read_varint(block, pos)
        value_len, pos = read_varint(block, pos)
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        entries.append((key, block[pos:pos + value_len]))
        pos += value_len
    return entries


def read_index(index: bytes) -> dict[str, BundleEntry]:
    """Parse a tensor-bundle .index file into {tensor name: entry}."""
    if len(index) < FOOTER_SIZE or struct.unpack_from("<Q", index, len(index) - 8)[0] != TABLE_MAGIC:
        raise BundleFormatError("not an SSTable: bad magic number")
    footer = index[-FOOTER_SIZE:]
    _, pos = read_varint(footer, 0)  # metaindex offset
    _, pos = read_varint(footer, pos)  # metaindex size
    index_offset, pos = read_varint(footer, pos)
    index_size, _ = read_varint(footer, pos)
    entries: dict[str, BundleEntry] = {}
    for _, handle in block_entries(index, index_offset, index_size):
        block_offset, pos = read_varint(handle, 0)
        block_size, _ = read_varint(handle, pos)
        for key, value in block_entries(index, block_offset, block_size):
            if key:  # the empty key holds the BundleHeaderProto
                entries[key.decode()] = parse_entry(value)
    return entries


def read_checkpoint(folder: Path, stem: str = "") -> dict[str, np.ndarray]:
    """All numeric tensors of a single-shard checkpoint (<stem>.index + <stem>.data-00000-of-00001)."""
    index = (folder / f"{stem}.index").read_bytes()
    data = (folder / f"{stem}.data-00000-of-00001").read_bytes()
    tensors = {}
    for name, entry in read_index(index).items():
        if entry.shard_id != 0:
            raise BundleFormatError(f"{name}: multi-shard checkpoints are not supported")
        if entry.dtype not in TF_DTYPES:
            continue  # strings and the like carry no weights
        raw = data[entry.offset:entry.offset + entry.size]
        if len(raw) != entry.size:
            raise BundleFormatError(f"{name}: data file is truncated")
        tensors[name] = np.frombuffer(raw, TF_DTYPES[entry.dtype]).reshape(entry.shape).copy()
    return tensors


def is_weight(name: str) -> bool:
    """Keep model weights; drop optimizer slots, Adam's beta powers and the step counter."""
    return not ("Adam" in name or name.endswith("_power") or "global_step" in name)


# TF layer scope (creation order in musicnn's build_musicnn) -> PyTorch module name
TF_TO_TORCH = {
    "batch_normalization": "input_bn",
    "conv2d": "timbral_74.conv", "batch_normalization_1": "timbral_74.bn",
    "conv2d_1": "timbral_77.conv", "batch_normalization_2": "timbral_77.bn",
    "conv2d_2": "temporal_128.conv", "batch_normalization_3": "temporal_128.bn",
    "conv2d_3": "temporal_64.conv", "batch_normalization_4": "temporal_64.bn",
    "conv2d_4": "temporal_32.conv", "batch_normalization_5": "temporal_32.bn",
    "conv2d_5": "mid1.conv", "batch_normalization_6": "mid1.bn",
    "conv2d_6": "mid2.conv", "batch_normalization_7": "mid2.bn",
    "conv2d_7": "mid3.conv", "batch_normalization_8": "mid3.bn",
    "batch_normalization_9": "pool_bn",
    "dense": "dense", "batch_normalization_10": "dense_bn",
    "dense_1": "output",
}
TF_PARAM = {"kernel": "weight", "bias": "bias", "gamma": "weight", "beta": "bias",
            "moving_mean": "running_mean", "moving_variance": "running_var"}


def torch_layout(module: str, value: np.ndarray) -> np.ndarray:
    """TF kernels (H, W, in, out) / (in, out) -> the PyTorch layout of our modules."""
    if value.ndim == 4 and module.startswith("mid"):
        # a TF conv2d spanning the whole feature axis is a Conv1d over time: (out, in, 7)
        return value[:, :, 0, :].transpose(2, 1, 0)
    if value.ndim == 4:
        return value.transpose(3, 2, 0, 1)  # Conv2d over (time, mel)
    return value.T if value.ndim == 2 else value


def convert(tensors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Rename and re-lay TF musicnn weights into MusicNN's state_dict (float32)."""
    out = {}
    for name, value in tensors.items():
        if not is_weight(name):
            continue
        scope, param = name.split("/")[-2:]
        if scope not in TF_TO_TORCH or param not in TF_PARAM:
            raise BundleFormatError(f"unexpected variable {name}")
        module = TF_TO_TORCH[scope]
        out[f"{module}.{TF_PARAM[param]}"] = np.ascontiguousarray(
            torch_layout(module, value), dtype=np.float32)
    return out


def wheel_labels(wheel_dir: Path, name: str) -> list[str]:
    """A tag list (MSD_LABELS / MTT_LABELS) from the wheel's configuration.py, without running it."""
    tree = ast.parse((wheel_dir / "configuration.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == name for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise BundleFormatError(f"{name} not found in {wheel_dir / 'configuration.py'}")


def convert_model(wheel_dir: Path, model: str, out_dir: Path) -> Path:
    """Write resources/models/musicnn-<msd|mtt>.safetensors from one checkpoint folder."""
    from safetensors.numpy import save_file

    tensors = read_checkpoint(wheel_dir / model)  # the files have an empty stem: ".index"
    state = convert(tensors)
    labels = wheel_labels(wheel_dir, f"{model.split('_')[0]}_LABELS")
    meta = {"format": "genrelens-musicnn-1", "source": f"musicnn==0.1.0 {model}",
            "labels": json.dumps(labels)}
    target = out_dir / f"musicnn-{model.split('_')[0].lower()}.safetensors"
    save_file(state, str(target), metadata=meta)
    return target


def main(argv: list[str] | None = None) -> int:
    """Command line: convert MSD_musicnn and MTT_musicnn from an unpacked wheel."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel_dir", type=Path, help="the unpacked wheel's musicnn/ folder")
    parser.add_argument("out_dir", type=Path, help="usually resources/models")
    parser.add_argument("--list", action="store_true", help="only list the checkpoint's tensors")
    args = parser.parse_args(argv)
    for model in ("MSD_musicnn", "MTT_musicnn"):
        if args.list:
            for name, value in sorted(read_checkpoint(args.wheel_dir / model).items()):
                print(model, name, value.dtype, value.shape)
            continue
        print("wrote", convert_model(args.wheel_dir, model, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
