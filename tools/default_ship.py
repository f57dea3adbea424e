"""Train and write the default bundle (broad 2.x) and the music gate; print their CV figures.

Called by tools/train_default.py. The chosen configuration (CHOSEN) is what the survey there
selected by grouped cross-validation; every figure printed here is out-of-fold.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file
from torch import nn

from classifier.early_exit import EARLY_EXIT
from classifier.training.evaluate import reliability
from classifier.training.heads_train import PREPROCESSING, HeadConfig
from tools.default_data import LEARNED, FeatureCache, Item, features, music_set
from tools.default_fit import (
    bootstrap_interval,
    clip_logits,
    fit_gate,
    fit_head,
    fit_vector_scaling,
    fold_vector_scaling,
    gate_folds,
    gate_oof,
    grouped_folds,
    oof_logits,
    softmax,
    track_probs,
)

CHOSEN = {"inputs": "both", "kind": "linear", "l2": 0.1, "clips": 3, "seed": 0}
VERSION = "2.0.0"
# Genres the pool cannot teach: named only from the MSD backbone's own tags (zero-shot).
ZERO_SHOT = {"Folk": ["folk"], "Funk": ["funk"], "Punk": ["punk"], "R&B/Soul": ["soul", "rnb"],
             "Ambient": ["ambient"]}
# A zero-shot genre may hold at most this mean probability on pool music it is not: a cap on the
# confidence it takes from the learned genres (their calibration), not only on the tracks it wins.
MAX_MASS = 0.01
FALSE_ALARM = 0.01  # the gate may call at most this share of (out-of-fold) music "not music"
UNCERTAIN = 0.4
GATE_L2 = 0.1  # chosen by the leave-sound-type-out survey (docs/models.md)
EMBED = 200


def msd_tags() -> list[str]:
    """The MSD backbone's tag names, in output order."""
    from classifier.bundle_weights import load_musicnn
    from resources import MODELS_DIR

    return load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")[1]


def zero_shot_rows(tags: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(genres, 250) weights averaging each zero-shot genre's tag logits; biases 0 for now."""
    weights = np.zeros((len(ZERO_SHOT), EMBED + len(tags)), dtype=np.float32)
    for g, names in enumerate(ZERO_SHOT.values()):
        for name in names:
            weights[g, EMBED + tags.index(name)] = 1.0 / len(names)
    return weights, np.zeros(len(ZERO_SHOT), dtype=np.float32)


def choose_zero_shot_bias(calibrated: list[np.ndarray], feats: list[np.ndarray],
                          weights: np.ndarray) -> np.ndarray:
    """Per zero-shot genre, the largest bias at which its mean probability on pool music is at
    most MAX_MASS."""
    biases = np.zeros(len(weights), dtype=np.float32)
    for g in range(len(weights)):
        for bias in np.arange(20.0, -30.0, -0.25):
            mass = np.mean([softmax(np.hstack([z, f @ weights[g:g + 1].T + bias])).mean(0)[-1]
                            for z, f in zip(calibrated, feats)])
            if mass <= MAX_MASS:
                biases[g] = bias
                break
    return biases


def full_model_probs(calibrated: list[np.ndarray], feats: list[np.ndarray], weights: np.ndarray,
                     biases: np.ndarray) -> np.ndarray:
    """(tracks, learned + zero-shot) track probabilities of the whole shipped head."""
    return np.stack([softmax(np.hstack([z, f @ weights.T + biases])).mean(0)
                     for z, f in zip(calibrated, feats)])


def genre_head(cache: FeatureCache, items: list[Item]) -> tuple[nn.Sequential, dict]:
    """The calibrated head (learned + zero-shot rows) and its out-of-fold figures."""
    idx, classes, groups = music_set(items)
    all_feats = features(cache, items, CHOSEN["inputs"], CHOSEN["clips"])
    feats = [all_feats[i] for i in idx]
    config = HeadConfig(CHOSEN["kind"], l2=CHOSEN["l2"], seed=CHOSEN["seed"])
    folds = grouped_folds(classes, groups, 5, CHOSEN["seed"])
    oof = oof_logits(feats, classes, folds, len(LEARNED), config)
    raw = track_probs(oof)
    # Calibration measured honestly: each fold's scaling is fitted on the other folds' OOF logits.
    cross = np.zeros_like(raw)
    for train, test in folds:
        scale, shift = fit_vector_scaling([oof[i] for i in train], classes[train])
        cross[test] = track_probs([oof[i] for i in test], scale, shift)
    scale, shift = fit_vector_scaling(oof, classes)
    figures = {"before": reliability(raw, classes), "after": reliability(cross, classes),
               "oof_probs": cross, "classes": classes, "folds": folds, "items": idx}
    head = fit_head(feats, classes, np.arange(len(feats)), len(LEARNED), config)
    fold_vector_scaling(head[-1], scale, shift)
    calibrated = [z * scale + shift for z in oof]
    weights, _ = zero_shot_rows(msd_tags())
    biases = choose_zero_shot_bias(calibrated, feats, weights)
    figures["zero_shot_bias"] = dict(zip(ZERO_SHOT, biases.tolist()))
    # the whole head (zero-shot rows included) on the cross-fitted calibrated OOF logits
    cross_logits = [np.empty(0)] * len(oof)
    for train, test in folds:
        s, b = fit_vector_scaling([oof[i] for i in train], classes[train])
        for i in test:
            cross_logits[i] = oof[i] * s + b
    full = full_model_probs(cross_logits, feats, weights, biases)
    figures["full"] = reliability(full, classes)
    figures["full_probs"] = full
    out = nn.Linear(head[-1].in_features, len(LEARNED) + len(ZERO_SHOT))
    with torch.no_grad():
        out.weight.copy_(torch.cat([head[-1].weight, torch.as_tensor(weights)]))
        out.bias.copy_(torch.cat([head[-1].bias, torch.as_tensor(biases)]))
    layers = nn.Sequential()
    layers.add_module("out", out)
    return layers.eval().requires_grad_(False), figures


def sound_type(item: Item) -> str:
    """The gate's CV group: a whole ESC class (dog, rain, ...) or animal set is held out at once,
    so the folds measure sounds of a kind the gate never heard, as a user's library has."""
    if item.source == "esc10":
        return "esc:" + item.path.stem.split("__")[1].split("_")[0]
    if item.source == "gcompris" and item.genre is None:
        return "gcompris-animals"
    return item.group


def gate_threshold(p_music: np.ndarray) -> float:
    """The P(music) below which at most FALSE_ALARM of these (out-of-fold) music tracks fall."""
    threshold = float(np.sort(p_music)[int(np.floor(FALSE_ALARM * len(p_music)))])
    return min(max(threshold, 0.05), 0.5)


def gate(cache: FeatureCache, pool: list[Item],
         extra: list[Item]) -> tuple[nn.Linear, float, dict]:
    """The music gate (one logit), its threshold and its out-of-fold error rates; trained on
    the pool and the `extra` non-music of tools/gate_sounds.py (never on cc-music)."""
    items = pool + extra
    feats = features(cache, items, "both", CHOSEN["clips"])
    music = np.array([item.genre is not None for item in items])
    folds = gate_folds([sound_type(i) for i in pool], music[:len(pool)],
                       [i.group for i in extra], 5, CHOSEN["seed"])
    p_music = gate_oof(feats, music, folds, CHOSEN["seed"], GATE_L2)
    threshold = gate_threshold(p_music[music])
    in_pool = np.arange(len(items)) < len(pool)
    flagged, passed = p_music[music] < threshold, p_music[~music & in_pool] >= threshold
    extra_passed = p_music[~in_pool] >= threshold
    figures = {"threshold": threshold, "false_alarm": (int(flagged.sum()), int(music.sum())),
               "miss": (int(passed.sum()), len(passed)),
               "miss_extra": (int(extra_passed.sum()), len(extra_passed)),
               "false_alarm_ci": bootstrap_interval(flagged), "miss_ci": bootstrap_interval(passed),
               "by_source": {}, "p_music": p_music}
    for source in sorted({i.source for i in items}):
        at = np.array([i.source == source for i in items])
        wrong = np.where(music[at], p_music[at] < threshold, p_music[at] >= threshold)
        figures["by_source"][source] = (int(wrong.sum()), int(at.sum()))
    final = fit_gate(feats, music, np.arange(len(items)), CHOSEN["seed"], GATE_L2)[-1]
    one = nn.Linear(final.in_features, 1)
    with torch.no_grad():  # softmax over (not music, music) == sigmoid of their difference
        one.weight.copy_(final.weight[1:2] - final.weight[0:1])
        one.bias.copy_(final.bias[1:2] - final.bias[0:1])
    return one.eval().requires_grad_(False), threshold, figures


def write_bundle(folder: Path, head: nn.Sequential, description: str, name: str = "broad",
                 version: str = VERSION) -> None:
    """bundle.json + head.safetensors of the default bundle (one MSD backbone)."""
    folder.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().contiguous() for k, v in head.state_dict().items()}
    save_file(tensors, str(folder / "head.safetensors"),
              metadata={"training": json.dumps(CHOSEN), "tool": "tools/train_default.py"})
    spec = {"format": 1, "name": name, "version": version, "description": description,
            "labels": LEARNED + list(ZERO_SHOT), "preprocessing": PREPROCESSING,
            "backbones": [{"name": "msd", "weights": "musicnn-msd.safetensors"}],
            "head": {"type": "linear", "weights": "head.safetensors", "activation": "softmax",
                     "inputs": ["embedding", "tag_logits"]},
            "uncertain_threshold": UNCERTAIN,
            # 2 of 3 clips settle a confident track; its cost measured by bench/early_exit.py
            "early_exit": EARLY_EXIT.spec()}
    (folder / "bundle.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")


def write_gate(folder: Path, out: nn.Linear, threshold: float, description: str) -> None:
    """gate.json + gate.safetensors of the music gate."""
    folder.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in out.state_dict().items()},
              str(folder / "gate.safetensors"), metadata={"tool": "tools/train_default.py"})
    spec = {"format": 1, "name": "music-gate", "version": "1.0.0", "description": description,
            "backbone": {"name": "msd", "weights": "musicnn-msd.safetensors"},
            "inputs": ["embedding", "tag_logits"], "weights": "gate.safetensors",
            "threshold": round(threshold, 4)}
    (folder / "gate.json").write_text(json.dumps(spec, indent=2) + "\n", encoding="utf-8")


def print_reliability(title: str, rows_ece: tuple[list, float]) -> None:
    """The reliability table of out-of-fold track probabilities."""
    rows, ece = rows_ece
    print(f"{title}: ECE {ece:.3f}")
    for row in rows:
        print(f"  ({row['low']:.1f}, {row['high']:.1f}]  n={row['count']:<4} accuracy "
              f"{row['accuracy']:.3f}  mean confidence {row['confidence']:.3f}")


def print_genre_figures(figures: dict) -> None:
    """Out-of-fold per-genre recall, accuracy with interval, calibration."""
    probs, classes = figures["oof_probs"], figures["classes"]
    hits = probs.argmax(1) == classes
    lo, hi = bootstrap_interval(hits)
    per_fold = [float(hits[te].mean()) for _, te in figures["folds"]]
    print(f"genre head ({CHOSEN}): OOF track accuracy {hits.mean():.3f} "
          f"(folds {np.mean(per_fold):.3f} ± {np.std(per_fold):.3f}; 95% CI [{lo:.3f}, {hi:.3f}])")
    for c, genre in enumerate(LEARNED):
        at = classes == c
        print(f"  {genre:<11} recall {hits[at].mean():.3f}  (n={at.sum()})")
    named = probs.max(1) >= UNCERTAIN
    print(f"  named at >= {UNCERTAIN}: {named.mean():.3f} of tracks, accuracy {hits[named].mean():.3f}; "
          f"below: accuracy {hits[~named].mean() if (~named).any() else float('nan'):.3f}")
    print_reliability("uncalibrated (OOF)", figures["before"])
    print_reliability("calibrated (vector scaling fitted on the other folds)", figures["after"])
    print(f"zero-shot biases (mean probability ≤ {MAX_MASS:.0%} on pool music): "
          f"{ {k: round(v, 2) for k, v in figures['zero_shot_bias'].items()} }")
    full = figures["full_probs"]
    wins = full.argmax(1) >= len(LEARNED)
    print(f"whole head (16 genres) OOF: accuracy {np.mean(full.argmax(1) == classes):.3f}; "
          f"a zero-shot genre wins {wins.mean():.3f} of pool music")
    print_reliability("whole head, calibrated (OOF)", figures["full"])


def print_joint(figures: dict, gate_figures: dict, threshold: float) -> None:
    """What the app decides on OOF music: P(music) x P(genre | music) against the threshold."""
    probs, classes = figures["full_probs"], figures["classes"]
    music = gate_figures["p_music"][figures["items"]]
    joint = probs * music[:, None]
    named = (joint.max(1) >= UNCERTAIN) & (music >= threshold)
    hits = probs.argmax(1) == classes
    print(f"joint with the gate (OOF music): named {named.mean():.3f} of tracks, accuracy of named "
          f"{hits[named].mean():.3f}; not music {np.mean(music < threshold):.3f}")
    rows, ece = reliability(joint, classes)
    print_reliability("joint confidence P(music) x P(genre | music)", (rows, ece))



def print_non_music(head: nn.Sequential, cache: FeatureCache, items: list[Item], gate_figures: dict,
                    threshold: float) -> None:
    """Pool non-music (never in the genre head's training): how often the app would name a genre."""
    feats = features(cache, items, CHOSEN["inputs"], CHOSEN["clips"])
    idx = [i for i, item in enumerate(items) if item.genre is None]
    p_music = gate_figures["p_music"][idx]
    probs = track_probs(clip_logits(head, feats, np.array(idx)))
    alone = probs.max(1) >= UNCERTAIN
    joint = (probs.max(1) * p_music >= UNCERTAIN) & (p_music >= threshold)
    gated = (p_music >= threshold) & alone
    print(f"pool non-music ({len(idx)}): head alone names a genre {alone.mean():.3f}; "
          f"after the gate {gated.mean():.3f}; with the joint confidence {joint.mean():.3f}")


def report_test(bundle_dir: Path, tests: list[Item]) -> None:
    """cc-music (test only): the shipped bundle's decision for each clip, gate included."""
    from classifier.bundle import load_bundle
    from classifier.predict import predict_tracks

    bundle = load_bundle(bundle_dir)
    print(f"cc-music with {bundle.name} {bundle.version} (test material, never trained on):")
    for result in predict_tracks([str(t.path) for t in tests], bundle, device="cpu"):
        kind = "music" if "ogg" in result.path and not any(
            t.genre is None for t in tests if str(t.path) == result.path) else "NON-MUSIC"
        verdict = "not music" if result.not_music else (", ".join(result.top_genres) or "uncertain")
        print(f"  {kind:<9} {Path(result.path).name[:48]:<48} -> {verdict:<12} "
              f"(music {result.music:.2f}, top {result.labels[int(result.probabilities.argmax())]} "
              f"{result.confidence:.2f})")


def write_fold_out(folder: Path, cache: FeatureCache, items: list[Item], figures: dict) -> None:
    """A bundle trained without fold 0 plus heldout.csv of fold 0, for `evaluate` on held-out data."""
    idx, classes = figures["items"], figures["classes"]
    train, test = figures["folds"][0]
    feats = features(cache, items, CHOSEN["inputs"], CHOSEN["clips"])
    feats = [feats[i] for i in idx]
    config = HeadConfig(CHOSEN["kind"], l2=CHOSEN["l2"], seed=CHOSEN["seed"])
    inner = grouped_folds(classes[train], [items[idx[i]].group for i in train], 5, CHOSEN["seed"])
    oof = oof_logits([feats[i] for i in train], classes[train], inner, len(LEARNED), config)
    scale, shift = fit_vector_scaling(oof, classes[train])
    head = fit_head(feats, classes, train, len(LEARNED), config)
    fold_vector_scaling(head[-1], scale, shift)
    weights, _ = zero_shot_rows(msd_tags())
    biases = np.array(list(figures["zero_shot_bias"].values()), dtype=np.float32)
    layers = nn.Sequential()
    layers.add_module("out", nn.Linear(head[-1].in_features, len(LEARNED) + len(ZERO_SHOT)))
    with torch.no_grad():
        layers.out.weight.copy_(torch.cat([head[-1].weight, torch.as_tensor(weights)]))
        layers.out.bias.copy_(torch.cat([head[-1].bias, torch.as_tensor(biases)]))
    write_bundle(folder / "broad-fold0", layers, "broad 2.x trained without fold 0 (evaluation only)",
                 name="broad-fold0", version=VERSION + "+fold0")
    with open(folder / "heldout.csv", "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["path", "genre", "artist"])
        for i in test:
            item = items[idx[i]]
            writer.writerow([str(item.path), item.genre, item.group])
    print(f"wrote {folder / 'broad-fold0'} and {folder / 'heldout.csv'} ({len(test)} tracks)")


def ship(cache: FeatureCache, items: list[Item], tests: list[Item], models: Path,
         extra: list[Item], fold_out: Path | None = None) -> None:
    """Train, report and write broad 2.x and the music gate into `models`."""
    head, figures = genre_head(cache, items)
    print_genre_figures(figures)
    print_consistency(figures, items)
    threshold, gate_figures = ship_gate(cache, items, extra, models)
    print_joint(figures, gate_figures, threshold)
    print_non_music(head, cache, items, gate_figures, threshold)
    hits = figures["oof_probs"].argmax(1) == figures["classes"]
    description = (f"{len(LEARNED)} genres learned from genre-pool + gtzan-mini and "
                   f"{len(ZERO_SHOT)} from the MSD tags (zero-shot), on musicnn-msd; calibrated. "
                   f"Grouped 5-fold: track accuracy {hits.mean():.2f} on the learned genres "
                   "(resources/models/broad/MODEL_CARD.md).")
    write_bundle(models / "broad", head, description)
    print(f"wrote {models / 'broad'}")
    report_test(models / "broad", tests)
    if fold_out is not None:
        write_fold_out(fold_out, cache, items, figures)


def ship_gate(cache: FeatureCache, pool: list[Item], extra: list[Item],
              models: Path) -> tuple[float, dict]:
    """Fit, report and write the music gate; its threshold and out-of-fold figures."""
    out, threshold, figures = gate(cache, pool, extra)
    (fa, n_music), (miss, n_other) = figures["false_alarm"], figures["miss"]
    (extra_miss, n_extra) = figures["miss_extra"]
    print(f"music gate: threshold {threshold:.3f}; OOF false alarms on music {fa}/{n_music} "
          f"(95% CI {figures['false_alarm_ci'][0]:.3f}-{figures['false_alarm_ci'][1]:.3f}), "
          f"misses on pool non-music {miss}/{n_other} "
          f"(95% CI {figures['miss_ci'][0]:.3f}-{figures['miss_ci'][1]:.3f}), "
          f"on the extra sounds {extra_miss}/{n_extra}")
    print(f"  wrong per source: {figures['by_source']}")
    description = (f"music / not music on musicnn-msd features; threshold chosen for ≤ "
                   f"{FALSE_ALARM:.0%} false alarms on out-of-fold music "
                   f"(measured {fa}/{n_music}); misses {miss}/{n_other}.")
    if extra:
        description += (f" Also trained on {n_extra} animal calls / sound effects from Debian "
                        f"packages (tools/gate_sounds.py); misses {extra_miss}/{n_extra} of them "
                        "(held out by kind).")
    write_gate(models / "music-gate", out, threshold, description)
    print(f"wrote {models / 'music-gate'}")
    return threshold, figures


def print_consistency(figures: dict, items: list[Item]) -> None:
    """Pooling evidence per artist / song (what `tag --album-consistent` does per album): the
    out-of-fold accuracy with each track's own probabilities vs its group's mean."""
    probs, classes = figures["full_probs"], figures["classes"]
    music = [items[i] for i in figures["items"]]
    for source, key in (("emotify", "artist"), ("jamendo", "song")):
        at = np.array([m.source == source for m in music])
        groups = np.array([m.group for m in music])
        pooled = probs.copy()
        for group in set(groups[at]):
            members = groups == group
            pooled[members] = probs[members].mean(axis=0)
        sizes = [int((groups == g).sum()) for g in set(groups[at])]
        mixed = sum(len(set(classes[groups == g])) > 1 for g in set(groups[at]))
        own = np.mean(probs[at].argmax(1) == classes[at])
        together = np.mean(pooled[at].argmax(1) == classes[at])
        print(f"pooled per {key} ({source}: {at.sum()} tracks, {len(sizes)} groups, mean size "
              f"{np.mean(sizes):.1f}, {mixed} groups with more than one genre): "
              f"accuracy {own:.3f} -> {together:.3f}")
