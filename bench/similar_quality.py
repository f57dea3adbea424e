""""More like this" quality on training material: share of the 10 nearest with the query's genre.

    /work/main/.venv/bin/python bench/similar_quality.py [--cache DIR] [-k 10]

Material: genre-pool's music clips + gtzan-mini ids 00000-00004 (never the holdout), each
track's musicnn-msd embedding the way the library stores it (mean over the 3 clips the broad
bundle runs, rounded to float16), from tools/train_default.py's feature cache. A query's
neighbours come only from other groups (GTZAN id, Jamendo song, Emotify artist): a clip of
the same song or artist never counts. Chance is the share of the other groups' tracks that
have the query's genre.

Variants, all needing only what the library stores (the embedding, the prediction):
  plain       cosine of the stored vectors
  centred     cosine after subtracting the collection's mean vector
  standard    cosine after standardising each dimension over the collection
  +probs w    (1-w) * cosine(standard) + w * Bhattacharyya(head probabilities); the head's
              probabilities are out of fold (grouped 5-fold, the shipped head's recipe), as a
              user's tracks are unseen; w is chosen on the other folds' queries (nested).
  rerank100   the 100 nearest by plain cosine re-ordered by (1-w) * cosine + w * the same
              overlap, w nested as above: what workflows/similar.py ships.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from platformdirs import user_cache_path  # noqa: E402

from classifier.training.heads_train import HeadConfig  # noqa: E402
from tools.default_data import (  # noqa: E402
    LEARNED, FeatureCache, features, mini_items, pool_items)
from tools.default_fit import (  # noqa: E402
    clip_logits, fit_head, grouped_folds, oof_logits, track_probs)

DATA = REPO.parent / "shared" / "data"
WEIGHTS = (0.0, 0.25, 0.5, 0.75, 1.0)


def unit(x: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1."""
    return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)


def head_probabilities(cache: FeatureCache, items: list, genres: list[str]) -> np.ndarray:
    """(tracks, learned genres): out-of-fold for learned genres, a full-data head for others."""
    feats = features(cache, items, "both", 3)
    learned = np.array([g in LEARNED for g in genres])
    idx = np.flatnonzero(learned)
    classes = np.array([LEARNED.index(genres[i]) for i in idx])
    groups = [items[i].group for i in idx]
    config = HeadConfig("linear", l2=0.1, seed=0)
    sub = [feats[i] for i in idx]
    oof = track_probs(oof_logits(sub, classes, grouped_folds(classes, groups, 5, 0),
                                 len(LEARNED), config))
    probs = np.zeros((len(items), len(LEARNED)))
    probs[idx] = oof
    others = np.flatnonzero(~learned)
    if len(others):  # never trained on: any head's output is out of sample
        all_classes = np.full(len(items), -1)
        all_classes[idx] = classes
        head = fit_head(feats, all_classes, idx, len(LEARNED), config)
        probs[others] = track_probs(clip_logits(head, feats, others))
    return probs


def precision(sim: np.ndarray, genres: np.ndarray, groups: np.ndarray, k: int) -> np.ndarray:
    """Per query, the share of its k most similar other-group tracks with its genre."""
    sim = sim.copy()
    sim[groups[:, None] == groups[None, :]] = -np.inf
    nearest = np.argsort(-sim, axis=1, kind="stable")[:, :k]
    return (genres[nearest] == genres[:, None]).mean(axis=1)


def reranked(first: np.ndarray, second: np.ndarray, groups: np.ndarray, top: int) -> np.ndarray:
    """`second` where `first` ranks a pair among a query's `top` (other groups), else -inf:
    what re-ranking only the top plain-cosine candidates by the mixed score gives."""
    first = first.copy()
    first[groups[:, None] == groups[None, :]] = -np.inf
    keep = np.argsort(-first, axis=1, kind="stable")[:, :top]
    out = np.full_like(second, -np.inf)
    rows = np.arange(len(first))[:, None]
    out[rows, keep] = second[rows, keep]
    return out


def nested_weight_scores(cos: np.ndarray, bhat: np.ndarray, genres: np.ndarray,
                         groups: np.ndarray, folds: list, k: int,
                         top: int | None = None) -> tuple[np.ndarray, list]:
    """Per query, precision with w chosen on the other folds' queries; the chosen ws."""
    def mixed(w: float) -> np.ndarray:
        sim = (1 - w) * cos + w * bhat
        return sim if top is None else reranked(cos, sim, groups, top)
    per_w = {w: precision(mixed(w), genres, groups, k) for w in WEIGHTS}
    out, chosen = np.zeros(len(genres)), []
    for train, test in folds:
        best = max(WEIGHTS, key=lambda w: per_w[w][train].mean())
        out[test] = per_w[best][test]
        chosen.append(best)
    return out, chosen


def main() -> None:
    """Print the per-genre table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path,
                        default=user_cache_path("GenreLens") / "train-default")
    parser.add_argument("-k", type=int, default=10)
    args = parser.parse_args()
    items = [i for i in pool_items(DATA / "genre-pool") + mini_items(DATA / "gtzan-mini")
             if i.genre is not None]
    cache = FeatureCache(args.cache)
    emb = np.stack([m.mean(axis=0) for m in features(cache, items, "emb", 3)])
    emb = emb.astype("<f2").astype(np.float32)  # what the library stores
    genres = np.array([i.genre for i in items])
    groups = np.array([i.group for i in items])
    std = (emb - emb.mean(0)) / np.maximum(emb.std(0), 1e-6)
    probs = head_probabilities(cache, items, list(genres))
    sq = np.sqrt(probs)
    cos_std = unit(std) @ unit(std).T
    folds = grouped_folds([LEARNED.index(g) if g in LEARNED else -1 for g in genres],
                          list(groups), 5, 1)
    mixed, chosen = nested_weight_scores(cos_std, sq @ sq.T, genres, groups, folds, args.k)
    plain_cos = unit(emb) @ unit(emb).T
    rerank, chosen_r = nested_weight_scores(plain_cos, sq @ sq.T, genres, groups, folds,
                                            args.k, top=100)
    scores = {
        "plain": precision(unit(emb) @ unit(emb).T, genres, groups, args.k),
        "centred": precision(unit(emb - emb.mean(0)) @ unit(emb - emb.mean(0)).T,
                             genres, groups, args.k),
        "standard": precision(cos_std, genres, groups, args.k),
        "+probs": mixed,
        "rerank100": rerank,
    }
    print(f"{len(items)} music tracks in {len(set(groups))} groups; k = {args.k}; "
          f"+probs w per fold: {chosen}")
    print(f"{'genre':<12}{'tracks':>7}{'chance':>8}" + "".join(f"{n:>10}" for n in scores))
    for genre in sorted(set(genres)):
        rows = genres == genre
        chance = np.mean([((genres == genre) & (groups != groups[i])).sum()
                          / (groups != groups[i]).sum() for i in np.flatnonzero(rows)])
        print(f"{genre:<12}{rows.sum():>7}{chance:>8.2f}"
              + "".join(f"{s[rows].mean():>10.2f}" for s in scores.values()))
    macro = {n: np.mean([s[genres == g].mean() for g in set(genres)]) for n, s in scores.items()}
    print(f"{'all (micro)':<12}{len(items):>7}{'':>8}"
          + "".join(f"{s.mean():>10.2f}" for s in scores.values()))
    print(f"{'all (macro)':<12}{'':>7}{'':>8}" + "".join(f"{m:>10.2f}" for m in macro.values()))
    rng = np.random.default_rng(0)
    for name in ("+probs", "rerank100"):
        diff = scores[name] - scores["plain"]
        boot = [diff[rng.integers(0, len(diff), len(diff))].mean() for _ in range(2000)]
        print(f"{name} - plain: {diff.mean():+.3f} (95% bootstrap over queries "
              f"{np.percentile(boot, 2.5):+.3f} .. {np.percentile(boot, 97.5):+.3f}); "
              f"rerank w per fold: {chosen_r}")
    for w in WEIGHTS:  # not nested: how much the choice of w matters
        p = precision((1 - w) * cos_std + w * (sq @ sq.T), genres, groups, args.k)
        print(f"  w = {w:.2f} (all queries): {p.mean():.3f}")


if __name__ == "__main__":
    main()
