"""`evaluate`: measure bundles on labelled audio; JSON + confusion-matrix PNG per bundle."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.context import AppContext


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the `evaluate` subcommand."""
    parser = subparsers.add_parser(
        "evaluate", help="measure a model bundle on labelled audio",
        description="Clip accuracy, track accuracy (max probability and majority vote), "
        "per-genre precision/recall and the confusion matrix of a bundle on DATA; for a "
        "multi-label bundle, ROC-AUC and PR-AUC per tag (DATA's CSV 'tags' column).",
    )
    parser.add_argument("--bundle", required=True, type=Path,
                        help="a bundle name (broad, gtzan10, …) or folder, pretrained or scratch")
    parser.add_argument("--data", required=True, type=Path, help="folder or CSV of labelled audio")
    parser.add_argument("--split", type=Path, help="evaluate only the tracks this file lists")
    parser.add_argument("--compare", nargs="+", type=Path, default=[], metavar="BUNDLE",
                        help="more bundles to lay side by side in one table")
    parser.add_argument("--out", type=Path,
                        help="where to save results (default: BUNDLE/evaluation for scratch "
                        "bundles, ./evaluation/NAME for the others)")
    parser.add_argument("--clips", type=int, default=None,
                        help="clips per track for pretrained bundles (default: as classify)")
    parser.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace, app: AppContext) -> int:
    """Evaluate every bundle on the same tracks; print reports and the comparison table."""
    from classifier.bundle import BundleError
    from classifier.bundles import list_bundles
    from classifier.training.datasets import DatasetError, load_dataset, select_by_split_file
    from classifier.training.evaluate import compare_table, format_report, save_report
    from classifier.scratch_bundle import ScratchBundleError

    try:
        tracks = load_dataset(args.data)
        everything = list(range(len(tracks)))
        test_idx = select_by_split_file(tracks, args.split) if args.split else everything
    except (DatasetError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not test_idx:
        print(f"error: no track of {args.data} is listed in {args.split}", file=sys.stderr)
        return 2
    rows, tag_rows, status = [], [], 0
    for bundle_dir in [args.bundle, *args.compare]:
        try:
            result = _run_one(bundle_dir, tracks, test_idx, args)
        except (ScratchBundleError, BundleError, OSError, ValueError) as exc:
            print(f"error: {bundle_dir}: {exc}", file=sys.stderr)
            if "not found" in str(exc):
                print(f"bundles: {', '.join(i.name for i in list_bundles())}",
                      file=sys.stderr)
            status = 1
            continue
        if result[1] == "tags":  # a multi-label bundle: AUC per tag, its own table
            tag_rows.append(result[0])
            continue
        name, kind, report, out = result
        json_path, png_path = save_report(report, out, f"{name} ({kind})")
        print(f"=== {bundle_dir}\n{format_report(report)}\nsaved {json_path} and {png_path}\n")
        rows.append((f"{name} ({kind})", [report], None))
    if len(rows) > 1:
        print(compare_table(rows))
    if tag_rows and len(rows) + len(tag_rows) > 1:
        from classifier.training.multilabel import tag_compare_table

        print(tag_compare_table(tag_rows))
    return status


def _save_tag_report(report, out: Path, title) -> None:
    import json

    from classifier.training.multilabel import format_tag_report

    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n",
                                         encoding="utf-8")
    print(f"=== {title} (multi-label)\n{format_tag_report(report)}\n"
          f"saved {out / 'evaluation.json'}\n")


def _run_one(bundle_dir, tracks, test_idx, args):
    """(name, design, report, output folder) of one bundle of any kind; for a multi-label
    bundle ((row name, [tag report]), "tags"). The registry opens it, as classify does."""
    from classifier.audio import DEFAULT_CLIPS
    from classifier.bundles import KINDS, bundle_kind, describe_bundle, open_bundle
    from classifier.model import choose_device
    from classifier.training.evaluate_bundle import evaluate_model, evaluate_model_tags

    info = describe_bundle(bundle_dir)
    model = open_bundle(info.path)
    # a copy kept under another folder name (bench/legacy/broad-1.0) must not overwrite "broad"
    name = model.name if info.path.name == model.name else info.path.name
    if args.out is None and KINDS[bundle_kind(info.path)].evaluation_beside:
        out = info.path / "evaluation"
    else:
        out = (args.out or Path("evaluation")) / name
    clips, device = args.clips or DEFAULT_CLIPS, choose_device()
    if model.multi_label:
        tags = evaluate_model_tags(model, tracks, test_idx, clips=clips, device=device)
        _save_tag_report(tags, out, bundle_dir)
        return (f"{name} ({info.design})", [tags]), "tags"
    report = evaluate_model(model, tracks, test_idx, clips=clips, device=device)
    if report.errors:
        print(f"{model.name}: matched genres {', '.join(report.labels)}; "
              f"{len(report.errors)} track(s) skipped (see 'skipped:' lines)")
    return name, info.design, report, out
