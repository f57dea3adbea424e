"""Train a from-scratch network on labelled audio (research): one bundle on a split, or one
per fold with its evaluation; the run yields what it measured as words and returns the exit
status, which `genrelens train` prints."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from workflows.evaluate import Said
from workflows.events import Notice, Problem


def net_names() -> list[str]:
    """The registered networks `train` can build (imports no torch: the parser checks them)."""
    from classifier.nets.registry import NETS

    return sorted(NETS)


def train(net_name: str, data_path: Path, *, split: Path | None, valid_split: Path | None,
          folds: int | None, by_artist: bool, epochs: int | None, seed: int,
          multi_label: bool, device: str | None, progress: bool, out: Path) -> Said:
    """Train one bundle (or one per fold); returns 0, 1 if a fold failed, 2 on bad input."""
    from classifier.nets.registry import get_net
    from classifier.training.datasets import DatasetError, load_dataset, select_by_split_file
    from classifier.training.experiment import prepare, recipe_config

    net = get_net(net_name)
    try:
        tracks = load_dataset(data_path)
        everything = list(range(len(tracks)))
        train_idx = select_by_split_file(tracks, split) if split else everything
        valid_idx = select_by_split_file(tracks, valid_split) if valid_split else None
    except (DatasetError, OSError) as exc:
        yield Problem(f"error: {exc}")
        return 2
    if not train_idx:
        yield Problem(f"error: no track of {data_path} is listed in {split}")
        return 2
    needed = None if folds else [*train_idx, *(valid_idx or [])]
    data = prepare(tracks, net.input_spec, needed, progress=progress)
    for _, message in sorted(data.errors.items()):
        yield Problem(f"skipped: {message}")
    config = recipe_config(net, epochs=epochs, seed=seed, device=device, progress=progress)
    if folds and multi_label:
        yield Problem("error: --multi-label trains on a split, not --folds")
        return 2
    if folds:
        return (yield from _cross_validate(net, data, folds, config, out, seed, by_artist))
    return (yield from _train_one(net, data, train_idx, valid_idx, config, out, seed,
                                  multi_label))


def _train_one(net, data, train_idx, valid_idx, config, out: Path, seed: int,
               multi_label: bool = False) -> Said:
    from classifier.scratch_bundle import save_scratch_bundle
    from classifier.training.datasets import holdout
    from classifier.training.experiment import train_scratch
    from classifier.training.multilabel import train_tagger

    if valid_idx is None:
        train_idx, valid_idx = holdout(data.tracks, train_idx, 0.2, seed=seed)
    else:  # a track named in both lists is kept for training only: validation must stay unseen
        valid_idx = sorted(set(valid_idx) - set(train_idx))
    config = replace(config, checkpoint_dir=out / "checkpoints")
    try:
        trainer = train_tagger if multi_label else train_scratch
        bundle, result = trainer(net, data, train_idx, valid_idx, config)
    except ValueError as exc:
        yield Problem(f"error: {exc}")
        return 2
    save_scratch_bundle(bundle, out)
    last = result.history[-1]
    yield Notice(f"{net.name}: {len(result.history)} epochs in {result.seconds:.0f} s, kept "
                 f"epoch {result.best_epoch}; last train loss {last['train_loss']:.3f}"
                 + (f", val accuracy {last['val_accuracy']:.3f}" if "val_accuracy" in last
                    else ""))
    yield Notice(f"bundle written to {out}")
    return 0


def _cross_validate(net, data, folds: int, config, out: Path, seed: int, by_artist: bool
                    ) -> Said:
    from classifier.scratch_bundle import save_scratch_bundle
    from classifier.training.datasets import DatasetError, artist_kfold, holdout, stratified_kfold
    from classifier.training.evaluate import compare_table, format_report, save_report
    from classifier.training.experiment import evaluate_scratch, train_scratch

    try:
        make_folds = artist_kfold if by_artist else stratified_kfold
        splits = make_folds(data.tracks, folds, seed=seed)
    except DatasetError as exc:
        yield Problem(f"error: {exc}")
        return 2
    reports, seconds = [], []
    for k, (train_idx, test_idx) in enumerate(splits, start=1):
        fold_dir = out / f"fold-{k}"
        fit_idx, valid_idx = holdout(data.tracks, train_idx, 0.2, seed=seed + k)
        fold_config = replace(config, checkpoint_dir=fold_dir / "checkpoints")
        try:
            bundle, result = train_scratch(net, data, fit_idx, valid_idx, fold_config)
        except ValueError as exc:  # e.g. a fold whose training side holds only one genre
            yield Problem(f"error: fold {k}: {exc}")
            return 1
        save_scratch_bundle(bundle, fold_dir)
        report = evaluate_scratch(bundle, data, test_idx)
        save_report(report, fold_dir / "evaluation", f"{net.name}, fold {k}")
        yield Notice(f"--- fold {k}/{folds}\n{format_report(report)}")
        reports.append(report)
        seconds.append(result.seconds)
    yield Notice("")
    yield Notice(compare_table([(net.name, reports, sum(seconds) / len(seconds))]))
    return 0
