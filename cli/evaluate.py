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
    prepared: dict = {}  # features once per input spec, shared by bundles that agree on it
    rows, tag_rows, status = [], [], 0
    for bundle_dir in [args.bundle, *args.compare]:
        try:
            result = _run_one(bundle_dir, tracks, test_idx, prepared, args)
        except (ScratchBundleError, BundleError, ValueError) as exc:
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


def _evaluate_tags(bundle, bundle_dir: Path, tracks, test_idx, prepared, args):
    """ROC-AUC and PR-AUC per tag of a multi-label bundle, saved as evaluation.json."""
    from classifier.training.experiment import prepare
    from classifier.training.multilabel import evaluate_tagger

    if bundle.input_spec not in prepared:
        prepared[bundle.input_spec] = prepare(tracks, bundle.input_spec, test_idx, progress=True)
    report = evaluate_tagger(bundle, prepared[bundle.input_spec], test_idx)
    out = (args.out / bundle_dir.name) if args.out else bundle_dir / "evaluation"
    _save_tag_report(report, out, bundle_dir)
    return report


def _evaluate_pretrained_tags(bundle, tracks, test_idx, args):
    """Per-tag AUCs of a pretrained multi-label bundle ("tags"), saved as evaluation.json."""
    from classifier.training.evaluate_bundle import evaluate_pretrained_tags
    from classifier.audio import DEFAULT_CLIPS
    from classifier.model import choose_device

    report = evaluate_pretrained_tags(bundle, tracks, test_idx, clips=args.clips or DEFAULT_CLIPS,
                                      device=choose_device())
    _save_tag_report(report, (args.out or Path("evaluation")) / bundle.name, bundle.name)
    return report


def _save_tag_report(report, out: Path, title) -> None:
    import json

    from classifier.training.multilabel import format_tag_report

    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n",
                                         encoding="utf-8")
    print(f"=== {title} (multi-label)\n{format_tag_report(report)}\n"
          f"saved {out / 'evaluation.json'}\n")


def _run_one(bundle_dir, tracks, test_idx, prepared, args):
    """(name, kind, report, output folder) of one bundle, scratch or pretrained; for a
    multi-label bundle ((row name, [tag report]), "tags")."""
    import json

    from classifier.bundle import find_bundle, load_bundle
    from classifier.bundles import bundle_kind
    from classifier.training.evaluate_bundle import evaluate_pretrained
    from classifier.audio import DEFAULT_CLIPS
    from classifier.model import choose_device
    from classifier.scratch_bundle import load_scratch_bundle

    folder = find_bundle(bundle_dir)
    if bundle_kind(folder) == "scratch":  # evaluated on its own whole-excerpt inputs
        bundle = load_scratch_bundle(folder)
        if bundle.multi_label:
            report = _evaluate_tags(bundle, folder, tracks, test_idx, prepared, args)
            return (f"{folder.name} ({bundle.net})", [report]), "tags"
        out = (args.out / folder.name) if args.out else folder / "evaluation"
        return folder.name, bundle.net, _evaluate(bundle, tracks, test_idx, prepared), out
    bundle = load_bundle(folder)
    if bundle.multi_label:
        return (f"{bundle.name} (pretrained)", [_evaluate_pretrained_tags(bundle, tracks, test_idx,
                                                                    args)]), "tags"
    report = evaluate_pretrained(bundle, tracks, test_idx, clips=args.clips or DEFAULT_CLIPS,
                                 device=choose_device())
    if report.errors:
        print(f"{bundle.name}: matched genres {', '.join(report.labels)}; "
              f"{len(report.errors)} track(s) skipped (see 'skipped:' lines)")
    head = json.loads((folder / "bundle.json").read_text(encoding="utf-8"))["head"]["type"]
    # a copy kept under another folder name (bench/legacy/broad-1.0) must not overwrite "broad"
    name = bundle.name if folder.name == bundle.name else folder.name
    return name, head, report, (args.out or Path("evaluation")) / name


def _evaluate(bundle, tracks, test_idx, prepared):
    from classifier.training.experiment import evaluate_scratch, prepare

    if bundle.input_spec not in prepared:
        prepared[bundle.input_spec] = prepare(tracks, bundle.input_spec, test_idx, progress=True)
    return evaluate_scratch(bundle, prepared[bundle.input_spec], test_idx)
