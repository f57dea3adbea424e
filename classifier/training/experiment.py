"""Glue for experiments with the from-scratch nets: features once, then train/evaluate per split."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from classifier.training.datasets import LabelledTrack, labels_of
from classifier.training.evaluate import EvalReport, evaluate_probabilities
from classifier.clip_inputs import clip_rows
from classifier.inputs import (
    CLIP_LEVEL_KINDS,
    InputError,
    InputSpec,
    clip_set,
    spectrogram,
    usable_audio,
)
from classifier.nets.registry import NetSpec
from classifier.scratch_bundle import ScratchBundle
from classifier.training.train import (
    TrainConfig,
    TrainResult,
    choose_device,
    config_dict,
    fit,
    fit_classical,
    seed_everything,
)


@dataclass
class PreparedData:
    """Tracks with their whole-excerpt spectrograms for one input spec; bad files in `errors`."""

    tracks: list[LabelledTrack]
    spec: InputSpec
    features: dict[int, np.ndarray]
    errors: dict[int, str] = field(default_factory=dict)


def track_features(path: Path, spec: InputSpec) -> np.ndarray:
    """One file's network input: its whole-excerpt spectrogram, or its clip rows for a
    clip-level spec (classifier/clip_inputs.py); InputError when it is unusable."""
    audio = usable_audio(path, spec)
    if spec.kind in CLIP_LEVEL_KINDS:
        return clip_rows(audio, spec)
    return spectrogram(audio, spec)


def compute_features(
    paths: Sequence[Path],
    spec: InputSpec,
    on_error: Callable[[int, str], None] | None = None,
    progress: bool = False,
) -> dict[int, np.ndarray]:
    """Spectrograms by position in `paths`; unusable files are reported and skipped."""
    from tqdm import tqdm

    features: dict[int, np.ndarray] = {}
    for i, path in enumerate(tqdm(paths, desc=f"{spec.kind} features", disable=not progress)):
        try:
            features[i] = track_features(path, spec)
        except InputError as exc:
            if on_error is not None:
                on_error(i, str(exc))
    return features


def prepare(
    tracks: Sequence[LabelledTrack],
    spec: InputSpec,
    indices: Sequence[int] | None = None,
    progress: bool = False,
) -> PreparedData:
    """Compute features for the tracks `indices` (default: all); unreadable ones are recorded
    in `errors` and left out."""
    wanted = sorted(set(range(len(tracks)) if indices is None else indices))
    errors: dict[int, str] = {}
    features = compute_features(
        [tracks[i].path for i in wanted], spec,
        on_error=lambda k, message: errors.__setitem__(wanted[k], message), progress=progress,
    )
    return PreparedData(list(tracks), spec, {wanted[k]: v for k, v in features.items()}, errors)


def recipe_config(net: NetSpec, **overrides: object) -> TrainConfig:
    """The paper's recipe for `net` as a TrainConfig, with run-time overrides (epochs, seed…)."""
    recipe = net.recipe
    config = TrainConfig(epochs=recipe.epochs, batch_size=recipe.batch_size, lr=recipe.lr,
                         l1=recipe.l1, l2=recipe.l2, lr_decay=recipe.lr_decay)
    return replace(config, **{k: v for k, v in overrides.items() if v is not None})


def train_scratch(
    net: NetSpec,
    data: PreparedData,
    train_idx: Sequence[int],
    valid_idx: Sequence[int],
    config: TrainConfig,
) -> tuple[ScratchBundle, TrainResult]:
    """Train `net` on the clips of `train_idx`, early-stopping on those of `valid_idx`."""
    if data.spec != net.input_spec:
        raise ValueError(f"features are for {data.spec}, {net.name} needs {net.input_spec}")
    labels = labels_of(data.tracks[i] for i in train_idx if i in data.features)
    if len(labels) < 2:
        raise ValueError("training needs tracks of at least two genres")
    targets = _targets(data.tracks, [*train_idx, *valid_idx], labels)
    train = clip_set(data.features, [i for i in train_idx if i in targets], targets, data.spec)
    valid = clip_set(data.features, [i for i in valid_idx if i in targets], targets, data.spec)
    # Normalise with statistics of the training clips only: nothing of the test side leaks in.
    mean, std = float(train.x.mean()), float(train.x.std()) or 1.0
    if config.seed is not None:
        seed_everything(config.seed)  # the initial weights are part of what a seed fixes
    model = net.create(len(labels))
    if hasattr(model, "fit_input"):  # the net standardises its own (packed) input rows
        model.fit_input(train.x)
        mean, std = 0.0, 1.0
    trainer = fit_classical if hasattr(model, "fit_direct") else fit  # forests grow in one go
    result = trainer(model, train, valid if len(valid) else None, config, mean=mean, std=std)
    info = {
        "training": config_dict(config),
        "history": result.history,
        "best_epoch": result.best_epoch,
        "stopped_early": result.stopped_early,
        "train_seconds": round(result.seconds, 2),
        "train_tracks": len({int(t) for t in train.track}),
        "train_clips": len(train),
        "valid_tracks": len({int(t) for t in valid.track}),
    }
    bundle = ScratchBundle(net=net.name, model=model.cpu(), labels=labels,
                           input_spec=net.input_spec, mean=mean, std=std, info=info)
    return bundle, result


def evaluate_scratch(
    bundle: ScratchBundle, data: PreparedData, test_idx: Sequence[int]
) -> EvalReport:
    """Clip and track metrics of `bundle` on the tracks `test_idx`."""
    if data.spec != bundle.input_spec:
        raise ValueError("features do not match the bundle's input spec")
    errors = [f"{data.tracks[i].path}: {data.errors[i]}" for i in test_idx if i in data.errors]
    targets = _targets(data.tracks, test_idx, bundle.labels)
    errors += [
        f"{data.tracks[i].path}: genre {data.tracks[i].genre!r} is not one the model knows"
        for i in test_idx if i not in targets
    ]
    clips = clip_set(data.features, [i for i in test_idx if i in targets], targets, data.spec)
    probs = bundle.predict_clips(clips.x, device=choose_device())
    return evaluate_probabilities(probs, clips.y, clips.track, bundle.labels, errors)


def _targets(
    tracks: Sequence[LabelledTrack], indices: Sequence[int], labels: Sequence[str]
) -> dict[int, int]:
    index_of = {label: k for k, label in enumerate(labels)}
    return {i: index_of[tracks[i].genre] for i in indices if tracks[i].genre in index_of}
