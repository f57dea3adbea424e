"""Precision and coverage of the default write threshold, per genre, with 95 % intervals.

    python bench/write_threshold.py [--cache DIR] [--skip-pool] [--skip-real]

What a default tag write does with a track (library/tagplan.py, TagOptions()): nothing when the
music gate calls it not music, else the top genre when its shown confidence P(music) x
P(genre | music) reaches DEFAULT_MIN_CONFIDENCE (0.5), else nothing. Per genre:
  - coverage: the share of that genre's tracks that get a genre written (any genre);
  - precision: of the tracks the genre is written on, the share it is right for —
    strict (the label's own genre) and lenient (Pop and Rock count for each other on Emotify
    and Jamendo, whose "pop" is mostly alternative rock; cc-music's acceptable genres).
Non-music that gets a genre written counts as a wrong write of that genre.
Intervals: the wider of the Wilson interval over tracks and a bootstrap over groups (artist,
GTZAN id, song, speaker: tools/default_data.py), as `learn` reports its figures.

(a) the training pool out of fold: tools/train_default.py's recipe, folds and calibration
    (bench/early_exit.py computes the per-clip outputs), the shipped early-exit rule applied;
(b) the 64 real recordings of bench/accuracy.py through the app's own pipeline
    (gtzan-mini is training material of broad 2.0; cc-music never is).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from platformdirs import user_cache_path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from classifier.early_exit import EarlyExit  # noqa: E402
from classifier.training.honesty import group_bootstrap_interval, wilson_interval  # noqa: E402
from library.tagplan import DEFAULT_MIN_CONFIDENCE  # noqa: E402
from tools.default_data import Item, mini_items, pool_items  # noqa: E402

DATA = REPO.parent / "shared" / "data"
CACHE = user_cache_path("GenreLens") / "train-default"
# Sources whose labels are coarse: their "pop" is mostly alternative rock (MODEL_CARD.md).
LENIENT_SOURCES = {"emotify", "jamendo"}
POP_ROCK = frozenset({"Pop", "Rock"})
# cc-music: the one genre a strict reading gives each clip (tools/fit_broad.CC_MUSIC: lenient)
CC_STRICT = {"Hungarian_Dance": "Classical", "Kevin_MacLeod_-_P_I_Tchaikovsky": "Classical",
             "Kevin_MacLeod_-_Vibe_Ace": "Jazz", "admiralbob77": "Electronic",
             "Karissa_Hobbs": "Country", "sorohanro": "Jazz", "442789__lena-orsa": "Jazz",
             "147793__setuniman": "Classical"}
Thresholds = Callable[[str], float]  # genre -> the confidence a write of it needs


@dataclass(frozen=True)
class Scored:
    """One track: its truth and what a default write would put in its tags."""

    truth: str | None  # the strict genre; None: not music
    accepted: frozenset[str]  # genres that count as right when read leniently
    written: str | None  # the genre written; None: nothing
    group: str  # tracks of one group are resampled together


def flat(threshold: float = DEFAULT_MIN_CONFIDENCE) -> Thresholds:
    """The same threshold for every genre (what the app applies today)."""
    return lambda _genre: threshold


def written_genre(probs: np.ndarray, labels: Sequence[str], music: float | None,
                  gate: float | None, thresholds: Thresholds) -> str | None:
    """The genre a default write gives a track: conditional `probs`, the gate's P(music)."""
    if music is not None and gate is not None and music < gate:
        return None
    joint = probs * music if music is not None else probs
    best = int(np.argmax(joint))
    return labels[best] if joint[best] >= thresholds(labels[best]) else None


def interval(hits: Sequence[bool], groups: Sequence[str]) -> tuple[float, float]:
    """95 %: the wider of Wilson over tracks and a bootstrap over groups."""
    if not len(hits):
        return 0.0, 1.0
    w_lo, w_hi = wilson_interval(int(sum(hits)), len(hits))
    b_lo, b_hi = group_bootstrap_interval(hits, groups)
    return min(w_lo, b_lo), max(w_hi, b_hi)


def share(hits: list[bool], groups: list[str]) -> str:
    """'k/n 0.xx [lo–hi]' or '–' when n is 0."""
    if not hits:
        return "–"
    lo, hi = interval(hits, groups)
    return f"{sum(hits)}/{len(hits)} {np.mean(hits):.2f} [{lo:.2f}–{hi:.2f}]"


def genre_row(tracks: Sequence[Scored], genre: str | None) -> tuple[str, str, str]:
    """(coverage, strict precision, lenient precision) of one genre; None: all genres."""
    own = [t for t in tracks if t.truth is not None and (genre is None or t.truth == genre)]
    writes = [t for t in tracks if t.written is not None and (genre is None or t.written == genre)]
    return (share([t.written is not None for t in own], [t.group for t in own]),
            share([t.written == t.truth for t in writes], [t.group for t in writes]),
            share([t.written in t.accepted for t in writes], [t.group for t in writes]))


def print_table(title: str, tracks: Sequence[Scored], markdown: bool = False,
                by_source: bool = False) -> None:
    """Per genre: coverage and precision (strict, lenient) with intervals; then all music
    (and, `by_source`, all music of each source: the group's prefix)."""
    genres = sorted({t.truth for t in tracks if t.truth} | {t.written for t in tracks
                                                            if t.written})
    non_music = [t for t in tracks if t.truth is None]
    print(f"\n{title}: {len(tracks) - len(non_music)} music tracks, {len(non_music)} non-music "
          f"({sum(t.written is not None for t in non_music)} get a genre written)")
    head = ("genre", "coverage", "precision strict", "precision lenient")
    line = "| {} | {} | {} | {} |" if markdown else "{:<11}{:>26}{:>28}{:>28}"
    print(line.format(*head))
    if markdown:
        print("|---|---|---|---|")
    for genre in [*genres, None]:
        print(line.format(genre or "all music", *genre_row(tracks, genre)))
    for source in sorted({t.group.split(":")[0] for t in tracks}) if by_source else ():
        some = [t for t in tracks if t.group.startswith(source + ":")]
        if any(t.truth for t in some):
            print(line.format(f"all {source}", *genre_row(some, None)))


def decide_clips(probs: np.ndarray, music: np.ndarray, labels: Sequence[str], gate: float,
                 rule: EarlyExit | None, thresholds: Thresholds) -> str | None:
    """The written genre from a track's clip outputs, the early rule settling it when it does."""
    if rule is not None and rule.fits(len(probs)) and rule.settles(probs, music):
        probs, music = probs[: rule.clips], music[: rule.clips]
    return written_genre(probs.mean(axis=0), labels, float(music.mean()), gate, thresholds)


def pool_truth(item: Item) -> tuple[str | None, frozenset[str]]:
    """Strict and lenient genres of a pool item."""
    if item.genre is None:
        return None, frozenset()
    lenient = POP_ROCK if item.source in LENIENT_SOURCES and item.genre in POP_ROCK else set()
    return item.genre, frozenset({item.genre, *lenient})


@dataclass
class PoolOutputs:
    """Out-of-fold per-clip outputs of the whole training pool, as the shipped recipe gives."""

    items: list[Item]
    probs: list[np.ndarray]  # (clips, genres) conditional genre probabilities
    music: list[np.ndarray]  # (clips,) P(music)
    labels: tuple[str, ...]
    gate: float
    rule: EarlyExit | None
    seed: int = 0  # of the folds and heads (the shipped head's: tools/default_ship.CHOSEN)


def pool_outputs(data: Path = DATA, cache: Path = CACHE, seed: int | None = None
                 ) -> PoolOutputs:
    """Compute them (about a minute once the features are cached); `seed` of the folds and
    heads, the shipped recipe's by default."""
    from bench.early_exit import gate_clip_probs, genre_clip_probs, shipped_head
    from classifier.bundle_spec import read_spec
    from resources import MODELS_DIR
    from tools.default_data import FeatureCache, features
    from tools.default_ship import CHOSEN

    items = pool_items(data / "genre-pool") + mini_items(data / "gtzan-mini")
    items = [i for i in items if i.label != "world"]  # 3 clips of a genre nobody offers
    feats = features(FeatureCache(cache), items, CHOSEN["inputs"], CHOSEN["clips"])
    weight, bias, _, gate = shipped_head()
    spec = read_spec(MODELS_DIR / "broad")
    rule = EarlyExit.from_spec(spec["early_exit"], "broad") if "early_exit" in spec else None
    seed = int(str(CHOSEN["seed"])) if seed is None else seed
    return PoolOutputs(items, genre_clip_probs(feats, items, weight, bias, seed),
                       gate_clip_probs(feats, items, seed), tuple(spec["labels"]), gate, rule,
                       seed)


def pool_scored(out: PoolOutputs, thresholds: Thresholds,
                written: Mapping[int, str | None] | None = None) -> list[Scored]:
    """Each pool track scored; `written` overrides the decision of some tracks (a cascade)."""
    scored = []
    for n, (item, p, m) in enumerate(zip(out.items, out.probs, out.music)):
        truth, accepted = pool_truth(item)
        genre = (written[n] if written is not None and n in written
                 else decide_clips(p, m, out.labels, out.gate, out.rule, thresholds))
        scored.append(Scored(truth, accepted, genre, item.group))
    return scored


def real_scored(thresholds: Thresholds, data: Path = DATA) -> list[Scored]:
    """The 64 real recordings through the app's pipeline (3 clips, early exit, gate)."""
    from classifier.bundle import load_bundle
    from classifier.predict import predict_tracks
    from library.genre_names import genre_key
    from tools.fit_broad import labelled_clips

    bundle = load_bundle("broad")
    keys = {genre_key(label): label for label in bundle.labels}
    clips = labelled_clips(data)
    scored = []
    results = {r.path: r for r in predict_tracks([str(c[0]) for c in clips], bundle,
                                                 device="cpu")}
    for path, accepted, _ in clips:
        result = results[str(path)]
        genre = None if result.not_music else written_genre(
            result.probabilities, bundle.labels, None, None, thresholds)
        if accepted is None:
            truth, lenient = None, frozenset[str]()
        elif "gtzan-mini" in path.parts:
            truth = keys[genre_key(path.parent.name)]
            lenient = frozenset({truth})
        else:
            truth = next(g for prefix, g in CC_STRICT.items() if path.stem.startswith(prefix))
            lenient = frozenset({truth} | {keys[k] for k in map(genre_key, accepted) if k in keys})
        scored.append(Scored(truth, lenient, genre, str(path)))
    return scored


def main(argv: list[str] | None = None) -> int:
    """Print the tables of (a) the pool out of fold and (b) the real recordings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--skip-pool", action="store_true")
    parser.add_argument("--skip-real", action="store_true")
    parser.add_argument("--markdown", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    print(f"write threshold {DEFAULT_MIN_CONFIDENCE:g} on P(music) x P(genre | music)")
    if not args.skip_pool:
        out = pool_outputs(args.data, args.cache)
        print_table("(a) training pool, out of fold (grouped 5-fold, seed 0; early exit "
                    f"{'on' if out.rule else 'off'})", pool_scored(out, flat()), args.markdown,
                    by_source=True)
    if not args.skip_real:
        print_table("(b) real recordings (gtzan-mini 50, cc-music 14)",
                    real_scored(flat(), args.data), args.markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
