"""Reproduce the OLD default, broad 1.0 (a fixed tag map), kept in bench/legacy/broad-1.0.

The default is broad 2.0 now, a learned head: tools/train_default.py. This tool stays so the
1.0 spec the benches compare against can be rebuilt (docs/genres.md, "Old libraries"):

    /work/venv/bin/python tools/fit_broad.py ../shared/data bench/legacy/broad-1.0/bundle.json

1. Every patch of every labelled real clip goes through the MSD and MTT backbones.
2. For genre g and backbone s, x[g, s] = logit(max probability of s's tags mapped to g).
3. One logistic regression shared by all genres (weights per backbone, a bias per
   "which backbones cover g" group) turns x into calibrated patch-level probabilities.
   Shared, because 5 labelled tracks per genre cannot support per-genre parameters.
4. The "uncertain" threshold sits between the non-music clips' and the music clips'
   top track probability.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from classifier.bundle_weights import load_musicnn  # noqa: E402
from resources import MODELS_DIR  # noqa: E402
from tools.reference_features import log_mel_patches  # noqa: E402

# Readable genre -> backbone tags. Mood, era, vocal, instrument and occasion tags never count.
GENRE_TAGS: dict[str, dict[str, list[str]]] = {
    "Rock": {"msd": ["rock", "alternative", "alternative rock", "indie rock", "classic rock",
                     "hard rock", "Progressive rock"], "mtt": ["rock"]},
    "Pop": {"msd": ["pop", "indie pop"], "mtt": ["pop"]},
    "Electronic": {"msd": ["electronic", "electronica", "electro"], "mtt": ["electronic", "techno"]},
    "Dance": {"msd": ["dance", "House"], "mtt": ["dance"]},
    "Hip-Hop": {"msd": ["Hip-Hop"]},
    "R&B/Soul": {"msd": ["rnb", "soul"]},
    "Funk": {"msd": ["funk"]},
    "Jazz": {"msd": ["jazz"]},
    "Blues": {"msd": ["blues"]},
    "Country": {"msd": ["country"], "mtt": ["country"]},
    "Folk": {"msd": ["folk"]},
    "Metal": {"msd": ["metal", "heavy metal"], "mtt": ["metal"]},
    "Punk": {"msd": ["punk"]},
    "Classical": {"mtt": ["classical", "classic", "opera", "choral"]},
    "Ambient/New Age": {"msd": ["ambient", "chillout"], "mtt": ["ambient", "new age"]},
}
SOURCES = ("msd", "mtt")
GTZAN_GENRES = {"blues": "Blues", "classical": "Classical", "country": "Country",
                "disco": "Dance", "hiphop": "Hip-Hop", "jazz": "Jazz", "metal": "Metal",
                "pop": "Pop", "reggae": None, "rock": "Rock"}  # no reggae tag in either model
CC_MUSIC = {  # clip stem prefix -> acceptable genres (licence notes in the .txt files)
    "Hungarian_Dance": {"Classical"}, "Kevin_MacLeod_-_P_I_Tchaikovsky": {"Classical"},
    "Kevin_MacLeod_-_Vibe_Ace": {"Jazz"}, "admiralbob77": {"Electronic", "Dance"},
    "Karissa_Hobbs": {"Country", "Folk"}, "sorohanro": {"Jazz", "Blues"},
    "442789__lena-orsa": {"Jazz", "Classical"}, "147793__setuniman": {"Classical"},
}
NON_MUSIC = ("198-209-0000", "3436-172162-0000", "5703-47212-0000", "glacier-bay-humpback",
             "456440__inspectorj__bird-whistling-robin", "pibble")
MAX_PATCHES = 10  # ~30 s per clip is plenty and keeps the fit quick


def labelled_clips(data: Path) -> list[tuple[Path, set[str] | None, str]]:
    """(path, acceptable genres or None for non-music, group) for every real clip."""
    clips = []
    for path in sorted((data / "gtzan-mini").glob("*/*.flac")):
        genre = GTZAN_GENRES[path.parent.name]
        clips.append((path, {genre} if genre else set(), f"gtzan{path.stem[-1]}"))
    for path in sorted((data / "cc-music").glob("*.ogg")):
        if path.stem.startswith(NON_MUSIC):
            clips.append((path, None, "cc"))
        else:
            genres = next(g for prefix, g in CC_MUSIC.items() if path.stem.startswith(prefix))
            clips.append((path, genres, "cc"))
    return clips


def tag_probabilities(paths: list[Path]) -> dict[str, list[np.ndarray]]:
    """Per clip, the (patches, 50) tag probabilities of each backbone."""
    nets = {s: load_musicnn(MODELS_DIR / f"musicnn-{s}.safetensors")[0] for s in SOURCES}
    out: dict[str, list[np.ndarray]] = {s: [] for s in SOURCES}
    with torch.inference_mode():
        for path in paths:
            patches = torch.from_numpy(log_mel_patches(path, MAX_PATCHES))
            for s, net in nets.items():
                out[s].append(net(patches)[0].numpy())
    return out


def tag_index(source: str) -> list[str]:
    """The tag names of one backbone."""
    return load_musicnn(MODELS_DIR / f"musicnn-{source}.safetensors")[1]


def genre_scores(probs: dict[str, np.ndarray], tags: dict[str, list[str]]) -> np.ndarray:
    """(patches, genres) logit of the most probable tag mapped to each genre (as TagMapHead)."""
    eps = 1e-6
    out = np.full((len(probs["msd"]), len(GENRE_TAGS)), -np.inf)
    for g, mapping in enumerate(GENRE_TAGS.values()):
        for source, names in mapping.items():
            cols = [tags[source].index(t) for t in names]
            p = np.clip(probs[source][:, cols].max(axis=1), eps, 1 - eps)
            out[:, g] = np.maximum(out[:, g], np.log(p / (1 - p)))
    return out


def fit_platt(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """One (scale, bias) for all genres: sigmoid(scale * x + bias) ~ P(genre is right)."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=100.0, max_iter=1000).fit(x.reshape(-1, 1), y.reshape(-1))
    return float(model.coef_[0, 0]), float(model.intercept_[0])


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function."""
    return 1 / (1 + np.exp(-z))


def targets(genres: set[str], patches: int) -> np.ndarray:
    """(patches, genres) 0/1 matrix of the acceptable genres."""
    y = np.zeros((patches, len(GENRE_TAGS)))
    for genre in genres:
        y[:, list(GENRE_TAGS).index(genre)] = 1
    return y


def cross_validate(scores: list[np.ndarray], clips: list, music: list[int]) -> dict[str, float]:
    """Leave-one-group-out (gtzan track 0..4, cc-music): held-out track-level figures."""
    stats = {"tracks": 0, "top1": 0, "logloss_raw": 0.0, "logloss_cal": 0.0}
    for group in sorted({clips[i][2] for i in music}):
        train = [i for i in music if clips[i][2] != group]
        a, b = fit_platt(np.concatenate([scores[i] for i in train]),
                         np.concatenate([targets(clips[i][1], len(scores[i])) for i in train]))
        for i in (i for i in music if clips[i][2] == group and clips[i][1]):
            y = targets(clips[i][1], 1)[0]
            for key, p in (("raw", sigmoid(scores[i]).mean(0)),
                           ("cal", sigmoid(a * scores[i] + b).mean(0))):
                p = np.clip(p, 1e-6, 1 - 1e-6)
                stats[f"logloss_{key}"] += -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
            stats["top1"] += list(GENRE_TAGS)[int(sigmoid(scores[i]).mean(0).argmax())] in clips[i][1]
            stats["tracks"] += 1
    for key in ("logloss_raw", "logloss_cal"):
        stats[key] /= stats["tracks"]
    return stats


def choose_threshold(non_music_top: list[float]) -> float:
    """Just above every non-music clip's top probability, rounded up to 0.01."""
    return float(np.ceil(max(non_music_top) * 100 + 0.5) / 100)


def bundle_spec(scale: float, bias: float, threshold: float, summary: dict) -> dict:
    """The broad bundle's bundle.json contents."""
    genres = {label: {"tags": tags, "scale": round(scale, 6), "bias": round(bias, 6)}
              for label, tags in GENRE_TAGS.items()}
    return {
        "format": 1, "name": "broad", "version": "1.0.0",
        "description": "15 broad genres from the musicnn MSD + MTT taggers (docs/genres.md)",
        "labels": list(GENRE_TAGS),
        "preprocessing": {"sample_rate": 16000, "n_fft": 512, "hop_length": 256, "n_mels": 96,
                          "mel_scale": "slaney", "window": "hann", "center": True,
                          "patch_frames": 187, "log": "log10(10000x+1)"},
        "backbones": [{"name": "msd", "weights": "musicnn-msd.safetensors"},
                      {"name": "mtt", "weights": "musicnn-mtt.safetensors"}],
        "head": {"type": "tag_map", "genres": genres},
        "uncertain_threshold": threshold,
        "calibration": summary,
    }


def main() -> int:
    """Compute tag probabilities, fit, report, write bundle.json."""
    data, target = Path(sys.argv[1]), Path(sys.argv[2])
    clips = labelled_clips(data)
    probs = tag_probabilities([path for path, _, _ in clips])
    tags = {s: tag_index(s) for s in SOURCES}
    scores = [genre_scores({s: probs[s][i] for s in SOURCES}, tags) for i in range(len(clips))]
    music = [i for i, clip in enumerate(clips) if clip[1] is not None]
    scale, bias = fit_platt(np.concatenate([scores[i] for i in music]),
                            np.concatenate([targets(clips[i][1], len(scores[i])) for i in music]))
    top = {i: float(sigmoid(scale * scores[i] + bias).mean(0).max()) for i in range(len(clips))}
    for i, (path, genres, _) in enumerate(clips):
        track = sigmoid(scale * scores[i] + bias).mean(0)
        print(f"{path.stem[:32]:32} {'non-music' if genres is None else ','.join(sorted(genres)):18}"
              f" -> {list(GENRE_TAGS)[int(track.argmax())]:16} {top[i]:.3f}")
    threshold = choose_threshold([top[i] for i in top if i not in music])
    stats = cross_validate(scores, clips, music)
    summary = {"method": "Platt scaling shared by all genres, fitted on patch level",
               "data": f"gtzan-mini (50 tracks) + labelled cc-music ({len(music) - 50} tracks), "
                       f"up to {MAX_PATCHES} patches each",
               "cross_validated": {k: round(v, 4) for k, v in stats.items()},
               "music_tracks_below_threshold": sum(top[i] < threshold for i in music)}
    print(json.dumps(summary, indent=1), "scale", scale, "bias", bias, "threshold", threshold)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(bundle_spec(scale, bias, threshold, summary), indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
