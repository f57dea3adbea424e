"""The from-scratch networks by name: constructor, input spec and the paper's training recipe."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from classifier.inputs import InputSpec
from classifier.nets.cnn_mlp import CNNMLP
from classifier.nets.crnn import CNNRNN, BiGRU
from classifier.nets.cs230 import CS230CNN
from classifier.nets.feature_mlp import FeatureMLP
from classifier.nets.forest import RandomForest
from classifier.nets.schindler import SchindlerCNN

CS230_INPUT = InputSpec(kind="mel", sample_rate=22050, hop_length=512, n_bins=128, frames=128,
                        stride=128, n_fft=2048)  # 128 frames × 512 / 22050 Hz ≈ 2.97 s
SCHINDLER_MEL = InputSpec(kind="mel", sample_rate=22050, hop_length=256, n_bins=80, frames=80,
                          stride=80, n_fft=1024)  # 80 × 256 / 22050 Hz ≈ 0.93 s
SCHINDLER_CQT = InputSpec(kind="cqt", sample_rate=22050, hop_length=256, n_bins=84, frames=80,
                          stride=80)  # 7 octaves × 12 bins from C1


@dataclass(frozen=True)
class Recipe:
    """The optimiser settings a paper trained with (Adam, cross-entropy)."""

    lr: float
    batch_size: int
    epochs: int
    l1: float = 0.0
    l2: float = 0.0
    lr_decay: float = 1.0  # multiplied into the learning rate after every epoch


@dataclass(frozen=True)
class NetSpec:
    """One registered network: how to build it, what it eats, how its paper trained it."""

    name: str
    description: str
    build: Callable[..., nn.Module]
    input_spec: InputSpec
    recipe: Recipe
    config: Mapping[str, Any] = field(default_factory=dict)

    def create(self, n_classes: int, **overrides: Any) -> nn.Module:
        """A freshly initialised network for `n_classes` genres."""
        config = {**self.config, **overrides}
        spec = self.input_spec
        return self.build(n_classes, n_bins=spec.n_bins, frames=spec.frames, **config)


CS230_RECIPE = Recipe(lr=1e-3, batch_size=512, epochs=10, l2=0.0019)
# Schindler et al.: Adam lr 5e-5; batch size and L1 weight as in the public reproductions.
SCHINDLER_RECIPE = Recipe(lr=5e-5, batch_size=32, epochs=100, l1=1e-4)
# The reproduction's extension: exponential learning-rate decay (here per epoch).
SCHINDLER_DECAY_RECIPE = Recipe(lr=5e-5, batch_size=32, epochs=100, l1=1e-4, lr_decay=0.97)


def _schindler(depth: str, kind: str, decay: bool) -> NetSpec:
    spec = SCHINDLER_MEL if kind == "mel" else SCHINDLER_CQT
    suffix = ("-cqt" if kind == "cqt" else "") + ("-decay" if decay else "")
    return NetSpec(
        name=f"schindler-{depth}{suffix}",
        description=f"Schindler et al. 2016 {depth} two-pipeline CNN on {kind} clips"
        + (", exponential lr decay" if decay else ""),
        build=SchindlerCNN,
        input_spec=spec,
        recipe=SCHINDLER_DECAY_RECIPE if decay else SCHINDLER_RECIPE,
        config={"depth": depth},
    )


NETS: dict[str, NetSpec] = {
    spec.name: spec
    for spec in [
        NetSpec("cs230", "CS230 CNN: 4 small convolutions on 128×128 log-mel, 3 s clips",
                CS230CNN, CS230_INPUT, CS230_RECIPE),
        *(_schindler(d, k, decay) for d in ("shallow", "deep") for k in ("mel", "cqt")
          for decay in (False, True)),
    ]
}

# The feature models read the 57 descriptors of the same 2.97 s clips CS230 cuts (n_bins = 57);
# the CNN-MLP reads that log-mel clip and its descriptors packed in one row (clip_inputs.py).
DESCRIPTOR_INPUT = InputSpec(kind="descriptors", sample_rate=22050, hop_length=512, n_bins=57,
                             frames=128, stride=128)
MEL_DESCRIPTOR_INPUT = InputSpec(kind="mel+descriptors", sample_rate=22050, hop_length=512,
                                 n_bins=128, frames=128, stride=128, n_fft=2048)
# Adam 1e-3, batch 32: the common Keras set-up of the GTZAN-feature and LSE notebooks.
FEATURE_RECIPE = Recipe(lr=1e-3, batch_size=32, epochs=100)
LSE_RECIPE = Recipe(lr=1e-3, batch_size=32, epochs=30)
FOREST_RECIPE = Recipe(lr=0.0, batch_size=1, epochs=1)  # grown in one go (fit_classical)

NETS.update({
    spec.name: spec
    for spec in [
        NetSpec("feature-mlp", "MLP 57→64→32→16→genres over the 57 GTZAN descriptors, dropout",
                FeatureMLP, DESCRIPTOR_INPUT, FEATURE_RECIPE),
        NetSpec("random-forest", "random forest (200 trees) over the 57 GTZAN descriptors",
                RandomForest, DESCRIPTOR_INPUT, FOREST_RECIPE),
        NetSpec("cnn-mlp", "LSE CNN-MLP: log-mel CNN + descriptor MLP, 100 + 100 → dense",
                CNNMLP, MEL_DESCRIPTOR_INPUT, LSE_RECIPE),
        NetSpec("cnn-rnn", "LSE CNN-RNN: conv features per time step → 2 stacked GRUs",
                CNNRNN, CS230_INPUT, LSE_RECIPE),
        NetSpec("rnn", "bidirectional-GRU baseline (2 layers) over log-mel frames",
                BiGRU, CS230_INPUT, LSE_RECIPE),
    ]
})


def get_net(name: str) -> NetSpec:
    """The registered network `name`; KeyError lists the known names."""
    try:
        return NETS[name]
    except KeyError:
        raise KeyError(f"unknown network {name!r}; known: {', '.join(sorted(NETS))}") from None
