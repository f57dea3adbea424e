"""More coverage at the same precision? Candidates for the default write, measured out of fold.

    python bench/write_candidates.py [--cache DIR] [--table VARIANT] [--markdown] [--seeds 0 1 2]

On the training pool, out of fold exactly as bench/write_threshold.py's table (a):
  - baseline: the shipped decision (0.5 on P(music) x P(genre | music), early exit on);
  - one global threshold from 0.30 to 0.95 (the trade-off any per-genre rule must beat);
  - early exit off (every track decided on 3 clips);
  - the threshold on P(genre | music) once the gate passes a track (no P(music) factor);
  - per-genre thresholds, cross-fitted: for each outer fold, thresholds are chosen on the other
    folds' out-of-fold tracks and applied to this fold's ("genre": each genre's lowest
    threshold whose precision there is at least that genre's at 0.5; "all": at least the
    pooled precision at 0.5; "greedy": the most writes at the pooled precision of 0.5,
    lowering first the genre whose next step adds the most precise writes);
  - MSD + MTT on every track (both backbones' embedding and tag logits, same recipe, folds and
    calibration) and the cascade: MTT run only on the music tracks MSD leaves without a write
    (written at 0.5; only when both heads agree; at a second-stage threshold cross-fitted to
    hold the first stage's precision on the other folds).
Each is printed as its all-music coverage and precision, then its paired difference against
the baseline with a 95 % bootstrap interval over groups (artist, GTZAN id, song, speaker).
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.write_threshold import (  # noqa: E402
    CACHE,
    DATA,
    PoolOutputs,
    Scored,
    decide_clips,
    flat,
    genre_row,
    pool_outputs,
    pool_scored,
    print_table,
    written_genre,
)
from library.tagplan import DEFAULT_MIN_CONFIDENCE  # noqa: E402

GRID = np.round(np.arange(0.30, 0.96, 0.05), 2)
FOLDS = 5
MIN_WRITES = 5  # a genre with fewer writes on the calibration folds keeps the global threshold


def fold_of(out: PoolOutputs) -> np.ndarray:
    """Each pool track's outer fold: the genre head's folds for learned music, else by group."""
    from tools.default_data import music_set
    from tools.default_fit import grouped_folds

    idx, classes, groups = music_set(out.items)
    fold = np.array([zlib.crc32(i.group.encode()) % FOLDS for i in out.items])
    for k, (_, test) in enumerate(grouped_folds(classes, groups, FOLDS, out.seed)):
        fold[np.asarray(idx)[test]] = k
    return fold


def decisions(out: PoolOutputs) -> list[tuple[str | None, float]]:
    """Per track (top genre if it passes the gate, else None; its joint confidence)."""
    rows = []
    for p, m in zip(out.probs, out.music):
        genre = decide_clips(p, m, out.labels, out.gate, out.rule, flat(0.0))
        rule = out.rule
        if rule is not None and rule.fits(len(p)) and rule.settles(p, m):
            p, m = p[: rule.clips], m[: rule.clips]
        rows.append((genre, float((p.mean(0) * m.mean()).max())))
    return rows


def choose(rows: Sequence[tuple[str | None, float]], truth: Sequence[str | None],
           labels: Sequence[str], per_genre_target: bool) -> dict[str, float]:
    """Per genre, the lowest grid threshold holding precision at least the target's."""
    base = DEFAULT_MIN_CONFIDENCE
    writes = [(g, c, g == t) for (g, c), t in zip(rows, truth) if g is not None]
    pooled = np.mean([r for _, c, r in writes if c >= base]) if writes else 1.0
    chosen = {}
    for genre in labels:
        own = [(c, r) for g, c, r in writes if g == genre]
        at_base = [r for c, r in own if c >= base]
        if len(at_base) < MIN_WRITES:
            continue
        target = np.mean(at_base) if per_genre_target else pooled
        for t in GRID:
            kept = [r for c, r in own if c >= t]
            if len(kept) >= MIN_WRITES and np.mean(kept) >= target:
                chosen[genre] = float(t)
                break
    return chosen


def choose_greedy(rows: Sequence[tuple[str | None, float]], truth: Sequence[str | None],
                  labels: Sequence[str]) -> dict[str, float]:
    """Per-genre thresholds for the most writes at the pooled precision of 0.5: from none
    written, repeatedly lower the genre whose next grid step adds the most precise writes,
    while the pooled precision stays at least that of 0.5."""
    writes = [(g, c, g == t) for (g, c), t in zip(rows, truth) if g is not None]
    at_base = [r for _, c, r in writes if c >= DEFAULT_MIN_CONFIDENCE]
    target = np.mean(at_base) if at_base else 1.0
    steps = sorted(GRID, reverse=True)
    seen = {g for g, _, _ in writes}  # a genre never written here keeps the global threshold
    level = {g: -1 for g in labels if g in seen}  # index into steps; -1: none written yet
    right = total = 0

    def added(genre: str) -> tuple[int, int]:
        """(right, writes) the genre's next step down adds."""
        hi = steps[level[genre]] if level[genre] >= 0 else 2.0
        lo = steps[level[genre] + 1]
        new = [r for g, c, r in writes if g == genre and lo <= c < hi]
        return sum(new), len(new)

    while True:
        open_ = [g for g in level if level[g] + 1 < len(steps)]
        if not open_:
            break
        gains = {g: added(g) for g in open_}
        best = max(open_, key=lambda g: (gains[g][0] / gains[g][1]) if gains[g][1] else 2.0)
        r, n = gains[best]
        if n and (right + r) / (total + n) < target:
            break
        level[best] += 1
        right, total = right + r, total + n
    return {g: float(steps[i]) if i >= 0 else 1.01 for g, i in level.items()}


def per_genre(out: PoolOutputs, rule: str) -> tuple[list[Scored], list[dict]]:
    """The pool scored with thresholds chosen on the other folds; the chosen thresholds."""
    rows, fold = decisions(out), fold_of(out)
    truth = [i.genre for i in out.items]
    written: dict[int, str | None] = {}
    picked = []
    for k in range(FOLDS):
        calib = np.flatnonzero(fold != k)
        calib_rows, calib_truth = [rows[i] for i in calib], [truth[i] for i in calib]
        chosen = (choose_greedy(calib_rows, calib_truth, out.labels) if rule == "greedy" else
                  choose(calib_rows, calib_truth, out.labels, rule == "genre"))
        picked.append(chosen)
        for i in np.flatnonzero(fold == k):
            genre, confidence = rows[i]
            need = chosen.get(genre, DEFAULT_MIN_CONFIDENCE) if genre else 1.0
            written[int(i)] = genre if genre is not None and confidence >= need else None
    return pool_scored(out, flat(), written), picked


def conditional(out: PoolOutputs) -> list[Scored]:
    """The write on P(genre | music) alone once the gate has passed the track (the joint
    confidence's P(music) factor left out)."""
    written: dict[int, str | None] = {}
    for n, (p, m) in enumerate(zip(out.probs, out.music)):
        if out.rule is not None and out.rule.fits(len(p)) and out.rule.settles(p, m):
            p, m = p[: out.rule.clips], m[: out.rule.clips]
        passed = float(m.mean()) >= out.gate
        written[n] = written_genre(p.mean(0), out.labels, None, None, flat()) if passed else None
    return pool_scored(out, flat(), written)


def mtt_probs(out: PoolOutputs, cache: Path) -> list[np.ndarray]:
    """(clips, genres) out of fold from a head on MSD + MTT (music), or the full fit (others)."""
    from safetensors.torch import load_file

    from classifier.training.heads_train import HeadConfig
    from resources import MODELS_DIR
    from tools.default_data import LEARNED, FeatureCache, features, music_set
    from tools.default_fit import (
        clip_logits,
        fit_head,
        fit_vector_scaling,
        grouped_folds,
        oof_logits,
        softmax,
    )
    from tools.default_ship import CHOSEN

    feats = features(FeatureCache(cache), out.items, "both+mtt", CHOSEN["clips"])
    shipped = load_file(str(MODELS_DIR / "broad" / "head.safetensors"))
    zero_w = shipped["out.weight"].numpy()[len(LEARNED):]  # on the MSD 250 only
    zero_w = np.hstack([zero_w, np.zeros_like(zero_w)])
    zero_b = shipped["out.bias"].numpy()[len(LEARNED):]
    idx, classes, groups = music_set(out.items)
    config = HeadConfig(CHOSEN["kind"], l2=CHOSEN["l2"], seed=out.seed)
    music_feats = [feats[i] for i in idx]
    folds = grouped_folds(classes, groups, FOLDS, out.seed)
    oof = oof_logits(music_feats, classes, folds, len(LEARNED), config)
    head = fit_head(music_feats, classes, np.arange(len(idx)), len(LEARNED), config)
    scale, shift = fit_vector_scaling(oof, classes)
    everyone = clip_logits(head, feats, np.arange(len(feats)))
    result = [softmax(np.hstack([z * scale + shift, f @ zero_w.T + zero_b]))
              for z, f in zip(everyone, feats)]
    for train, test in folds:
        s, b = fit_vector_scaling([oof[i] for i in train], classes[train])
        for i in test:
            zero = music_feats[i] @ zero_w.T + zero_b
            result[idx[i]] = softmax(np.hstack([oof[i] * s + b, zero]))
    return result


def second_stage(out: PoolOutputs, mtt: list[np.ndarray], first: Sequence[Scored],
                 everyone: bool, agree: bool) -> list[tuple[int, str | None, float]]:
    """(track, MSD+MTT top genre, joint confidence) of the tracks the second stage decides."""
    rows = []
    for n, (scored, p, m) in enumerate(zip(first, mtt, out.music)):
        if float(m.mean()) < out.gate or not (everyone or scored.written is None):
            continue
        genre = written_genre(p.mean(0), out.labels, float(m.mean()), out.gate, flat(0.0))
        if agree and genre != decide_clips(out.probs[n], m, out.labels, out.gate, out.rule,
                                           flat(0.0)):
            genre = None  # the two backbones' heads disagree: leave it unwritten
        rows.append((n, genre, float((p.mean(0) * m.mean()).max())))
    return rows


def stage_threshold(rows: Sequence[tuple[int, str | None, float]], first: Sequence[Scored],
                    calib: set[int]) -> float:
    """The lowest grid threshold >= 0.5 at which the second stage's writes on the calibration
    tracks are at least as precise as the first stage's there; above 1 when none is."""
    base = [t.written == t.truth for n, t in enumerate(first) if n in calib and t.written]
    target = np.mean(base) if base else 1.0
    for t in GRID[GRID >= DEFAULT_MIN_CONFIDENCE]:
        kept = [first[n].truth == g for n, g, c in rows if n in calib and g and c >= t]
        if len(kept) >= MIN_WRITES and np.mean(kept) >= target:
            return float(t)
    return 1.01


def cascade(out: PoolOutputs, mtt: list[np.ndarray], everyone: bool, agree: bool = False,
            fitted: bool = False) -> tuple[list[Scored], float, list[float]]:
    """MSD + MTT deciding every track, or only those MSD leaves unwritten (at 0.5, or at a
    threshold cross-fitted on the other folds); MTT's run share; the thresholds."""
    first = pool_scored(out, flat())
    rows = second_stage(out, mtt, first, everyone, agree)
    fold = fold_of(out)
    picked = [stage_threshold(rows, first, set(np.flatnonzero(fold != k).tolist()))
              if fitted else DEFAULT_MIN_CONFIDENCE for k in range(FOLDS)]
    written = {n: g if g is not None and c >= picked[fold[n]] else None for n, g, c in rows}
    return pool_scored(out, flat(), written), len(rows) / len(first), picked


def paired(base: Sequence[Scored], new: Sequence[Scored], seed: int = 0, n: int = 2000
           ) -> str:
    """Coverage and strict/lenient precision differences (new - base), 95 % over groups."""
    names = sorted({t.group for t in base})
    at = {g: i for i, g in enumerate(names)}
    owner = np.array([at[t.group] for t in base])

    def sums(tracks: Sequence[Scored]) -> np.ndarray:
        """Per group: music, covered, writes, strict right, lenient right."""
        cols = np.array([[t.truth is not None, t.truth is not None and t.written is not None,
                          t.written is not None, t.written is not None and t.written == t.truth,
                          t.written is not None and t.written in t.accepted] for t in tracks])
        out = np.zeros((len(names), 5))
        np.add.at(out, owner, cols.astype(float))
        return out

    a, b = sums(base), sums(new)
    picks = np.random.default_rng(seed).integers(0, len(names), size=(n, len(names)))

    def diff(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """(resamples, 3) of coverage, strict and lenient precision differences."""
        sx, sy = x[picks].sum(1), y[picks].sum(1)
        return np.stack([sy[:, 1] / sy[:, 0] - sx[:, 1] / sx[:, 0],
                         sy[:, 3] / sy[:, 2] - sx[:, 3] / sx[:, 2],
                         sy[:, 4] / sy[:, 2] - sx[:, 4] / sx[:, 2]], axis=1)

    whole_a, whole_b = a.sum(0), b.sum(0)
    est = [whole_b[1] / whole_b[0] - whole_a[1] / whole_a[0],
           whole_b[3] / whole_b[2] - whole_a[3] / whole_a[2],
           whole_b[4] / whole_b[2] - whole_a[4] / whole_a[2]]
    boot = diff(a, b)
    lo, hi = np.percentile(boot, 2.5, axis=0), np.percentile(boot, 97.5, axis=0)
    parts = [f"{name} {e:+.3f} [{lo_:+.3f}, {hi_:+.3f}]" for name, e, lo_, hi_ in
             zip(("coverage", "strict", "lenient"), est, lo, hi)]
    return "; ".join(parts)


def line(name: str, base: Sequence[Scored], tracks: Sequence[Scored]) -> None:
    """All-music figures of one candidate and its paired difference against the baseline."""
    coverage, strict, lenient = genre_row(tracks, None)
    print(f"{name:<34} coverage {coverage:<26} strict {strict:<26} lenient {lenient}")
    if tracks is not base:
        print(f"{'':<34} vs baseline: {paired(base, tracks)}")


def main(argv: list[str] | None = None) -> int:
    """Print each candidate against the baseline; per-genre tables of the promising ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=CACHE)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--table", default="cascade", help="the variant to print per genre")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0],
                        help="fold and head seeds (the shipped recipe's: 0)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    for seed in args.seeds:
        out = pool_outputs(args.data, args.cache, seed)
        base = pool_scored(out, flat())
        print(f"\nfolds and heads of seed {seed}")
        line("baseline (shipped, early exit on)", base, base)
        print_thresholds(out, base)
        print_cascades(out, base, args.cache, args.table, args.markdown)
    return 0


def print_thresholds(out: PoolOutputs, base: list[Scored]) -> None:
    """The global curve, early exit off, the conditional write and the per-genre rules."""
    for t in GRID:
        line(f"global threshold {t:.2f}", base, pool_scored(out, flat(float(t))))
    no_exit = PoolOutputs(out.items, out.probs, out.music, out.labels, out.gate, None, out.seed)
    line("early exit off (3 clips always)", base, pool_scored(no_exit, flat()))
    line("P(genre | music) after the gate", base, conditional(out))
    for rule in ("genre", "all", "greedy"):
        tracks, picked = per_genre(out, rule)
        line(f"per-genre thresholds, {rule}", base, tracks)
        for k, chosen in enumerate(picked):
            print(f"{'':<36}fold {k}: {chosen}")


def print_cascades(out: PoolOutputs, base: list[Scored], cache: Path, table: str,
                   markdown: bool) -> None:
    """MSD + MTT on every track and the cascade's variants; `table` per genre."""
    mtt = mtt_probs(out, cache)
    variants = {"MSD+MTT every track": (True, False, False), "cascade": (False, False, False),
                "cascade, both heads agree": (False, True, False),
                "cascade, threshold cross-fitted": (False, False, True),
                "cascade, agree + cross-fitted": (False, True, True)}
    for name, (everyone, agree, fitted) in variants.items():
        tracks, ran, stage = cascade(out, mtt, everyone, agree, fitted)
        line(f"{name} (MTT on {ran:.0%})", base, tracks)
        if fitted:
            print(f"{'':<36}second-stage thresholds per fold: {stage}")
        if name == table:
            print_table(f"{name}, out of fold", tracks, markdown)


if __name__ == "__main__":
    sys.exit(main())
