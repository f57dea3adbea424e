"""Fitting pieces of tools/train_default.py: grouped folds, heads, calibration, gate, figures.

Everything works on per-clip feature rows; a track's probability is the mean of its clips'
probabilities, as the app's pipeline aggregates them (classifier/aggregate.py, "mean").
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from sklearn.model_selection import StratifiedGroupKFold
from torch import nn

from classifier.training.heads_train import HeadConfig, clip_rows, train_head

LOGIT_CLAMP = 1e-6  # the same clamp as classifier.nets.heads.logit


def tag_logits(probs: np.ndarray) -> np.ndarray:
    """logit(p) with the runtime's clamp, so training and inference see the same numbers."""
    p = np.clip(probs.astype(np.float64), LOGIT_CLAMP, 1 - LOGIT_CLAMP)
    return (np.log(p) - np.log1p(-p)).astype(np.float32)


def grouped_folds(classes: Sequence[int], groups: Sequence[str], k: int,
                  seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified k-fold where every group (song, artist, speaker) stays on one side."""
    splitter = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed)
    dummy = np.zeros(len(classes))
    return [(tr, te) for tr, te in splitter.split(dummy, np.asarray(classes), np.asarray(groups))]


def fit_head(features: Sequence[np.ndarray], classes: np.ndarray, idx: np.ndarray,
             n_labels: int, config: HeadConfig) -> nn.Sequential:
    """A head trained on the clips of tracks `idx`."""
    x, owners = clip_rows(features, idx)
    return train_head(x, classes[owners], n_labels, config)


@torch.no_grad()
def clip_logits(head: nn.Module, features: Sequence[np.ndarray], idx: np.ndarray) -> list[np.ndarray]:
    """Per track of `idx`, its clips' output logits (clips, labels)."""
    return [head(torch.as_tensor(features[i])).numpy() for i in idx]


def oof_logits(features: Sequence[np.ndarray], classes: np.ndarray,
               folds: list[tuple[np.ndarray, np.ndarray]], n_labels: int,
               config: HeadConfig) -> list[np.ndarray]:
    """Out-of-fold clip logits of every track (each track predicted by the fold it was out of)."""
    out: list[np.ndarray] = [np.empty(0)] * len(features)
    for train_idx, test_idx in folds:
        head = fit_head(features, classes, train_idx, n_labels, config)
        for i, logits in zip(test_idx, clip_logits(head, features, test_idx)):
            out[i] = logits
    return out


def softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax."""
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def track_probs(logits: Sequence[np.ndarray], scale: np.ndarray | None = None,
                shift: np.ndarray | None = None) -> np.ndarray:
    """(tracks, labels): mean over clips of softmax(scale * z + shift)."""
    rows = []
    for z in logits:
        z = z * scale + shift if scale is not None else z
        rows.append(softmax(z).mean(axis=0))
    return np.stack(rows)


def fit_vector_scaling(logits: Sequence[np.ndarray], classes: np.ndarray,
                       steps: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Per-genre (scale, shift) minimising the track-level NLL of mean clip probabilities."""
    n = logits[0].shape[1]
    log_a = torch.zeros(n, requires_grad=True)
    b = torch.zeros(n, requires_grad=True)
    counts = [len(z) for z in logits]
    z = torch.as_tensor(np.concatenate(logits))
    owner = torch.as_tensor(np.repeat(np.arange(len(logits)), counts))
    y = torch.as_tensor(classes)
    optimiser = torch.optim.LBFGS([log_a, b], lr=0.5, max_iter=steps)

    def closure() -> torch.Tensor:
        optimiser.zero_grad()
        p = torch.softmax(z * log_a.exp() + b, dim=1)
        mean = torch.zeros(len(logits), n).index_add_(0, owner, p) / torch.tensor(counts)[:, None]
        loss = -torch.log(mean[torch.arange(len(logits)), y].clamp_min(1e-9)).mean()
        loss = loss + 1e-3 * (log_a ** 2).sum()  # keep scales sane for rare genres
        loss.backward()
        return loss

    optimiser.step(closure)
    return log_a.exp().detach().numpy(), b.detach().numpy()


def bootstrap_interval(hits: np.ndarray, seed: int = 0, n: int = 2000) -> tuple[float, float]:
    """95 % bootstrap interval of a mean of 0/1 hits."""
    rng = np.random.default_rng(seed)
    means = rng.choice(hits.astype(float), size=(n, len(hits))).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def fold_scores(probs: np.ndarray, classes: np.ndarray,
                folds: list[tuple[np.ndarray, np.ndarray]]) -> tuple[float, float, float]:
    """(mean accuracy, std over folds, macro recall) of track probabilities."""
    accs = [float((probs[te].argmax(1) == classes[te]).mean()) for _, te in folds]
    pred = probs.argmax(1)
    recalls = [float((pred[classes == c] == c).mean()) for c in np.unique(classes)]
    return float(np.mean(accs)), float(np.std(accs)), float(np.mean(recalls))


def fit_gate(features: Sequence[np.ndarray], music: np.ndarray, idx: np.ndarray,
             seed: int, l2: float) -> nn.Sequential:
    """A 2-way linear head (0 = not music, 1 = music) on the clips of tracks `idx`."""
    return fit_head(features, music.astype(np.int64), idx, 2,
                    HeadConfig("linear", l2=l2, seed=seed))


def fold_vector_scaling(out: nn.Linear, scale: np.ndarray, shift: np.ndarray) -> None:
    """Make out(x) equal to scale * out(x) + shift, so the runtime needs no calibration code."""
    with torch.no_grad():
        a = torch.as_tensor(scale, dtype=torch.float32)
        out.weight.mul_(a[:, None])
        out.bias.mul_(a).add_(torch.as_tensor(shift, dtype=torch.float32))


def gate_folds(pool_groups: Sequence[str], pool_music: np.ndarray, extra_groups: Sequence[str],
               k: int, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The gate's folds over pool + extra sounds: the pool's folds exactly as before the extra
    sounds came (so old and new gates are compared on the same held-out clips), each joined by a
    fold of the extra sounds grouped by kind (an animal class is never on both sides)."""
    pool = grouped_folds(pool_music.astype(int), pool_groups, k, seed)
    if not len(extra_groups):
        return pool
    extra = grouped_folds(np.zeros(len(extra_groups), dtype=int), extra_groups, k, seed)
    n = len(pool_groups)
    return [(np.concatenate([p_tr, n + e_tr]), np.concatenate([p_te, n + e_te]))
            for (p_tr, p_te), (e_tr, e_te) in zip(pool, extra)]


def gate_oof(features: Sequence[np.ndarray], music: np.ndarray,
             folds: list[tuple[np.ndarray, np.ndarray]], seed: int, l2: float,
             train_mask: np.ndarray | None = None) -> np.ndarray:
    """Out-of-fold P(music) of every track (mean of its clips'); `train_mask` limits what
    each fold's gate may train on (the old gate: pool only)."""
    p_music = np.zeros(len(features))
    for train, test in folds:
        if train_mask is not None:
            train = train[train_mask[train]]
        g = fit_gate(features, music, train, seed, l2)
        p_music[test] = [softmax(z).mean(0)[1] for z in clip_logits(g, features, test)]
    return p_music
