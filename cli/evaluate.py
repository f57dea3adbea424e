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
    parser.add_argument("--bundle", required=True, type=Path)
    parser.add_argument("--data", required=True, type=Path, help="folder or CSV of labelled audio")
    parser.add_argument("--split", type=Path, help="evaluate only the tracks this file lists")
    parser.add_argument("--compare", nargs="+", type=Path, default=[], metavar="BUNDLE",
                        help="more bundles to lay side by side in one table")
    parser.add_argument("--out", type=Path,
                        help="where to save results (default: BUNDLE/evaluation for each)")
    parser.set_defaults(handler=run_evaluate)


def run_evaluate(args: argparse.Namespace, app: AppContext) -> int:
    """Evaluate every bundle on the same tracks; print reports and the comparison table."""
    from classifier.datasets import DatasetError, load_dataset, select_by_split_file
    from classifier.evaluate import compare_table, format_report, save_report
    from classifier.scratch_bundle import ScratchBundleError, load_scratch_bundle

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
    prepared: dict = {}  # features once per input spec, shared by bundles that agree on it
    rows, tag_rows, status = [], [], 0
    for bundle_dir in [args.bundle, *args.compare]:
        try:
            bundle = load_scratch_bundle(bundle_dir)
        except ScratchBundleError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 1
            continue
        if bundle.multi_label:
            tag_report = _evaluate_tags(bundle, bundle_dir, tracks, test_idx, prepared, args)
            tag_rows.append((f"{bundle_dir.name} ({bundle.net})", [tag_report]))
            continue
        report = _evaluate(bundle, tracks, test_idx, prepared)
        out = (args.out / bundle_dir.name) if args.out else bundle_dir / "evaluation"
        json_path, png_path = save_report(report, out, f"{bundle.net} ({bundle_dir.name})")
        print(f"=== {bundle_dir}\n{format_report(report)}\nsaved {json_path} and {png_path}\n")
        rows.append((f"{bundle_dir.name} ({bundle.net})", [report], None))
    if len(rows) > 1:
        print(compare_table(rows))
    if tag_rows and len(rows) + len(tag_rows) > 1:
        from classifier.multilabel import tag_compare_table

        print(tag_compare_table(tag_rows))
    return status


def _evaluate_tags(bundle, bundle_dir: Path, tracks, test_idx, prepared, args):
    """ROC-AUC and PR-AUC per tag of a multi-label bundle, saved as evaluation.json."""
    import json

    from classifier.experiment import prepare
    from classifier.multilabel import evaluate_tagger, format_tag_report

    if bundle.input_spec not in prepared:
        prepared[bundle.input_spec] = prepare(tracks, bundle.input_spec, test_idx, progress=True)
    report = evaluate_tagger(bundle, prepared[bundle.input_spec], test_idx)
    out = (args.out / bundle_dir.name) if args.out else bundle_dir / "evaluation"
    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n",
                                         encoding="utf-8")
    print(f"=== {bundle_dir} (multi-label)\n{format_tag_report(report)}\n"
          f"saved {out / 'evaluation.json'}\n")
    return report


def _evaluate(bundle, tracks, test_idx, prepared):
    from classifier.experiment import evaluate_scratch, prepare

    if bundle.input_spec not in prepared:
        prepared[bundle.input_spec] = prepare(tracks, bundle.input_spec, test_idx, progress=True)
    return evaluate_scratch(bundle, prepared[bundle.input_spec], test_idx)
