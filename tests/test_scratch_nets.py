"""The from-scratch nets on real clips: right shapes, they learn a tiny set, bundles round-trip."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from classifier.training.datasets import load_folder
from classifier.inputs import ClipSet, InputSpec, clip_set
from classifier.training.experiment import compute_features
from classifier.nets.registry import NETS, get_net
from classifier.scratch_bundle import (
    ScratchBundle,
    ScratchBundleError,
    load_scratch_bundle,
    save_scratch_bundle,
)
from classifier.training.train import TrainConfig, fit, load_checkpoint

# One per architecture × input; the "-decay" twins differ only in their training recipe.
ARCHITECTURES = ["cs230", "schindler-shallow", "schindler-deep", "schindler-shallow-cqt",
                 "schindler-deep-cqt"]
GENRES = ("classical", "metal")


@pytest.fixture(scope="module")
def tiny_clips(shared_data: Path):
    """Per input spec: 4 real clips each of one classical and one metal excerpt."""
    tracks = [t for t in load_folder(shared_data / "gtzan-mini")
              if t.genre in GENRES and t.stem.endswith(".00000")]
    cache: dict[InputSpec, ClipSet] = {}

    def clips_for(spec: InputSpec) -> ClipSet:
        if spec not in cache:
            features = compute_features([t.path for t in tracks], spec)
            targets = {i: GENRES.index(t.genre) for i, t in enumerate(tracks)}
            full = clip_set(features, range(len(tracks)), targets, spec)
            keep = np.concatenate([np.flatnonzero(full.track == i)[:4] for i in range(len(tracks))])
            cache[spec] = ClipSet(full.x[keep], full.y[keep], full.track[keep])
        return cache[spec]

    return clips_for


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_net_maps_its_input_spec_to_one_logit_per_genre(name: str) -> None:
    net = get_net(name)
    spec = net.input_spec
    model = net.create(7).eval()
    assert model(torch.zeros(3, 1, spec.n_bins, spec.frames)).shape == (3, 7)


@pytest.mark.parametrize("name", ARCHITECTURES)
def test_net_overfits_a_tiny_set_of_real_clips(name: str, tiny_clips) -> None:
    net = get_net(name)
    clips = tiny_clips(net.input_spec)
    assert clips.x.shape == (8, 1, net.input_spec.n_bins, net.input_spec.frames)
    model = net.create(len(GENRES))
    config = TrainConfig(epochs=4, batch_size=8, lr=1e-3, l1=net.recipe.l1, l2=net.recipe.l2,
                         seed=0, progress=False)
    result = fit(model, clips, None, config, mean=float(clips.x.mean()), std=float(clips.x.std()))
    losses = [row["train_loss"] for row in result.history]
    assert losses[-1] < losses[0]


def test_registry_knows_the_papers_recipes() -> None:
    assert get_net("cs230").recipe.batch_size == 512 and get_net("cs230").recipe.l2 == 0.0019
    assert get_net("schindler-deep").recipe.lr == 5e-5
    assert get_net("schindler-shallow-cqt-decay").recipe.lr_decay < 1.0
    assert get_net("schindler-deep-cqt").input_spec.n_bins == 84
    assert len([n for n in NETS if n.startswith(("cs230", "schindler"))]) == 9
    with pytest.raises(KeyError, match="known: .*cs230"):
        get_net("alexnet")


def _bundle(name: str, clips: ClipSet) -> ScratchBundle:
    net = get_net(name)
    torch.manual_seed(1)
    return ScratchBundle(net=name, model=net.create(2).eval(), labels=list(GENRES),
                         input_spec=net.input_spec, mean=float(clips.x.mean()),
                         std=float(clips.x.std()), info={"note": "test"})


@pytest.mark.parametrize("name", ["cs230", "schindler-deep-cqt"])
def test_bundle_round_trip_gives_identical_probabilities(name, tiny_clips, tmp_path) -> None:
    clips = tiny_clips(get_net(name).input_spec)
    bundle = _bundle(name, clips)
    save_scratch_bundle(bundle, tmp_path / "b")
    loaded = load_scratch_bundle(tmp_path / "b")
    assert (loaded.net, loaded.labels, loaded.input_spec) == (name, list(GENRES), bundle.input_spec)
    before, after = bundle.predict_clips(clips.x), loaded.predict_clips(clips.x)
    np.testing.assert_array_equal(before, after)
    np.testing.assert_allclose(after.sum(axis=1), 1.0, rtol=1e-5)


def test_bundle_of_another_kind_or_with_wrong_weights_is_refused(tiny_clips, tmp_path) -> None:
    bundle = _bundle("schindler-shallow", tiny_clips(get_net("schindler-shallow").input_spec))
    save_scratch_bundle(bundle, tmp_path / "b")
    manifest = (tmp_path / "b" / "bundle.json").read_text()
    (tmp_path / "b" / "bundle.json").write_text(manifest.replace('"scratch"', '"embedding-head"'))
    with pytest.raises(ScratchBundleError, match="not a from-scratch bundle"):
        load_scratch_bundle(tmp_path / "b")
    (tmp_path / "b" / "bundle.json").write_text(
        manifest.replace('"schindler-shallow"', '"schindler-deep"'))
    with pytest.raises(ScratchBundleError, match="cannot load bundle"):
        load_scratch_bundle(tmp_path / "b")


def test_early_stopping_keeps_the_best_epoch_and_its_checkpoint(tiny_clips, tmp_path) -> None:
    net = get_net("schindler-shallow")
    train = tiny_clips(net.input_spec)
    # Validation labels are the training labels swapped: learning the training set can only
    # make validation worse, so epoch 1 stays the best and patience runs out.
    valid = ClipSet(train.x, 1 - train.y, train.track)
    model = net.create(2)
    config = TrainConfig(epochs=8, batch_size=8, lr=1e-3, patience=2, seed=0, progress=False,
                         checkpoint_dir=tmp_path / "ckpt")
    result = fit(model, train, valid, config, mean=float(train.x.mean()), std=float(train.x.std()))
    assert result.stopped_early and result.best_epoch == 1 and len(result.history) == 3
    restored = net.create(2)
    state = load_checkpoint(restored, tmp_path / "ckpt")
    assert state["epoch"] == 1
    x = torch.from_numpy(train.x)
    torch.testing.assert_close(restored.eval()(x), model.eval()(x), rtol=0, atol=0)


def test_same_seed_same_weights(tiny_clips) -> None:
    net = get_net("schindler-shallow")
    clips = tiny_clips(net.input_spec)
    config = TrainConfig(epochs=1, batch_size=4, lr=1e-3, seed=5, progress=False)
    states = []
    for _ in range(2):
        torch.manual_seed(5)
        model = net.create(2)
        fit(model, clips, None, config)
        states.append(model.state_dict())
    assert all(torch.equal(states[0][k], states[1][k]) for k in states[0])


@pytest.mark.parametrize("kernel", [(10, 23), (21, 20), (2, 4), (5, 3)])
def test_explicit_same_padding_matches_torch_same_padding(kernel) -> None:
    import warnings

    from classifier.nets.schindler import _same_padding

    torch.manual_seed(0)
    reference = torch.nn.Conv2d(2, 3, kernel, padding="same")
    explicit = torch.nn.Conv2d(2, 3, kernel)
    explicit.load_state_dict(reference.state_dict())
    x = torch.randn(1, 2, 30, 30)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about even kernels with padding="same"
        expected = reference(x)
    torch.testing.assert_close(explicit(_same_padding(kernel)(x)), expected)
