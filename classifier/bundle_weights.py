"""Build a bundle's model from its JSON spec and safetensors files; never unpickles anything."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from classifier.nets.heads import (
    HEAD_INPUTS,
    BundleModel,
    EmbeddingHead,
    MusicGate,
    TagMapHead,
    TagsHead,
)
from classifier.nets.musicnn import MusicNN, bf16_supported, int8_exact
from classifier.bundle_spec import (  # re-exported: they lived here
    BundleError as BundleError,
    check_keys as check_keys,
    expect as expect,
    read_json_object as read_json_object,
)
from resources import MODELS_DIR

PICKLE_SUFFIXES = {".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle"}
HEAD_KEYS = {
    "tag_map": ({"type", "genres"}, {"type", "genres"}),
    "tags": ({"type"}, {"type"}),
    "linear": ({"type", "weights", "activation"},
               {"type", "weights", "activation", "temperature", "inputs"}),
    "mlp": ({"type", "weights", "activation"},
            {"type", "weights", "activation", "temperature", "inputs"}),
}
GATE_DIR = "music-gate"  # in resources/models: the music/non-music gate every genre bundle applies
GATE_FILE = "gate.json"
GATE_KEYS = {"format", "name", "version", "description", "backbone", "inputs", "weights",
             "threshold"}
GENRE_KEYS = {"tags", "scale", "bias"}
PRECISION_ENV = "GENRELENS_PRECISION"  # "exact" forces float32 everywhere; "int8" opts in
_LOGGED: set[str] = set()  # precisions chosen so far: each is logged once per process


def bundle_precision() -> str:
    """The timbral-conv precision of bundle backbones: bf16 where native, else float32.

    bfloat16 halves the cost of the timbral convolutions (AMX / AVX512-BF16) and moved genre
    probabilities by at most 6e-3 on the real clips, with every decision unchanged
    (bench/accuracy.py, docs/speed.md). int8 (VNNI) cuts a patch from ~35 to ~19 ms and kept
    all 64 recordings' decisions, but changed 3 of 585 pool clips (one music clip lost, the
    interval reaching -1.5 points: bench/int8_gate.py --pool), so it is opt-in:
    GENRELENS_PRECISION=int8, honoured only where oneDNN's int8 gemm is exact.
    """
    asked = os.environ.get(PRECISION_ENV, "").strip().lower()
    if asked == "exact":
        precision, why = "exact", f"{PRECISION_ENV}=exact"
    elif asked == "int8" and int8_exact():
        precision, why = "int8", f"{PRECISION_ENV}=int8 and oneDNN's int8 gemm is exact (VNNI)"
    elif bf16_supported():
        precision, why = "bf16", "native bfloat16 units"
    elif asked == "int8":
        precision, why = "exact", "int8 asked for, but oneDNN's int8 gemm saturates here"
    else:
        precision, why = "exact", "no native bfloat16 units"
    if precision not in _LOGGED:
        _LOGGED.add(precision)
        logging.getLogger(__name__).debug("timbral convolutions: %s (%s)", precision, why)
    return precision


def weights_path(folder: Path, filename: Any) -> Path:
    """A weights file named in bundle.json: a plain *.safetensors name, bundle folder first."""
    expect(isinstance(filename, str) and filename and Path(filename).name == filename,
           f"{folder}: weights must be a plain file name, got {filename!r}")
    suffix = Path(filename).suffix.lower()
    expect(suffix not in PICKLE_SUFFIXES,
           f"{folder}: {filename} is a pickle-based format; only .safetensors is loaded")
    expect(suffix == ".safetensors", f"{folder}: {filename} is not a .safetensors file")
    for candidate in (folder / filename, MODELS_DIR / filename):
        if candidate.is_file():
            return candidate
    raise BundleError(f"{folder}: weights file {filename} not found there nor in {MODELS_DIR}")


def read_safetensors(path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """Tensors and metadata of a safetensors file, errors as BundleError."""
    from safetensors import SafetensorError, safe_open
    from safetensors.torch import load_file

    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
        return load_file(str(path)), metadata
    except (SafetensorError, OSError, ValueError) as error:
        raise BundleError(f"{path}: not a readable safetensors file ({error})") from None


def load_state(module: nn.Module, tensors: dict[str, torch.Tensor], where: str) -> None:
    """Load tensors into module, requiring exactly its parameter names and shapes."""
    # BatchNorm's training-only step counter is not a weight
    expected = {k: v for k, v in module.state_dict().items()
                if not k.endswith("num_batches_tracked")}
    missing, unknown = expected.keys() - tensors.keys(), tensors.keys() - expected.keys()
    expect(not missing, f"{where}: missing tensors {', '.join(sorted(missing)[:5])}")
    expect(not unknown, f"{where}: unexpected tensors {', '.join(sorted(unknown)[:5])}")
    for name, tensor in sorted(tensors.items()):
        expect(tensor.shape == expected[name].shape, f"{where}: {name} has shape "
               f"{tuple(tensor.shape)}, expected {tuple(expected[name].shape)}")
    module.load_state_dict({name: t.float() for name, t in tensors.items()}, strict=False)


def load_musicnn(path: Path) -> tuple[MusicNN, list[str]]:
    """A musicnn backbone and its tag names from a converted safetensors file."""
    tensors, metadata = read_safetensors(path)
    try:
        tags = json.loads(metadata["labels"])
    except (KeyError, json.JSONDecodeError):
        raise BundleError(f"{path}: metadata has no JSON 'labels' list") from None
    expect(isinstance(tags, list) and all(isinstance(t, str) for t in tags) and tags,
           f"{path}: metadata 'labels' must be a list of tag names")
    model = MusicNN(len(tags))
    load_state(model, tensors, str(path))
    return model.eval().requires_grad_(False).drop_negligible_weights(), tags


def tag_map_head(head: dict, labels: list[str], tag_lists: dict[str, list[str]],
                 where: str) -> TagMapHead:
    """The broad bundle's head: per-genre tag lists and Platt calibration (scale, bias)."""
    genres = head["genres"]
    expect(isinstance(genres, dict) and list(genres) == labels,
           f"{where}: genres must list exactly the labels, in order")
    sources = list(tag_lists)
    masks = [torch.zeros(len(labels), len(tag_lists[s]), dtype=torch.bool) for s in sources]
    scale, bias = torch.zeros(len(labels)), torch.zeros(len(labels))
    for g, label in enumerate(labels):
        genre, at = genres[label], f"{where}: genre {label!r}"
        check_keys(genre, GENRE_KEYS, GENRE_KEYS, at)
        check_keys(genre["tags"], set(), set(sources), f"{at} tags")
        expect(bool(genre["tags"]), f"{at}: maps no tags")
        for source, tags in genre["tags"].items():
            expect(isinstance(tags, list), f"{at}: tags of {source} must be a list")
            s = sources.index(source)
            for tag in tags:
                expect(tag in tag_lists[source], f"{at}: backbone {source} has no tag {tag!r}")
                masks[s][g, tag_lists[source].index(tag)] = True
        expect(all(isinstance(genre[k], (int, float)) for k in ("scale", "bias")),
               f"{at}: scale and bias must be numbers")
        scale[g], bias[g] = float(genre["scale"]), float(genre["bias"])
    return TagMapHead(masks, scale, bias)


def tags_head(spec: dict, tag_lists: dict[str, list[str]], where: str) -> TagsHead:
    """The "tags" head: one backbone's own sigmoid tags as a multi-label bundle's outputs."""
    expect(len(tag_lists) == 1, f"{where}: a tags head takes exactly one backbone")
    expect(spec.get("multi_label") is True, f"{where}: a tags head needs \"multi_label\": true")
    (name, tags), = tag_lists.items()
    expect(spec["labels"] == tags, f"{where}: labels must be backbone {name}'s {len(tags)} tags, "
           "in its order")
    return TagsHead()


def head_inputs(raw: Any, widths: dict[str, int], where: str) -> tuple[tuple[str, ...], int]:
    """The head's input parts (embedding and/or tag_logits, distinct, in order) and their width."""
    expect(isinstance(raw, list) and raw and len(set(map(str, raw))) == len(raw)
           and all(name in HEAD_INPUTS for name in raw),
           f"{where}: inputs must be a list of distinct names from {', '.join(HEAD_INPUTS)}")
    return tuple(raw), sum(widths[name] for name in raw)


def embedding_head(folder: Path, head: dict, n_labels: int, widths: dict[str, int],
                   where: str) -> EmbeddingHead:
    """A trained linear or MLP head whose weights are in a safetensors file."""
    expect(head["activation"] in ("softmax", "sigmoid"), f"{where}: activation must be "
           "softmax or sigmoid")
    inputs, width = head_inputs(head.get("inputs", ["embedding"]), widths, where)
    temperature = head.get("temperature", 1.0)
    expect(isinstance(temperature, (int, float)) and temperature > 0,
           f"{where}: temperature must be a positive number")
    tensors, _ = read_safetensors(weights_path(folder, head["weights"]))
    if head["type"] == "linear":
        layers = nn.Sequential()
        layers.add_module("out", nn.Linear(width, n_labels))
    else:
        hidden = tensors.get("hidden.weight", torch.empty(0, 0)).shape[0]
        expect(hidden > 0, f"{where}: mlp weights need hidden.weight")
        layers = nn.Sequential()
        layers.add_module("hidden", nn.Linear(width, hidden))
        layers.add_module("relu", nn.ReLU())
        layers.add_module("out", nn.Linear(hidden, n_labels))
    load_state(layers, tensors, f"{where} weights")
    return EmbeddingHead(layers.eval().requires_grad_(False), head["activation"],
                         float(temperature),
                         inputs)


def read_gate_spec(folder: Path) -> dict:
    """gate.json of the music gate, checked."""
    file = folder / GATE_FILE
    spec = read_json_object(file)
    check_keys(spec, GATE_KEYS, GATE_KEYS, str(file))
    expect(spec["format"] == 1, f"{file}: format {spec['format']!r} is not supported (want 1)")
    threshold = spec["threshold"]
    expect(isinstance(threshold, (int, float)) and 0 < threshold < 1,
           f"{file}: threshold must be a number in (0, 1)")
    check_keys(spec["backbone"], {"name", "weights"}, {"name", "weights"}, f"{file}: backbone")
    return spec


def load_gate(folder: Path | None = None) -> tuple[MusicGate, float, Path]:
    """The music gate, its threshold on a track's mean music probability, its backbone file."""
    folder = folder or MODELS_DIR / GATE_DIR
    spec, where = read_gate_spec(folder), str(folder / GATE_FILE)
    backbone = weights_path(folder, spec["backbone"]["weights"])
    tags = load_musicnn(backbone)[1]
    inputs, width = head_inputs(spec["inputs"], {"embedding": 200, "tag_logits": len(tags)}, where)
    tensors, _ = read_safetensors(weights_path(folder, spec["weights"]))
    out = nn.Linear(width, 1)
    load_state(out, tensors, f"{where} weights")
    gate = MusicGate(out.eval().requires_grad_(False), inputs)
    return gate, float(spec["threshold"]), backbone





def build_model(folder: Path, spec: dict) -> BundleModel:
    """The bundle's whole model: backbones then head, ready for inference."""
    where = str(folder / "bundle.json")
    backbones = spec["backbones"]
    expect(isinstance(backbones, list) and backbones,
           f"{where}: backbones must be a non-empty list")
    nets, tag_lists, files, precision = [], {}, [], bundle_precision()
    for i, backbone in enumerate(backbones):
        check_keys(backbone, {"name", "weights"}, {"name", "weights"}, f"{where}: backbones[{i}]")
        files.append(weights_path(folder, backbone["weights"]))
        net, tags = load_musicnn(files[-1])
        nets.append(net.set_precision(precision))
        tag_lists[backbone["name"]] = tags
    head = spec["head"]
    expect(isinstance(head, dict) and head.get("type") in HEAD_KEYS,
           f"{where}: head type must be one of {', '.join(HEAD_KEYS)}")
    check_keys(head, *HEAD_KEYS[head["type"]], f"{where}: head")
    if head["type"] == "tag_map":
        module: nn.Module = tag_map_head(head, spec["labels"], tag_lists, f"{where}: head")
    elif head["type"] == "tags":
        module = tags_head(spec, tag_lists, where)
    else:
        expect(len(nets) == 1, f"{where}: a {head['type']} head takes exactly one backbone")
        widths = {"embedding": nets[0].dense.out_features,
                  "tag_logits": nets[0].output.out_features}
        module = embedding_head(folder, head, len(spec["labels"]), widths, f"{where}: head")
    if spec.get("multi_label", False):
        return BundleModel(nets, module).eval()  # tags, not genres: nothing to gate
    gate, threshold, gate_file = load_gate()
    head_backbones = len(nets)
    if gate_file.resolve() not in [f.resolve() for f in files]:
        nets.append(load_musicnn(gate_file)[0].set_precision(precision))  # the gate's own
        files.append(gate_file)
    index = [f.resolve() for f in files].index(gate_file.resolve())
    return BundleModel(nets, module, gate, index, head_backbones, threshold).eval()
