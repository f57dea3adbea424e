"""Training material for the default bundle: genre-pool + gtzan-mini, grouped, with a feature cache.

Every clip's musicnn outputs (MSD and MTT: 200-d embedding and tag probabilities, for 3 and
5 clips) are computed once and cached in a .npz outside the repository, so that comparing
heads takes seconds. Groups say which clips must stay on one side of a split: one GTZAN id,
one Jamendo song, one Emotify artist, one speaker / language, one ESC source recording.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from classifier.audio import ClipPlan, decode_clips
from classifier.bundle import PreprocessingConfig
from classifier.bundle_weights import load_musicnn
from classifier.features import LogMel, patch_samples
from classifier.training.heads_train import BACKBONE_WEIGHTS
from resources import MODELS_DIR
from tools.default_fit import tag_logits

# pool label -> readable genre; None = not music
GENRES = {"pop": "Pop", "rock": "Rock", "classical": "Classical", "electronic": "Electronic",
          "hiphop": "Hip-Hop", "metal": "Metal", "reggae": "Reggae", "jazz": "Jazz",
          "blues": "Blues", "country": "Country", "disco": "Disco", "folk": "Folk",
          "world": "World", "speech": None, "environment": None}
# the genres the default head is trained on (music_set); train_default and default_ship share them
LEARNED = ["Blues", "Classical", "Country", "Disco", "Electronic", "Hip-Hop", "Jazz", "Metal",
           "Pop", "Reggae", "Rock"]
# Ids that must never be read, whatever the source (the evaluation holdout).
HOLDOUT_IDS = set(range(5, 10))


@dataclass(frozen=True)
class Item:
    """One labelled file: genre (None for non-music), group for splits, source family."""

    path: Path
    label: str  # pool label (speech, environment, rock, ...)
    genre: str | None
    group: str
    source: str  # gtzan, emotify, jamendo, fsdd, asterisk, esc10, gcompris
    artist: str | None = None


def is_holdout(path: Path) -> bool:
    """GTZAN holdout ids (every genre, and classical 10-99) by file name."""
    match = re.search(r"(\w+)\.(\d{5})\.\w+$", path.name)
    if not match:
        return False
    genre, number = match.group(1), int(match.group(2))
    return number in HOLDOUT_IDS or (genre == "classical" and 10 <= number <= 99)


def _pool_item(root: Path, row: dict[str, str]) -> Item:
    path, label, original = root / row["path"], row["label"], row["original_path"]
    name, source_repo = Path(row["path"]).stem, row["source"]
    artist = None
    if name.startswith("gtzan-short__"):
        source, group = "gtzan", "gtzan:" + name.split("__", 1)[1]
    elif name.startswith("emotify__"):
        found = re.search(r"artist: ([^;\]]+)", original)
        artist = found.group(1).strip() if found else name
        source, group = "emotify", "emotify:" + artist
    elif name.startswith("jamendolyrics__") or "jamendo" in source_repo:
        source, group = "jamendo", "jamendo:" + original
    elif name.startswith("fsdd__"):
        source, group = "fsdd", "fsdd:" + name.split("__")[1].rsplit("_", 1)[0]
    elif "asterisk" in source_repo:
        source, group = "asterisk", "asterisk:" + source_repo.split()[2]
    elif name.startswith("esc10__"):
        parts = name.split("__", 1)[1].split("-")
        source, group = "esc10", "esc10:" + (parts[1] if len(parts) > 1 else name)
    else:
        source, group = "gcompris", "gcompris:" + name
    return Item(path, label, GENRES[label], group, source, artist)


def pool_items(root: Path) -> list[Item]:
    """Every clip of genre-pool/MANIFEST.tsv."""
    with open(root / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    items = [_pool_item(root, row) for row in rows]
    assert not any(is_holdout(i.path) and i.source == "gtzan" for i in items), "holdout in pool"
    return items


def mini_items(root: Path) -> list[Item]:
    """gtzan-mini's 50 excerpts (ids 00000-00004 only; anything else is refused)."""
    items = []
    for path in sorted(root.glob("*/*.flac")):
        if is_holdout(path):
            raise SystemExit(f"{path}: a holdout id; refusing to read it")
        items.append(Item(path, path.parent.name, GENRES[path.parent.name],
                          "gtzan:" + path.stem, "gtzan"))
    return items


def test_items(root: Path) -> list[Item]:
    """cc-music: test material only (label from its file name is not needed: music or not)."""
    non_music = ("198-209", "3436-", "5703-", "glacier-bay", "pibble", "bird-whistling")
    items = []
    for path in sorted(root.glob("*.ogg")):
        music = not any(key in path.name for key in non_music)
        items.append(Item(path, "music" if music else "non-music", "?" if music else None,
                          "cc:" + path.stem, "cc-music"))
    return items


class FeatureCache:
    """Per-clip (embedding, tag probabilities) of each backbone and clip count, on disk."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def file(self, backbone: str, clips: int) -> Path:
        """The .npz holding one backbone x clip count."""
        return self.folder / f"{backbone}-{clips}clips.npz"

    def load(self, items: list[Item], backbone: str, clips: int) -> list[np.ndarray]:
        """(clips, 200 + tags) per item: embedding then tag probabilities; computes what is missing."""
        file = self.file(backbone, clips)
        stored = dict(np.load(file)) if file.is_file() else {}
        missing = [i for i in items if str(i.path) not in stored]
        if missing:
            stored.update(compute(missing, backbone, clips))
            np.savez(file, **stored)
        return [stored[str(i.path)] for i in items]


def compute(items: list[Item], backbone: str, clips: int) -> dict[str, np.ndarray]:
    """Run the backbone over each item's clips (as the app would pick them)."""
    model, _ = load_musicnn(MODELS_DIR / BACKBONE_WEIGHTS[backbone])
    config = PreprocessingConfig()
    plan = ClipPlan(count=clips, seconds=patch_samples(config) / config.sample_rate)
    logmel, out = LogMel(config, "cpu"), {}
    for n, item in enumerate(items):
        decoded = decode_clips(item.path, plan, config.sample_rate)
        if decoded.clips is None:
            raise SystemExit(f"{item.path}: {decoded.error}")
        with torch.inference_mode():
            probs, embedding = model(logmel(decoded.clips))
        out[str(item.path)] = np.hstack([embedding.numpy(), probs.numpy()]).astype(np.float32)
        if n % 100 == 0:
            print(f"  {backbone} {clips} clips: {n}/{len(items)}", flush=True)
    return out


def features(cache: FeatureCache, items: list[Item], which: str, clips: int) -> list[np.ndarray]:
    """Per-item clip rows: 'emb', 'logits' or 'both' of MSD, or 'both+mtt'."""
    msd = cache.load(items, "msd", clips)
    if which == "emb":
        return [m[:, :200] for m in msd]
    if which == "logits":
        return [tag_logits(m[:, 200:]) for m in msd]
    both = [np.hstack([m[:, :200], tag_logits(m[:, 200:])]) for m in msd]
    if which == "both":
        return both
    mtt = cache.load(items, "mtt", clips)
    return [np.hstack([b, t[:, :200], tag_logits(t[:, 200:])]) for b, t in zip(both, mtt)]


def music_set(items: list[Item]) -> tuple[list[int], np.ndarray, list[str]]:
    """Indices, classes and groups of the items with a learned genre."""
    idx = [i for i, item in enumerate(items) if item.genre in LEARNED]
    return idx, np.array([LEARNED.index(items[i].genre) for i in idx]), [items[i].group for i in idx]
