"""`genrelens classify`: predict genres of library tracks, committing as it goes.

A thin command over workflows.classify, the glue the GUI's classify worker shares.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from classifier.audio import DEFAULT_CLIPS
from cli.context import AppContext
from library.predictions import stat_on_disk, tracks_needing_prediction
from cli.output import display_path


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add the `classify` command."""
    parser = subparsers.add_parser(
        "classify",
        help="predict the genres of library tracks",
        description="Predict genres of tracks that have no current prediction for the bundle "
        "(or whose file changed since). Results are committed in batches: after Ctrl-C or a "
        "crash, a rerun continues where it stopped.",
    )
    parser.add_argument(
        "paths", nargs="*", type=Path, metavar="PATH", help="only tracks in these files or folders"
    )
    parser.add_argument("--bundle", default=None, help="model bundle name or path (default: "
                        "broad); a bundle written by `train` works too")
    parser.add_argument(
        "--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, cuda:N or mps"
    )
    parser.add_argument("--clips", type=_positive, default=DEFAULT_CLIPS,
                        help=f"clips per track (default: {DEFAULT_CLIPS})")
    parser.add_argument("--force", action="store_true", help="predict again even if up to date")
    parser.add_argument(
        "--commit-every",
        type=_positive,
        default=64,
        metavar="N",
        help="tracks per commit (default: 64)",
    )
    parser.set_defaults(handler=run_classify)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def load_bundle(name: str | None) -> Any:
    """The named model bundle: pretrained (classifier.bundle) or from scratch (`train`)."""
    from classifier import bundle as bundles
    from classifier.scratch_predict import is_scratch, load_scratch_classifier

    folder = bundles.find_bundle(name or bundles.DEFAULT_BUNDLE)
    return load_scratch_classifier(folder) if is_scratch(folder) else bundles.load_bundle(folder)


def run_classify(args: argparse.Namespace, app: AppContext) -> int:
    """Handler of `classify`: exit 0 if all went well, 1 if some tracks failed, 2 on bad setup."""
    from classifier.predict import DeviceError, choose_device  # torch: only when classifying
    from workflows.classify import NotAGenreBundleError, check_genre_bundle, classify_tracks

    try:
        bundle = load_bundle(args.bundle)
        check_genre_bundle(bundle)
        device = choose_device(args.device)
    except (DeviceError, NotAGenreBundleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # BundleError, missing bundle module: nothing to run with
        print(f"error: cannot load model bundle {args.bundle or 'broad'!r}: {exc}", file=sys.stderr)
        return 2
    with app.sessions() as session:
        todo = tracks_needing_prediction(
            session, bundle.name, str(bundle.version), args.paths or None, args.force, stat_on_disk
        )
    if not todo:
        print(f"Nothing to do: every selected track has a current {bundle.name} prediction.")
        return 0
    start = time.perf_counter()
    with tqdm(total=len(todo), unit="track", disable=not sys.stderr.isatty()) as bar:
        outcome = classify_tracks(
            app.sessions,
            todo,
            bundle,
            device=device,
            clips=args.clips,
            commit_every=args.commit_every,
            on_result=bar.update,
        )
    elapsed = time.perf_counter() - start
    print(
        f"Classified {outcome.stored} of {len(todo)} tracks with {bundle.name} {bundle.version} "
        f"on {device} in {elapsed:.1f} s ({len(todo) / elapsed:.1f} tracks/s)."
    )
    if outcome.descriptors_cached:
        print(f"Cached the audio descriptors of {outcome.descriptors_cached} tracks for next time.")
    for path, message in outcome.errors:
        print(f"error: {display_path(path)}: {message}", file=sys.stderr)
    if outcome.errors:
        count = len(outcome.errors)
        noun = "track" if count == 1 else "tracks"
        print(f"{count} {noun} could not be classified (see above).", file=sys.stderr)
    return 1 if outcome.errors else 0
