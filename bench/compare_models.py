"""k-fold comparison of the networks on gtzan-mini, printed as a papers-style table.

    GENRELENS_TEST_DATA=../shared/data python bench/compare_models.py --folds 3 --epochs 5

Rows: the CS230 CNN and Schindler et al.'s shallow/deep nets on mel and CQT input, trained from
scratch per fold (a quarter of each fold's training tracks held out for early stopping), plus
the pretrained-embedding head once the backbone is merged (see `pretrained_head_row`).
Mean ± std over folds; train time is the mean per fold. Figures vary with the machine.
Issue #7's rows: `--nets feature-mlp random-forest cnn-mlp cnn-rnn rnn` (descriptors are computed
once for all of them), `--tags-net NAME` adds a multi-label row (genre + loud/quiet tags).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.clip_inputs import descriptor_part  # noqa: E402
from classifier.training.datasets import LabelledTrack, holdout, load_folder, stratified_kfold  # noqa: E402
from classifier.training.evaluate import EvalReport, compare_table  # noqa: E402
from classifier.training.experiment import (  # noqa: E402
    PreparedData,
    evaluate_scratch,
    prepare,
    recipe_config,
    train_scratch,
)
from classifier.inputs import InputSpec  # noqa: E402
from classifier.nets.registry import DESCRIPTOR_INPUT, MEL_DESCRIPTOR_INPUT, get_net  # noqa: E402

# Same place the tests look: $GENRELENS_TEST_DATA, else ../shared/data beside the checkout.
DEFAULT_DATA = Path(
    os.environ.get("GENRELENS_TEST_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")
) / "gtzan-mini"
NETS = ("cs230", "schindler-shallow", "schindler-deep", "schindler-shallow-cqt",
        "schindler-deep-cqt")
# Issue #7: the descriptor models, the LSE report's CNN-MLP and recurrent nets.
PAPER_NETS = ("feature-mlp", "random-forest", "cnn-mlp", "cnn-rnn", "rnn")
_PREPARED: dict[InputSpec, PreparedData] = {}


def prepared(tracks: list[LabelledTrack], spec: InputSpec) -> PreparedData:
    """Features once per spec; descriptor rows are cut out of the packed CNN-MLP rows when those
    exist (the same clips' descriptors: HPSS and tempo are the slow part, so compute them once)."""
    if spec not in _PREPARED:
        if spec == DESCRIPTOR_INPUT and MEL_DESCRIPTOR_INPUT in _PREPARED:
            packed = _PREPARED[MEL_DESCRIPTOR_INPUT]
            _PREPARED[spec] = PreparedData(packed.tracks, spec, descriptor_part(packed.features),
                                           dict(packed.errors))
        else:
            _PREPARED[spec] = prepare(tracks, spec)
    return _PREPARED[spec]

Row = tuple[str, list[EvalReport], float | None]


def scratch_row(
    name: str, tracks: list[LabelledTrack], folds: list, epochs: int | None, seed: int,
    batch_size: int | None = None,
) -> Row:
    """Train and test one registered net on every fold."""
    net = get_net(name)
    data = prepared(tracks, net.input_spec)
    config = recipe_config(net, epochs=epochs, batch_size=batch_size, seed=seed, progress=False)
    reports, seconds = [], []
    for k, (train_idx, test_idx) in enumerate(folds):
        fit_idx, valid_idx = holdout(tracks, train_idx, 0.25, seed=seed + k)
        bundle, result = train_scratch(net, data, fit_idx, valid_idx, config)
        report = evaluate_scratch(bundle, data, test_idx)
        reports.append(report)
        seconds.append(result.seconds)
        print(f"  {name} fold {k + 1}: raw {report.clip_accuracy:.3f} "
              f"max-prob {report.track_accuracy_max_prob:.3f} "
              f"vote {report.track_accuracy_vote:.3f} "
              f"({result.seconds:.0f} s, best epoch {result.best_epoch})", flush=True)
    label = f"{name} ({config.epochs} ep" + (f", batch {batch_size})" if batch_size else ")")
    return label, reports, sum(seconds) / len(seconds)


def loudness_tagged(tracks: list[LabelledTrack]) -> list[LabelledTrack]:
    """The tracks tagged with their genre and "loud"/"quiet" (RMS above/below the median): a
    multi-label set from real audio, for the sigmoid/BCE machinery until real tags exist."""
    from dataclasses import replace

    import numpy as np

    from classifier.inputs import decode

    rms = [float(np.sqrt(np.mean(decode(t.path, 22050) ** 2))) for t in tracks]
    median = float(np.median(rms))
    return [replace(t, tags=(t.genre, "loud" if r > median else "quiet"))
            for t, r in zip(tracks, rms, strict=True)]


def tags_row(name: str, tracks: list[LabelledTrack], folds: list, epochs: int | None,
             seed: int) -> tuple[str, list]:
    """Train and test one net multi-label (genre + loudness tags) on every fold."""
    from classifier.training.multilabel import evaluate_tagger, train_tagger

    net, tagged = get_net(name), loudness_tagged(tracks)
    data = prepared(tracks, net.input_spec)
    data = PreparedData(tagged, data.spec, data.features, data.errors)
    config = recipe_config(net, epochs=epochs, seed=seed, progress=False)
    reports = []
    for k, (train_idx, test_idx) in enumerate(folds):
        fit_idx, valid_idx = holdout(tracks, train_idx, 0.25, seed=seed + k)
        bundle, _ = train_tagger(net, data, fit_idx, valid_idx, config)
        reports.append(evaluate_tagger(bundle, data, test_idx))
        print(f"  {name} tags fold {k + 1}: macro track ROC-AUC "
              f"{reports[-1].macro['track_roc_auc']:.3f}", flush=True)
    return f"{name}, genre + loud/quiet tags ({config.epochs} ep)", reports


def pretrained_head_row(tracks: list[LabelledTrack], folds, seed: int) -> Row | None:
    """The pretrained-embedding head (linear, musicnn-msd, 10 clips a track) on the same folds;
    train time is the head's alone (embeddings are computed once, like features above)."""
    from classifier.training.heads_train import HeadConfig, cross_validate
    from tools.train_gtzan10 import embed

    embeddings = embed(tracks, "msd", clips=10)
    labels = sorted({t.genre for t in tracks})
    classes = [labels.index(t.genre) for t in tracks]
    start = time.perf_counter()
    reports = cross_validate(embeddings, classes, labels, folds, HeadConfig(seed=seed))
    for k, report in enumerate(reports):
        print(f"  pretrained head fold {k + 1}: raw {report.clip_accuracy:.3f} "
              f"max-prob {report.track_accuracy_max_prob:.3f} "
              f"vote {report.track_accuracy_vote:.3f}", flush=True)
    return "musicnn-msd + linear head", reports, (time.perf_counter() - start) / len(folds)


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print (and optionally save) the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=None,
                        help="epochs for every net (default: each paper's own count)")
    parser.add_argument("--batch-size", type=int, default=None,
                        help="minibatch for every net (default: each paper's own)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--nets", nargs="*", default=list(NETS),
                        help="from-scratch nets to train (none: only the pretrained head row); "
                        f"issue #7's: {' '.join(PAPER_NETS)}")
    parser.add_argument("--net-epochs", nargs="+", default=[], metavar="NAME=N",
                        help="epochs for single nets, over --epochs")
    parser.add_argument("--tags-net", default=None, metavar="NAME",
                        help="also train NAME multi-label (genre + loud/quiet) per fold")
    parser.add_argument("--json", type=Path, default=None, help="also save all reports here")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (1 copes best with a busy machine)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)

    tracks = load_folder(args.data)
    folds = stratified_kfold(tracks, args.folds, seed=args.seed)
    print(f"{len(tracks)} tracks, {args.folds}-fold, seed {args.seed}", flush=True)
    started = time.perf_counter()
    epochs_of = dict(item.split("=") for item in args.net_epochs)
    if "cnn-mlp" in args.nets:  # its packed rows first: the descriptor models reuse them
        prepared(tracks, MEL_DESCRIPTOR_INPUT)
    rows = [scratch_row(name, tracks, folds, int(epochs_of.get(name, 0)) or args.epochs,
                        args.seed, args.batch_size) for name in args.nets]
    head = pretrained_head_row(tracks, folds, args.seed)
    if head is not None:
        rows.append(head)
    tag_rows = [tags_row(args.tags_net, tracks, folds, args.epochs, args.seed)] \
        if args.tags_net else []
    print()
    if rows:
        print(compare_table(rows))
    if tag_rows:
        from classifier.training.multilabel import tag_compare_table

        print(tag_compare_table(tag_rows))
    print(f"\ntotal wall time {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps(
            {name: [r.to_dict() for r in reports]
             for name, reports, *_ in [*rows, *tag_rows]}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
