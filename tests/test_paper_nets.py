"""The rest of the papers' models on real clips: they learn a tiny set, bundles round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.clip_inputs import clip_rows, descriptor_part
from classifier.training.datasets import load_folder
from classifier.descriptors import N_DESCRIPTORS
from classifier.inputs import ClipSet, decode
from classifier.nets.registry import CS230_INPUT, MEL_DESCRIPTOR_INPUT, get_net
from classifier.scratch_bundle import (
    ScratchBundle,
    load_scratch_bundle,
    save_scratch_bundle,
)
from classifier.training.train import TrainConfig, fit, fit_classical

GENRES = ("classical", "metal")
CLIPS_PER_TRACK = 3
GRADIENT_NETS = ["feature-mlp", "cnn-mlp", "cnn-rnn", "rnn"]


@pytest.fixture(scope="module")
def tiny_inputs(shared_data: Path) -> dict[str, ClipSet]:
    """Per input kind, 3 real clips each of one classical and one metal excerpt."""
    tracks = [t for t in load_folder(shared_data / "gtzan-mini")
              if t.genre in GENRES and t.stem.endswith(".00000")]
    clip_samples = MEL_DESCRIPTOR_INPUT.frames * MEL_DESCRIPTOR_INPUT.hop_length
    packed = {i: clip_rows(decode(t.path, 22050)[: CLIPS_PER_TRACK * clip_samples],
                           MEL_DESCRIPTOR_INPUT) for i, t in enumerate(tracks)}
    y = np.repeat(np.arange(len(tracks)), CLIPS_PER_TRACK)
    x = np.concatenate([packed[i] for i in range(len(tracks))])[:, None]
    mel = x[:, 0, :-N_DESCRIPTORS].reshape(-1, 1, CS230_INPUT.n_bins, CS230_INPUT.frames)
    descriptors = np.concatenate(list(descriptor_part(packed).values()))[:, None]
    return {"mel+descriptors": ClipSet(x, y, y), "mel": ClipSet(mel, y, y),
            "descriptors": ClipSet(descriptors, y, y)}


def _clips(name: str, tiny_inputs: dict[str, ClipSet]) -> ClipSet:
    return tiny_inputs[get_net(name).input_spec.kind]


def _prepared(name: str, clips: ClipSet) -> tuple[torch.nn.Module, float, float]:
    """A fresh net whose input scaling is set as experiment.train_scratch sets it."""
    torch.manual_seed(0)
    model = get_net(name).create(len(GENRES))
    if hasattr(model, "fit_input"):
        model.fit_input(clips.x)
        return model, 0.0, 1.0
    return model, float(clips.x.mean()), float(clips.x.std())


@pytest.mark.parametrize("name", GRADIENT_NETS)
def test_net_overfits_a_tiny_set_of_real_clips(name: str, tiny_inputs) -> None:
    clips = _clips(name, tiny_inputs)
    model, mean, std = _prepared(name, clips)
    config = TrainConfig(epochs=6, batch_size=6, lr=3e-3, seed=0, progress=False)
    losses = [row["train_loss"] for row in fit(model, clips, None, config, mean, std).history]
    assert losses[-1] < losses[0]
    assert model.eval()(torch.from_numpy(clips.x[:2] - mean) / std).shape == (2, len(GENRES))


def test_random_forest_learns_the_tiny_set(tiny_inputs) -> None:
    clips = tiny_inputs["descriptors"]
    model, mean, std = _prepared("random-forest", clips)
    result = fit_classical(model, clips, clips, TrainConfig(epochs=1, batch_size=1, lr=0.0),
                           mean, std)
    assert result.history[0]["train_accuracy"] == 1.0 and result.history[0]["val_accuracy"] == 1.0


@pytest.mark.parametrize("name", [*GRADIENT_NETS, "random-forest"])
def test_bundle_round_trip_gives_identical_outputs(name, tiny_inputs, tmp_path) -> None:
    clips = _clips(name, tiny_inputs)
    model, mean, std = _prepared(name, clips)
    if hasattr(model, "fit_direct"):
        model.fit_direct(clips, seed=0)
    net = get_net(name)
    bundle = ScratchBundle(net=name, model=model.eval(), labels=list(GENRES),
                           input_spec=net.input_spec, mean=mean, std=std)
    save_scratch_bundle(bundle, tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["bundle.json",
                                                                  "model.safetensors"]
    loaded = load_scratch_bundle(tmp_path / "b")
    assert loaded.input_spec == net.input_spec
    before, after = bundle.predict_clips(clips.x), loaded.predict_clips(clips.x)
    np.testing.assert_array_equal(before, after)
    np.testing.assert_allclose(after.sum(axis=1), 1.0, rtol=1e-5)


def test_feature_models_read_the_clips_cs230_cuts() -> None:
    for name in ("feature-mlp", "random-forest", "cnn-mlp"):
        spec = get_net(name).input_spec
        assert (spec.sample_rate, spec.clip_seconds, spec.stride) == (
            CS230_INPUT.sample_rate, CS230_INPUT.clip_seconds, CS230_INPUT.stride)


def test_random_forest_trains_and_evaluates_from_the_command_line(shared_data, tmp_path,
                                                                  capsys) -> None:
    import json

    from main import main

    rows = ["path,genre"] + [f"{shared_data}/gtzan-mini/{g}/{g}.00001.flac,{g}" for g in GENRES]
    (tmp_path / "two.csv").write_text("\n".join(rows) + "\n")
    bundle, db = tmp_path / "forest", str(tmp_path / "lib.sqlite3")
    assert main(["--db", db, "train", "--net", "random-forest", "--data",
                 str(tmp_path / "two.csv"), "--no-progress", "--out", str(bundle)]) == 0
    assert load_scratch_bundle(bundle).info["train_clips"] >= 8  # 2.97 s clips of 15 s+ audio
    assert main(["--db", db, "evaluate", "--bundle", str(bundle), "--data",
                 str(tmp_path / "two.csv")]) == 0
    report = json.loads((bundle / "evaluation" / "evaluation.json").read_text())
    assert report["n_tracks"] == 2 and report["track_accuracy_max_prob"] == 1.0
