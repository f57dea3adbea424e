"""`classify` with from-scratch bundles: descriptor nets read the library's cached descriptors.

Excerpts are real gtzan-mini audio trimmed to 7 s in a tmp dir (two 2.97 s clips each), so the
descriptors (HPSS, tempo) stay affordable; the nets are untrained, as these tests check wiring
and caching, not skill.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select

from classifier import scratch_predict
from classifier.descriptors import N_DESCRIPTORS
from classifier.nets.registry import get_net
from classifier.scratch_bundle import ScratchBundle, save_scratch_bundle
from classifier.scratch_predict import load_scratch_classifier, net_rows
from library.db import create_db_engine, session_factory
from library.models import Embedding, Prediction, Track
from library.predictions import stat_on_disk, tracks_needing_prediction
from main import main
from tests.library_queries import load_descriptors
from tests.stand_in_bundle import StandInBundle
from workflows.classify import classify_tracks

LABELS = ["jazz", "metal", "pop"]


def excerpt(shared_data: Path, genre: str, folder: Path, start: float = 0.0) -> Path:
    """7 s of a real gtzan-mini track, written as FLAC into `folder`."""
    audio, rate = sf.read(shared_data / f"gtzan-mini/{genre}/{genre}.00000.flac", dtype="float32")
    out = folder / f"{genre}.flac"
    sf.write(out, audio[int(start * rate) : int((start + 7) * rate)], rate)
    return out


def scratch_bundle(net: str, folder: Path) -> Path:
    """An untrained bundle of the registered net `net`, saved as `train` saves one."""
    spec = get_net(net)
    model = spec.create(len(LABELS))
    if hasattr(model, "fit_direct"):  # a forest has no weights until grown: grow it on noise
        noise = np.random.default_rng(0).normal(size=(30, 1, N_DESCRIPTORS))
        model.fit_direct(SimpleNamespace(x=noise, y=np.arange(30) % len(LABELS)), seed=0)
    bundle = ScratchBundle(net=net, model=model, labels=LABELS,
                           input_spec=spec.input_spec, mean=0.0, std=1.0)
    return save_scratch_bundle(bundle, folder)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Number of rows of each descriptor computation the scratch pipeline makes."""
    calls: list[int] = []
    real = scratch_predict.spec_descriptors

    def counting(audio, spec):
        rows = real(audio, spec)
        calls.append(len(rows))
        return rows

    monkeypatch.setattr(scratch_predict, "spec_descriptors", counting)
    return calls


def library(db_path: Path, files: list[Path]):
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for path in files:
            session.add(Track(path=str(path), size=path.stat().st_size,
                              mtime_ns=path.stat().st_mtime_ns))
    return sessions


@pytest.mark.slow  # librosa descriptors of real audio
def test_classify_caches_descriptors_and_reads_them_on_the_next_run(
    shared_data: Path, tmp_path: Path, db_path: Path, counted: list[int],
    capsys: pytest.CaptureFixture[str],
) -> None:
    jazz, metal = (excerpt(shared_data, g, tmp_path) for g in ("jazz", "metal"))
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"not audio at all")
    sessions = library(db_path, [jazz, metal, broken])
    bundle_dir = scratch_bundle("feature-mlp", tmp_path / "my-mlp")
    key = load_scratch_classifier(bundle_dir).descriptor_key
    run = ["--db", str(db_path), "classify", "--bundle", str(bundle_dir), "--device", "cpu"]

    assert main(run) == 1  # the broken file fails on its own; the others are stored
    first = capsys.readouterr()
    assert "broken.flac" in first.err and "descriptors of 2 tracks" in first.out
    assert counted == [2, 2]  # two tracks of two 2.97 s clips each
    with sessions() as session:
        stored = {p.track_id: p for p in session.scalars(select(Prediction))}
        cached = {i: load_descriptors(session, i, key) for i in stored}
        assert session.scalar(select(Embedding).where(Embedding.backbone == "my-mlp")) is None
    assert all(p.bundle == "my-mlp" and set(p.probabilities) == set(LABELS)
               for p in stored.values())
    assert all(rows.shape == (2, N_DESCRIPTORS) and np.isfinite(rows).all()
               for rows in cached.values())

    assert main([*run, "--force"]) == 1
    assert counted == [2, 2]  # the second run read every descriptor from the cache
    assert "descriptors of" not in capsys.readouterr().out
    with sessions() as session:
        again = {p.track_id: p.probabilities for p in session.scalars(select(Prediction))}
    assert again == {i: p.probabilities for i, p in stored.items()}


@pytest.mark.slow  # librosa descriptors of real audio
def test_a_changed_file_gets_new_descriptors(
    shared_data: Path, tmp_path: Path, db_path: Path, counted: list[int]
) -> None:
    jazz = excerpt(shared_data, "jazz", tmp_path)
    sessions = library(db_path, [jazz])
    bundle = load_scratch_classifier(scratch_bundle("random-forest", tmp_path / "forest"))
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, bundle.version)
    outcome = classify_tracks(sessions, todo, bundle, device="cpu")
    assert outcome.stored == 1 and outcome.descriptors_cached == 1
    with sessions() as session:
        before = load_descriptors(session, todo[0].id, bundle.descriptor_key)
    excerpt(shared_data, "jazz", tmp_path, start=10.0)  # the user replaced the audio
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, bundle.version,
                                         current_stat=stat_on_disk)
    assert len(todo) == 1
    outcome = classify_tracks(sessions, todo, bundle, device="cpu")
    assert outcome.descriptors_cached == 1 and counted == [2, 2]
    with sessions() as session:
        after = load_descriptors(session, todo[0].id, bundle.descriptor_key)
    assert not np.array_equal(before, after)


def test_cnn_mlp_input_takes_cached_descriptors_without_recomputing(
    shared_data: Path, tmp_path: Path, counted: list[int]
) -> None:
    spec = get_net("cnn-mlp").input_spec
    cached = np.arange(2 * N_DESCRIPTORS, dtype=np.float32).reshape(2, N_DESCRIPTORS)
    rows, computed = net_rows(str(excerpt(shared_data, "pop", tmp_path)), spec, cached)
    assert computed is None and counted == []
    assert rows.shape == (2, spec.n_bins * spec.frames + N_DESCRIPTORS)
    np.testing.assert_array_equal(rows[:, -N_DESCRIPTORS:], cached)


def test_the_default_pipeline_computes_and_stores_no_descriptors(
    shared_data: Path, db_path: Path, counted: list[int]
) -> None:
    path = shared_data / "gtzan-mini/jazz/jazz.00001.flac"
    sessions = library(db_path, [path])
    with sessions() as session:
        todo = tracks_needing_prediction(session, "stand-in", "0.1")
    outcome = classify_tracks(sessions, todo, StandInBundle(), device="cpu")
    assert outcome.stored == 1 and outcome.descriptors_cached == 0 and counted == []
    with sessions() as session:
        assert [e.backbone for e in session.scalars(select(Embedding))] == ["stand-in"]


@pytest.mark.slow  # librosa descriptors and the MSD backbone on real audio
def test_scratch_bundles_apply_the_music_gate(shared_data: Path, tmp_path: Path) -> None:
    from classifier.scratch_predict import predict_scratch_tracks

    bundle = load_scratch_classifier(scratch_bundle("feature-mlp", tmp_path / "mlp"))
    assert bundle.gate is not None
    speech, dog = (shared_data / "cc-music" / f"{stem}.ogg" for stem in ("198-209-0000", "pibble"))
    jazz = excerpt(shared_data, "jazz", tmp_path)
    results = {Path(r.path).stem: r for r in predict_scratch_tracks(
        [(1, str(speech)), (2, str(dog)), (3, str(jazz))], bundle, {}, device="cpu")}
    for stem in ("198-209-0000", "pibble"):  # an untrained net would name a genre for anything
        assert results[stem].not_music and results[stem].top_genres == ()
    assert not results["jazz"].not_music and results["jazz"].music >= bundle.gate.threshold
    assert results["jazz"].probabilities.sum() == pytest.approx(results["jazz"].music, abs=1e-4)


def test_identity_is_what_the_loaded_classifier_stores(tmp_path: Path) -> None:
    """The app tells current predictions from outdated ones by the model in use's key, read
    without loading weights: it must name the bundle and version the loaded classifier
    stores."""
    from classifier.bundles import open_bundle
    from workflows.browse import ModelInUse

    folder = scratch_bundle("feature-mlp", tmp_path / "mlp")
    for name in (str(folder), None, "gtzan10"):
        loaded = open_bundle(name)
        key = ModelInUse(name).key()
        assert (key.name, key.version) == (loaded.name, str(loaded.version))
