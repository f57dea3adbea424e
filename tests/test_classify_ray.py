"""`classify --ray` end to end: a local Ray (2 CPUs) classifies real audio into a library on
a real PostgreSQL server, with the predictions the local path makes, and a broken file
recorded as an error; a run interrupted at the driver keeps what came back, releases its
claims and stops Ray, and the next run does the rest; then nothing is left to do."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from library.db import create_db_engine, session_factory
from library.models import ClassifyClaim, Prediction, Track
from library.predictions import tracks_needing_prediction
from main import main
from tests.audio_files import load_source, write_audio
from tests.postgres_server import PgServer
from tests.library_queries import local_rows

pytestmark = pytest.mark.slow  # starts Ray, loads the real bundle in each of two actors
ray = pytest.importorskip("ray", reason="Ray is not installed (pip install genrelens[cluster])")


def _predictions(location: Path | str) -> dict[str, tuple[tuple[str, ...], float]]:
    engine = create_db_engine(location)
    with session_factory(engine)() as session:
        rows = local_rows(session, select(Track.root_id, Track.path, Prediction.top_genres,
                                          Prediction.confidence).join(Prediction.track))
    engine.dispose()
    return {Path(p).name: (tuple(top), conf) for p, top, conf in rows}


def test_ray_classifies_real_audio_into_postgresql_as_the_local_path_does(
        pg_server: PgServer, shared_data: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    music = tmp_path / "music"
    music.mkdir()
    for genre in ("rock", "jazz", "classical", "metal"):
        write_audio(music / f"{genre}.flac",
                    *load_source(shared_data / f"gtzan-mini/{genre}/{genre}.00001.flac", 8.0))
    shutil.copyfile(music / "rock.flac", music / "broken.flac")
    with open(music / "broken.flac", "r+b") as handle:
        handle.truncate(6000)  # header intact, audio cut off
    url, local = pg_server.empty_database(), tmp_path / "local.sqlite3"
    for db in (url, local):
        assert main(["--db", str(db), "scan", str(music), "-q"]) == 0
    assert main(["--db", str(local), "classify", "--device", "cpu"]) == 1  # the broken file
    capsys.readouterr()

    stored_before = _interrupted_after_two_results(url)
    assert 0 < stored_before < 4

    # The rest; the broken file fails in whichever run reaches it (exit 1 if this one).
    assert main(["--db", url, "classify", "--ray"]) in (0, 1)
    out, _ = capsys.readouterr()
    assert "2 Ray workers" in out and f"Classified {4 - stored_before} of " in out
    assert main(["--db", url, "list", "--status", "error"]) == 0
    assert "broken.flac" in capsys.readouterr().out  # recorded as unreadable, not retried
    on_ray, locally = _predictions(url), _predictions(local)
    assert sorted(on_ray) == ["classical.flac", "jazz.flac", "metal.flac", "rock.flac"]
    for name, (top, confidence) in locally.items():
        assert on_ray[name][0] == top and on_ray[name][1] == pytest.approx(confidence, abs=2e-3)
    assert not ray.is_initialized()  # the local Ray it started is shut down

    assert main(["--db", url, "classify", "--ray"]) == 0  # resumes: nothing left
    assert "Nothing to do" in capsys.readouterr().out
    assert main(["--db", url, "list", "--genre", "Classical"]) == 0
    assert "classical.flac" in capsys.readouterr().out


def _interrupted_after_two_results(url: str) -> int:
    """A Ray run stopped (as by Ctrl-C) at its second result; how many it stored."""
    from classifier.bundles import open_bundle
    from workflows.classify_ray import classify_on_ray

    sessions = session_factory(create_db_engine(url))
    bundle = open_bundle(None)
    with sessions() as session:
        todo = tracks_needing_prediction(session, bundle.name, str(bundle.version))
    seen: list[int] = []

    def interrupt() -> None:
        seen.append(1)
        if len(seen) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        classify_on_ray(sessions, todo, bundle, commit_every=1, on_result=interrupt)
    assert not ray.is_initialized()
    with sessions() as session:
        assert session.scalars(select(ClassifyClaim)).all() == []  # released, none held
        return len(session.scalars(select(Prediction)).all())


def test_ray_workers_reach_the_music_through_their_own_nodes_mapping(
        shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    """The driver's copy of the share is gone; the workers' node mounts it elsewhere
    (GENRELENS_ROOTS in the workers' environment only) and classifies every track."""
    from workflows.classify_ray import start_ray

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))  # no roots file
    music, db = tmp_path / "music", tmp_path / "library.sqlite3"
    music.mkdir()
    for genre in ("rock", "classical"):
        write_audio(music / f"{genre}.flac",
                    *load_source(shared_data / f"gtzan-mini/{genre}/{genre}.00001.flac", 8.0))
    assert main(["--db", str(db), "scan", str(music), "-q"]) == 0  # root "music" recorded here
    node_mount = tmp_path / "node-mount"
    music.rename(node_mount)  # this machine no longer has it where the root was recorded
    monkeypatch.setattr(ray, "init", _with_worker_env(ray.init, f"music={node_mount}"))
    assert start_ray(None)  # the local Ray, its workers mapping the root to node-mount
    try:
        assert main(["--db", str(db), "classify", "--ray", "--ray-workers", "1"]) == 0
    finally:
        ray.shutdown()
    assert "Classified 2 of 2" in capsys.readouterr().out
    assert sorted(_predictions(db)) == ["classical.flac", "rock.flac"]


def _with_worker_env(init, roots: str):  # type: ignore[no-untyped-def]
    """ray.init giving the workers (not this process) GENRELENS_ROOTS=`roots`."""
    def patched(*args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs.setdefault("runtime_env", {}).setdefault("env_vars", {})["GENRELENS_ROOTS"] = roots
        return init(*args, **kwargs)
    return patched
