"""Bundles: the shipped default loads and runs; every kind of broken bundle is refused clearly."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from classifier import bundle_spec
from classifier.bundle import (
    DEFAULT_BUNDLE,
    BundleError,
    load_bundle,
    read_spec,
)
from classifier.bundles import list_bundles
from resources import MODELS_DIR

FIXTURE = Path(__file__).parent / "fixtures" / "musicnn_reference.npz"
BROAD = MODELS_DIR / DEFAULT_BUNDLE
LEGACY = Path(__file__).parents[1] / "bench" / "legacy" / "broad-1.0"  # the 1.0 tag map


@pytest.fixture(scope="module")
def broad():
    return load_bundle(DEFAULT_BUNDLE)


@pytest.fixture
def user_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "user-bundles"
    folder.mkdir()
    monkeypatch.setattr(bundle_spec, "user_bundles_dir", lambda: folder)  # find_bundle reads
    return folder


def write_bundle(folder: Path, source: Path = BROAD, **changes) -> Path:
    """A copy of the broad bundle.json (and its head) with top-level changes (None deletes)."""
    spec = json.loads((source / "bundle.json").read_text())
    folder.mkdir(parents=True, exist_ok=True)
    if (source / "head.safetensors").is_file() and not (folder / "head.safetensors").exists():
        shutil.copy(source / "head.safetensors", folder)
    for key, value in changes.items():
        if value is None:
            spec.pop(key)
        else:
            spec[key] = value
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "bundle.json").write_text(json.dumps(spec))
    return folder


def test_default_bundle_has_broad_genres_and_musicnn_preprocessing(broad) -> None:
    assert broad.name == "broad" and broad.version == "2.0.0" and len(broad.labels) == 16
    assert {"Rock", "Jazz", "Classical", "Hip-Hop", "Metal", "Reggae", "Disco", "Funk", "Punk",
            "R&B/Soul", "Ambient", "Folk"} <= set(broad.labels)
    assert len(broad.model.backbones) == 1  # MSD only: the gate shares it
    assert 0 < broad.music_threshold < 1
    assert not {"female vocalists", "80s", "sad", "guitar"} & set(broad.labels)
    prep = broad.preprocessing
    assert (prep.sample_rate, prep.n_fft, prep.hop_length, prep.n_mels, prep.patch_frames) == (
        16000, 512, 256, 96, 187)
    assert 0 < broad.uncertain_threshold < 1


def test_default_bundle_model_maps_patches_to_genres_and_embedding(broad) -> None:
    with np.load(FIXTURE) as data:
        mel, msd_embedding = torch.from_numpy(data["inputs"]), data["msd_embedding"]
        clips = list(data["clips"])
    with torch.inference_mode():
        probs, embedding, music = broad.model.outputs(mel)
    assert probs.shape == (4, 16) and embedding.shape == (4, 200) and music.shape == (4,)
    # bfloat16 timbral convs (where the CPU has them) move the embedding ~1%, int8 (opt-in,
    # VNNI) by up to 0.077 on these 4 clips (docs/speed.md)
    precision = broad.model.backbones[0].timbral_74.precision
    bound = {"exact": 1e-4, "bf16": 0.05, "int8": 0.1}[precision]
    assert np.abs(embedding.numpy() - msd_embedding).max() <= bound
    verdicts = dict(zip(clips, (broad.decide(p, float(m)) for p, m in zip(probs, music))))
    assert verdicts["gtzan-mini/classical/classical.00001.flac"] == "Classical"
    assert verdicts["gtzan-mini/hiphop/hiphop.00002.flac"] == "Hip-Hop"
    assert verdicts["cc-music/198-209-0000.ogg"] is None  # speech
    speech = clips.index("cc-music/198-209-0000.ogg")
    rock = clips.index("gtzan-mini/rock/rock.00000.flac")
    assert music[speech] < broad.music_threshold < music[rock]


def test_legacy_tag_map_spec_still_loads_with_the_gate() -> None:
    legacy = load_bundle(LEGACY)
    assert legacy.name == "broad" and legacy.version == "1.0.0" and len(legacy.labels) == 15
    assert legacy.music_threshold is not None  # every genre bundle is gated
    with torch.inference_mode():
        probs, _, music = legacy.model.outputs(torch.rand(2, 187, 96))
    assert probs.shape == (2, 15) and music.shape == (2,)


def test_a_genre_bundle_without_msd_gets_an_msd_backbone_for_the_gate(tmp_path: Path) -> None:
    save_file({"out.weight": torch.randn(2, 200), "out.bias": torch.zeros(2)},
              str(tmp_path / "head.safetensors"))
    write_bundle(tmp_path, name="mtt-only", labels=["A", "B"],
                 backbones=[{"name": "mtt", "weights": "musicnn-mtt.safetensors"}],
                 head={"type": "linear", "weights": "head.safetensors", "activation": "softmax"})
    model = load_bundle(tmp_path).model
    assert len(model.backbones) == 2 and model.gate_backbone == 1 and model.head_backbones == 1
    with torch.inference_mode():
        probs, _, music = model.outputs(torch.rand(1, 187, 96))
    assert probs.shape == (1, 2) and music.shape == (1,)


def test_tags_bundle_is_not_gated() -> None:
    tags = load_bundle("tags")
    assert tags.multi_label and tags.music_threshold is None and tags.model.gate is None


def test_head_over_embedding_and_tag_logits(tmp_path: Path) -> None:
    save_file({"out.weight": torch.randn(3, 250), "out.bias": torch.zeros(3)},
              str(tmp_path / "both.safetensors"))
    write_bundle(tmp_path, name="both", labels=["A", "B", "C"],
                 head={"type": "linear", "weights": "both.safetensors", "activation": "softmax",
                       "inputs": ["embedding", "tag_logits"]})
    with torch.inference_mode():
        probs, _ = load_bundle(tmp_path).model(torch.rand(2, 187, 96))
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))

def test_decide_says_uncertain_below_the_threshold(broad) -> None:
    low = [broad.uncertain_threshold / 2] * len(broad.labels)
    high = list(low)
    high[3] = broad.uncertain_threshold + 0.01
    assert broad.decide(low) is None
    assert broad.decide(high) == broad.labels[3]


def test_list_bundles_lists_default_and_skips_broken_user_bundles(user_dir: Path) -> None:
    write_bundle(user_dir / "mine", name="mine")
    (user_dir / "broken").mkdir()
    (user_dir / "broken" / "bundle.json").write_text("{not json")
    names = [info.name for info in list_bundles()]
    assert names[0] == "broad" and "mine" in names and "broken" not in names


def test_user_bundle_loads_by_name_sharing_the_shipped_backbones(user_dir: Path) -> None:
    write_bundle(user_dir / "mine", name="mine", uncertain_threshold=0.5)
    loaded = load_bundle("mine")
    assert loaded.name == "mine" and loaded.uncertain_threshold == 0.5


def test_linear_head_bundle_over_the_embedding(tmp_path: Path) -> None:
    labels = ["A", "B", "C"]
    save_file({"out.weight": torch.randn(3, 200), "out.bias": torch.zeros(3)},
              str(tmp_path / "head.safetensors"))
    write_bundle(tmp_path, name="lin", labels=labels,
                 backbones=[{"name": "msd", "weights": "musicnn-msd.safetensors"}],
                 head={"type": "linear", "weights": "head.safetensors", "activation": "softmax"})
    loaded = load_bundle(tmp_path)
    with torch.inference_mode():
        probs, embedding = loaded.model(torch.rand(2, 187, 96))
    assert probs.shape == (2, 3) and embedding.shape == (2, 200)
    torch.testing.assert_close(probs.sum(dim=1), torch.ones(2))


def test_mlp_head_bundle(tmp_path: Path) -> None:
    save_file({"hidden.weight": torch.randn(32, 200), "hidden.bias": torch.zeros(32),
               "out.weight": torch.randn(2, 32), "out.bias": torch.zeros(2)},
              str(tmp_path / "mlp.safetensors"))
    write_bundle(tmp_path, name="mlp", labels=["X", "Y"],
                 backbones=[{"name": "msd", "weights": "musicnn-msd.safetensors"}],
                 head={"type": "mlp", "weights": "mlp.safetensors", "activation": "sigmoid",
                       "temperature": 2.0})
    with torch.inference_mode():
        probs, _ = load_bundle(tmp_path).model(torch.rand(1, 187, 96))
    assert probs.shape == (1, 2)


def broken_cases(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (bundle folder, expected message fragment)."""
    (tmp / "nojson").mkdir()
    (tmp / "badjson").mkdir()
    (tmp / "badjson" / "bundle.json").write_text("{")
    wrong = tmp / "wrongshape"
    save_file({"out.weight": torch.randn(4, 200), "out.bias": torch.zeros(4)},
              str(write_bundle(wrong, labels=["A", "B"],
                               backbones=[{"name": "msd", "weights": "musicnn-msd.safetensors"}],
                               head={"type": "linear", "weights": "h.safetensors",
                                     "activation": "softmax"}) / "h.safetensors"))
    pickled = write_bundle(tmp / "pickle", labels=["A"],
                           backbones=[{"name": "msd", "weights": "model.pt"}])
    torch.save({"x": torch.zeros(1)}, pickled / "model.pt")
    (tmp / "garbage").mkdir()
    (tmp / "garbage" / "junk.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{}")
    head = json.loads((LEGACY / "bundle.json").read_text())["head"]
    head["genres"]["Rock"]["tags"]["msd"].append("polka")
    narrow = tmp / "narrow"  # a 200-wide head where inputs promise embedding + tag logits
    save_file({"out.weight": torch.randn(2, 200), "out.bias": torch.zeros(2)},
              str(write_bundle(narrow, labels=["A", "B"], head={
                  "type": "linear", "weights": "n.safetensors", "activation": "softmax",
                  "inputs": ["embedding", "tag_logits"]}) / "n.safetensors"))
    shipped_head = json.loads((BROAD / "bundle.json").read_text())["head"]
    return {
        "missing": (tmp / "nojson", "missing"),
        "bad json": (tmp / "badjson", "not readable JSON"),
        "unknown key": (write_bundle(tmp / "unknown", colour="blue"), "unknown key(s) colour"),
        "missing key": (write_bundle(tmp / "nolabels", labels=None), "missing labels"),
        "format": (write_bundle(tmp / "fmt", format=2), "format 2"),
        "threshold": (write_bundle(tmp / "thr", uncertain_threshold=3), "uncertain_threshold"),
        "preprocessing": (write_bundle(tmp / "prep", preprocessing={"sample_rate": 22050}),
                          "preprocessing: missing"),
        "wrong shape": (wrong, "out.bias has shape (4,), expected (2,)"),
        "pickle": (pickled, "pickle-based"),
        "traversal": (write_bundle(tmp / "trav", backbones=[
            {"name": "msd", "weights": "../musicnn-msd.safetensors"}]), "plain file name"),
        "not safetensors": (write_bundle(tmp / "garbage", backbones=[
            {"name": "msd", "weights": "junk.safetensors"}]), "not a readable safetensors"),
        "unknown tag": (write_bundle(tmp / "tag", LEGACY, head=head), "no tag 'polka'"),
        "head inputs": (write_bundle(tmp / "inputs", head={**shipped_head, "inputs": ["spectrum"]}),
                        "inputs must be a list"),
        "input width": (narrow, "out.weight has shape (2, 200), expected (2, 250)"),
        "early exit keys": (write_bundle(tmp / "early1", early_exit={"clips": 2}),
                            "early_exit: must be an object with clips, confidence, music, of"),
        "early exit range": (write_bundle(tmp / "early2", early_exit={
            "clips": 3, "of": 3, "confidence": 0.5, "music": 0.5}), "early_exit: invalid"),
        "early exit type": (write_bundle(tmp / "early3", early_exit={
            "clips": 2.5, "of": 3, "confidence": 0.5, "music": 0.5}), "whole numbers"),
    }


def test_every_broken_bundle_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    for name, (folder, fragment) in broken_cases(tmp_path).items():
        with pytest.raises(BundleError) as caught:
            load_bundle(folder)
        assert fragment in str(caught.value), name


def test_unknown_bundle_name_says_where_it_looked(user_dir: Path) -> None:
    with pytest.raises(BundleError, match="not found.*searched"):
        load_bundle("no-such-bundle")


def test_shipped_spec_reads_without_loading_weights() -> None:
    assert read_spec(BROAD)["head"]["inputs"] == ["embedding", "tag_logits"]
    spec = read_spec(LEGACY)
    assert spec["labels"] == list(spec["head"]["genres"])


def broken_gates(tmp: Path) -> dict[str, tuple[Path, str]]:
    """name -> (gate folder, expected message fragment)."""
    gate_dir = MODELS_DIR / "music-gate"
    spec = json.loads((gate_dir / "gate.json").read_text())

    def gate(name: str, data: bytes | None = None, **changes) -> Path:
        folder = tmp / name
        folder.mkdir()
        (folder / "gate.json").write_text(json.dumps({**spec, **changes}))
        shutil.copy(gate_dir / "gate.safetensors", folder)
        if data is not None:
            (folder / "gate.safetensors").write_bytes(data)
        return folder

    wide = tmp / "wide.safetensors"
    save_file({"weight": torch.randn(1, 200), "bias": torch.zeros(1)}, str(wide))
    pickled = gate("pickled", weights="gate.pt")
    torch.save({"weight": torch.zeros(1)}, pickled / "gate.pt")
    (tmp / "nothing").mkdir()
    return {
        "missing": (tmp / "nothing", "gate.json: missing"),
        "threshold": (gate("thr", threshold=1.5), "threshold must be a number in (0, 1)"),
        "unknown key": (gate("key", colour="red"), "unknown key(s) colour"),
        "garbage": (gate("junk", b"\x10\x00\x00\x00\x00\x00\x00\x00{}"),
                    "not a readable safetensors"),
        "wrong width": (gate("width", wide.read_bytes()), "expected (1, 250)"),
        "pickle": (pickled, "pickle-based"),
    }


def test_every_broken_gate_is_refused_with_a_clear_error(tmp_path: Path) -> None:
    from classifier.bundle_weights import load_gate

    for name, (folder, fragment) in broken_gates(tmp_path).items():
        with pytest.raises(BundleError) as caught:
            load_gate(folder)
        assert fragment in str(caught.value), name


def test_precision_can_be_forced_to_exact(monkeypatch: pytest.MonkeyPatch) -> None:
    from classifier.bundle_weights import PRECISION_ENV, bundle_precision
    from classifier.nets.musicnn import bf16_supported

    monkeypatch.setenv(PRECISION_ENV, "exact")
    assert bundle_precision() == "exact"
    monkeypatch.delenv(PRECISION_ENV)
    assert bundle_precision() == ("bf16" if bf16_supported() else "exact")


def test_int8_only_when_asked_and_where_its_gemm_is_exact(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """int8 is opt-in (GENRELENS_PRECISION=int8) and refused where oneDNN's int8 saturates."""
    from classifier import bundle_weights

    monkeypatch.setattr(bundle_weights, "bf16_supported", lambda: False)
    monkeypatch.setattr(bundle_weights, "int8_exact", lambda: True)
    monkeypatch.delenv(bundle_weights.PRECISION_ENV, raising=False)
    assert bundle_weights.bundle_precision() == "exact"  # not by default
    monkeypatch.setenv(bundle_weights.PRECISION_ENV, "int8")
    assert bundle_weights.bundle_precision() == "int8"
    monkeypatch.setattr(bundle_weights, "int8_exact", lambda: False)
    assert bundle_weights.bundle_precision() == "exact"
    monkeypatch.setattr(bundle_weights, "bf16_supported", lambda: True)
    assert bundle_weights.bundle_precision() == "bf16"


def test_forced_avx2_path_runs_float32() -> None:
    """Restricted to AVX2 (as issue #24 measures an ordinary desktop), oneDNN's int8 gemm
    saturates and bf16 is not native: bundles run the float32 im2col path, int8 asked or not."""
    import subprocess
    import sys

    env = {**os.environ, "ONEDNN_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2",
           "GENRELENS_PRECISION": "int8"}
    code = ("from classifier.bundle_weights import bundle_precision as p; "
            "from classifier.nets.musicnn import int8_exact as i; print(p(), i())")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[1])
    assert out.stdout.split() == ["exact", "False"]


def test_one_opener_and_lister_for_every_kind(user_dir: Path) -> None:
    """A `train` bundle, a learned head and the tagger open through open_bundle as GenreModels
    and show in list_bundles with their kind; an unknown kind is refused by name."""
    from classifier.bundles import open_bundle
    from tests.test_scratch_classify import scratch_bundle

    scratch_bundle("feature-mlp", user_dir / "mlp")
    write_bundle(user_dir / "mine", name="mine")
    kinds = {info.name: info.kind for info in list_bundles()}
    assert kinds["mlp"] == "scratch" and kinds["mine"] == kinds["broad"] == "pretrained"
    for name, kind, multi_label in (("mlp", "scratch", False), ("mine", "pretrained", False),
                                    ("tags", "pretrained", True)):
        model = open_bundle(name)
        assert (model.name, model.kind, model.multi_label) == (name, kind, multi_label)
        assert model.with_threshold(0.7).uncertain_threshold == 0.7
    write_bundle(user_dir / "odd", name="odd", kind="hologram")
    with pytest.raises(BundleError, match="unknown bundle kind 'hologram'"):
        open_bundle("odd")
    assert "odd" not in [info.name for info in list_bundles()]
