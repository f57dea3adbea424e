"""What the library's descriptor cache saves: `classify` with a feature-mlp bundle, twice.

    python bench/descriptor_cache.py [--tracks 6] [--net feature-mlp]

Puts the first N gtzan-mini excerpts (30 s, real audio) into a fresh tmp library, saves an
untrained bundle of --net (speed does not depend on the weights), classifies once (descriptors
computed and cached) and again with --force (descriptors read from the cache), and prints both
times. The default pretrained bundle never computes descriptors, so it is not timed here.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from classifier.nets.registry import get_net
from classifier.scratch_bundle import ScratchBundle, save_scratch_bundle
from classifier.scratch_predict import load_scratch_classifier
from library.db import create_db_engine, session_factory
from library.models import Track
from library.predictions import tracks_needing_prediction
from workflows.classify import classify_tracks

DATA = Path(os.environ.get("GENRELENS_TEST_DATA",
                           Path(__file__).resolve().parents[2] / "shared" / "data"))


def main() -> None:
    """Time a cold and a cached classify run and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=6)
    parser.add_argument("--net", default="feature-mlp", choices=["feature-mlp", "cnn-mlp"])
    args = parser.parse_args()
    files = sorted((DATA / "gtzan-mini").glob("*/*.flac"))[:: max(1, 50 // args.tracks)]
    files = files[: args.tracks]
    with tempfile.TemporaryDirectory() as tmp:
        spec = get_net(args.net)
        bundle_dir = save_scratch_bundle(ScratchBundle(
            args.net, spec.create(10), [f"g{i}" for i in range(10)], spec.input_spec, 0.0, 1.0),
            Path(tmp) / "bundle")
        bundle = load_scratch_classifier(bundle_dir)
        sessions = session_factory(create_db_engine(Path(tmp) / "library.sqlite3"))
        with sessions.begin() as session:
            session.add_all(Track(path=str(f), size=f.stat().st_size,
                                  mtime_ns=f.stat().st_mtime_ns) for f in files)
        for run in ("cold (descriptors computed)", "rerun (descriptors cached)"):
            with sessions() as session:
                todo = tracks_needing_prediction(session, bundle.name, bundle.version, force=True)
            start = time.perf_counter()
            outcome = classify_tracks(sessions, todo, bundle, device="cpu")
            seconds = time.perf_counter() - start
            print(f"{args.net}, {run}: {outcome.stored} tracks, {outcome.stats.clips} clips, "
                  f"{seconds:.2f} s ({seconds / len(todo):.3f} s/track), "
                  f"descriptors stored for {outcome.descriptors_cached} tracks")


if __name__ == "__main__":
    main()
