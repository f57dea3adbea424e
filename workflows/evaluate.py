"""Evaluate bundles on labelled audio (research): each bundle opened through the registry,
measured on the same tracks, its report saved as JSON (+ confusion-matrix PNG); the run
yields the reports as words and returns the exit status, which `genrelens evaluate` prints."""

from __future__ import annotations

import json
from collections.abc import Generator, Sequence
from pathlib import Path
from typing import Any

from workflows.events import Event, Notice, Problem

Said = Generator[Event, None, Any]  # Notice and Problem events; returns the outcome


def evaluate(data: Path, bundles: Sequence[Path], *, split: Path | None, out: Path | None,
             clips: int | None) -> Said:
    """Evaluate every bundle on the same tracks; report each and the comparison table.
    Returns 0, 1 if a bundle could not be measured, 2 if DATA or SPLIT cannot be used."""
    from classifier.bundle import BundleError
    from classifier.bundles import list_bundles
    from classifier.scratch_bundle import ScratchBundleError
    from classifier.training.datasets import DatasetError, load_dataset, select_by_split_file
    from classifier.training.evaluate import compare_table, format_report, save_report

    try:
        tracks = load_dataset(data)
        everything = list(range(len(tracks)))
        test_idx = select_by_split_file(tracks, split) if split else everything
    except (DatasetError, OSError) as exc:
        yield Problem(f"error: {exc}")
        return 2
    if not test_idx:
        yield Problem(f"error: no track of {data} is listed in {split}")
        return 2
    rows, tag_rows, status = [], [], 0
    for bundle_dir in bundles:
        try:
            result = yield from _run_one(bundle_dir, tracks, test_idx, out, clips)
        except (ScratchBundleError, BundleError, OSError, ValueError) as exc:
            yield Problem(f"error: {bundle_dir}: {exc}")
            if "not found" in str(exc):
                yield Problem(f"bundles: {', '.join(i.name for i in list_bundles())}")
            status = 1
            continue
        if result[1] == "tags":  # a multi-label bundle: AUC per tag, its own table
            tag_rows.append(result[0])
            continue
        name, kind, report, folder = result
        json_path, png_path = save_report(report, folder, f"{name} ({kind})")
        yield Notice(f"=== {bundle_dir}\n{format_report(report)}\nsaved {json_path} and "
                     f"{png_path}\n")
        rows.append((f"{name} ({kind})", [report], None))
    if len(rows) > 1:
        yield Notice(compare_table(rows))
    if tag_rows and len(rows) + len(tag_rows) > 1:
        from classifier.training.multilabel import tag_compare_table

        yield Notice(tag_compare_table(tag_rows))
    return status


def _save_tag_report(report, out: Path, title) -> Said:
    from classifier.training.multilabel import format_tag_report

    out.mkdir(parents=True, exist_ok=True)
    (out / "evaluation.json").write_text(json.dumps(report.to_dict(), indent=2) + "\n",
                                         encoding="utf-8")
    yield Notice(f"=== {title} (multi-label)\n{format_tag_report(report)}\n"
                 f"saved {out / 'evaluation.json'}\n")


def _run_one(bundle_dir: Path, tracks, test_idx, out: Path | None, clips: int | None) -> Said:
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
    if out is None and KINDS[bundle_kind(info.path)].evaluation_beside:
        folder = info.path / "evaluation"
    else:
        folder = (out or Path("evaluation")) / name
    clips, device = clips or DEFAULT_CLIPS, choose_device()
    if model.multi_label:
        tags = evaluate_model_tags(model, tracks, test_idx, clips=clips, device=device)
        yield from _save_tag_report(tags, folder, bundle_dir)
        return (f"{name} ({info.design})", [tags]), "tags"
    report = evaluate_model(model, tracks, test_idx, clips=clips, device=device)
    if report.errors:
        yield Notice(f"{model.name}: matched genres {', '.join(report.labels)}; "
                     f"{len(report.errors)} track(s) skipped (see 'skipped:' lines)")
    return name, info.design, report, folder
