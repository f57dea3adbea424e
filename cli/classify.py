"""`genrelens classify`: predict genres of library tracks, committing as it goes.

A thin command over workflows.classify, the glue the GUI's classify worker shares.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm import tqdm

from cli.context import AppContext
from workflows.classify_run import DEFAULT_CLIPS
from workflows.classify_todo import away_notes, up_to_date
from workflows.tracks import outside_library
from cli.output import display_path

if TYPE_CHECKING:
    from workflows.classify import GenreModel

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
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
    parser.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                        help="classify on a Ray cluster of several machines (ADDRESS, e.g. "
                        "ray://head:10001; none: a local Ray on 2 cores, for trying it out). "
                        "On one desktop it is slower than plain classify, which already uses "
                        "every core: Ray adds its start-up and a model load per worker. "
                        "Needs `pip install genrelens[cluster]`")
    parser.add_argument("--ray-workers", type=_positive, default=None, metavar="N",
                        help="Ray actors (default: one per CPU of the cluster)")
    parser.set_defaults(handler=run_classify)


def _say_away(notes: list[str]) -> None:
    for note in notes:  # a share not mounted: its tracks wait, none is an error
        print(note, file=sys.stderr)
        log.info(note)


def _nothing_to_do(bundle_name: str, notes: list[str]) -> int:
    _say_away(notes)
    here = " on this machine" if notes else ""
    print(f"Nothing to do{here}: every selected track has a current {bundle_name} prediction.")
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def load_bundle(name: str | None) -> GenreModel:
    """The named model bundle of any kind (None: the default); a seam tests replace."""
    from workflows.classify import open_bundle

    return open_bundle(name)


def run_classify(args: argparse.Namespace, app: AppContext) -> int:
    """Handler of `classify`: exit 0 if all went well, 1 if a PATH is not in the library or
    some tracks failed, 2 on bad setup."""
    unknown = outside_library(app.sessions, args.paths)
    for path in unknown:
        print(f"error: {display_path(str(path))}: not in the library; scan its folder first "
              "(genrelens scan FOLDER)", file=sys.stderr)
    args.paths = [p for p in args.paths if p not in unknown]
    if unknown and not args.paths:
        return 1
    return max(int(bool(unknown)), _classify(args, app))


def _classify(args: argparse.Namespace, app: AppContext) -> int:
    current = up_to_date(app.sessions, args.bundle, device=args.device, paths=args.paths,
                         force=args.force, files_here=args.ray is None)
    if current is not None:  # known from the bundle's spec: torch is never imported
        return _nothing_to_do(current.bundle, away_notes(current.away))
    from workflows.classify import (  # torch: only when classifying
        DeviceError, NotAGenreBundleError, classify_tracks, prepare_classify)

    try:
        run = prepare_classify(app.sessions, args.bundle, device=args.device, paths=args.paths,
                               force=args.force, opener=load_bundle,
                               files_here=args.ray is None)
    except (DeviceError, NotAGenreBundleError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 (BundleError, a missing module: nothing to run with)
        print(f"error: cannot load model bundle {args.bundle or 'broad'!r}: {exc}", file=sys.stderr)
        return 2
    bundle, device, todo = run.bundle, run.device, run.todo
    if not todo:
        return _nothing_to_do(bundle.name, run.away_notes())
    _say_away(run.away_notes())
    start = time.perf_counter()
    with tqdm(total=len(todo), unit="track", disable=not sys.stderr.isatty()) as bar:
        if args.ray is not None:  # workflows/classify_ray.py: the same pieces, on Ray actors
            from workflows.classify_ray import classify_on_ray

            device = f"Ray ({args.ray or 'local'})"
            outcome = classify_on_ray(
                app.sessions, todo, bundle, bundle_name=args.bundle, address=args.ray or None,
                workers=args.ray_workers, clips=args.clips, commit_every=args.commit_every,
                on_result=bar.update, on_start=lambda where: print(
                    f"{len(where)} Ray workers: {', '.join(sorted(set(where)))}", flush=True))
        else:
            outcome = classify_tracks(app.sessions, todo, bundle, device=device, clips=args.clips,
                                      commit_every=args.commit_every, on_result=bar.update)
    elapsed = time.perf_counter() - start
    # Of the tracks this run took: another run on the library may have claimed the others.
    print(
        f"Classified {outcome.stored} of {outcome.taken} tracks with {bundle.name} "
        f"{bundle.version} on {device} in {elapsed:.1f} s "
        f"({outcome.taken / elapsed:.1f} tracks/s)."
    )
    if outcome.taken < len(todo):
        print(f"Skipped {len(todo) - outcome.taken} tracks claimed by another classify run "
              "(or classified by it meanwhile).")
    if outcome.descriptors_cached:
        print(f"Cached the audio descriptors of {outcome.descriptors_cached} tracks for next time.")
    for path, message in outcome.errors:
        print(f"error: {display_path(path)}: {message}", file=sys.stderr)
        log.debug("cannot classify %s: %s", display_path(path), message)  # INFO: one a run
    if outcome.errors:
        count = len(outcome.errors)
        noun = "track" if count == 1 else "tracks"
        print(f"{count} {noun} could not be classified (see above).", file=sys.stderr)
    return 1 if outcome.errors else 0
