""""More like this" end to end: real GTZAN clips scanned into a real SQLite library and
classified with the shipped broad bundle; `similar` and `playlist --similar` read back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

import main
from library.db import create_db_engine, session_factory
from library.predictions import store_predictions
from library.records import EmbeddingRecord, PredictionRecord, PredictionWrite
from library.repository import get_track
from library.similarity import cached_matrix, nearest
from workflows.similar import find_similar, warm_index
from tools.demo_library import populate

CHOSEN = {"classical": (0, 1, 2, 3), "metal": (0, 1, 2), "jazz": (0, 1), "hiphop": (0, 1)}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple[Path, Path]:
    """(music folder, library file): 11 clips and a byte copy of classical.00000 in another
    folder, classified; then one more clip scanned but not classified."""
    root = tmp_path_factory.mktemp("similar")
    music, db = root / "music", root / "lib.sqlite3"
    for genre, ids in CHOSEN.items():
        (music / genre).mkdir(parents=True)
        for i in ids:
            shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.0000{i}.flac",
                        music / genre)
    (music / "copies").mkdir()
    shutil.copy(music / "classical" / "classical.00000.flac", music / "copies" / "copy.flac")
    assert run(db, "scan", "--quiet", str(music)) == 0
    assert run(db, "classify", "--device", "cpu") == 0
    (music / "later").mkdir()
    shutil.copy(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac", music / "later")
    assert run(db, "scan", "--quiet", str(music)) == 0
    return music, db


def run(db: Path, *args: str) -> int:
    return main.main(["--db", str(db), *args])


def similar_json(db: Path, capsys: pytest.CaptureFixture[str], path: Path, *more: str
                 ) -> dict:
    capsys.readouterr()
    assert run(db, "similar", str(path), "--json", *more) == 0
    found: dict = json.loads(capsys.readouterr().out)
    return found


def test_neighbours_leave_out_the_track_and_its_copy_most_alike_first(
        library: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    music, db = library
    query = music / "classical" / "classical.00000.flac"
    found = similar_json(db, capsys, query, "-n", "20")
    assert found["query"]["track"]["path"] == str(query)
    assert found["query"]["similarity"] == 1.0
    paths = [t["track"]["path"] for t in found["similar"]]
    # every other classified track, never the query, its copy or the unclassified one
    assert len(paths) == 11 + 1 - 2 and len(set(paths)) == len(paths)
    assert str(query) not in paths and str(music / "copies" / "copy.flac") not in paths
    assert not any("/later/" in p for p in paths)
    scores = [t["similarity"] for t in found["similar"]]
    assert scores == sorted(scores, reverse=True) and scores[0] > scores[-1]
    # "More like this" on a classical track gets classical back first
    assert {Path(p).parent.name for p in paths[:3]} == {"classical"}
    assert set(found["similar"][0]) == {"similarity", "genres", "not_music", "track"}
    assert "Classical" in found["similar"][0]["genres"]


def test_the_copy_leaves_out_the_original_too(
        library: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    music, db = library
    found = similar_json(db, capsys, music / "copies" / "copy.flac", "-n", "3")
    paths = [t["track"]["path"] for t in found["similar"]]
    assert len(paths) == 3 and str(music / "classical" / "classical.00000.flac") not in paths


def test_text_lists_n_lines_with_similarity_genre_and_path(
        library: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    music, db = library
    capsys.readouterr()
    assert run(db, "similar", str(music / "metal" / "metal.00000.flac"), "-n", "4") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("like [metal.00000.flac] (")  # no tags: the file name
    assert len(lines) == 1 + 4
    first = lines[1].split()
    assert 0 < float(first[0]) <= 1 and lines[1].endswith(".flac")


def test_unclassified_or_unknown_tracks_get_words_and_exit_1(
        library: tuple[Path, Path], capsys: pytest.CaptureFixture[str]) -> None:
    music, db = library
    capsys.readouterr()
    assert run(db, "similar", str(music / "later" / "blues.00000.flac")) == 1
    err = capsys.readouterr().err
    assert "not classified yet" in err and "classify it first" in err
    assert run(db, "similar", str(music / "nowhere.flac")) == 1
    assert "not in the library" in capsys.readouterr().err
    assert run(db, "similar", str(music / "jazz" / "jazz.00000.flac"), "-n", "0") == 2


def test_playlist_similar_starts_with_the_query_then_its_neighbours(
        library: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    music, db = library
    query = music / "jazz" / "jazz.00001.flac"
    near = [t["track"]["path"] for t in similar_json(db, capsys, query, "-n", "2")["similar"]]
    out = tmp_path / "like.m3u8"
    assert run(db, "playlist", "--similar", str(query), "-n", "3", "-o", str(out)) == 0
    entries = [line for line in out.read_text("utf-8").splitlines() if not line.startswith("#")]
    assert entries == [str(query), *near]
    assert run(db, "playlist", "--similar", str(music / "later" / "blues.00000.flac"),
               "-o", str(tmp_path / "none.m3u8")) == 1
    assert not (tmp_path / "none.m3u8").exists()


def _store(sessions: sessionmaker[Session], track_id: int, vector: tuple[float, ...]) -> None:
    """A prediction and embedding stored as classify stores them."""
    prediction = PredictionRecord(track_id, "broad", "2.0.0", {"Jazz": 1.0}, ("Jazz",), 1.0, False)
    with sessions() as session:
        store_predictions(session, [PredictionWrite(
            prediction, 1, 1, EmbeddingRecord(track_id, "broad", vector))])
        session.commit()


def test_the_kept_matrix_follows_a_replaced_or_new_vector(library_db: Path | str) -> None:
    """On SQLite and PostgreSQL (the vectors come straight from each driver's cursor)."""
    populate(library_db, 4, classified=1.0)  # no vectors yet
    sessions = session_factory(create_db_engine(library_db))
    for track_id, vector in ((1, (1.0, 0.0, 0.0)), (2, (0.0, 1.0, 0.0)), (3, (0.0, 0.0, 1.0))):
        _store(sessions, track_id, vector)
    with sessions() as session:
        first = cached_matrix(session, "broad", 3)
        assert cached_matrix(session, "broad", 3) is first  # nothing changed: kept
        assert nearest(first, (0.1, 0.9, 0.0), 2, {1}) == [(2, pytest.approx(0.994, abs=1e-3)),
                                                           (3, 0.0)]
    _store(sessions, 3, (0.0, 1.0, 0.1))  # classified again: same row, new vector
    with sessions() as session:
        second = cached_matrix(session, "broad", 3)
        assert second is not first
        assert [i for i, _ in nearest(second, (0.0, 1.0, 0.1), 1, set())] == [3]
    _store(sessions, 4, (5.0, 0.0, 0.0))
    with sessions() as session:
        assert list(cached_matrix(session, "broad", 3).track_ids) == [1, 2, 3, 4]
        track = get_track(session, 1)
        assert track is not None
        found = find_similar(session, track, 2)
    assert not isinstance(found, str)
    assert len(found.tracks) == 2 and found.tracks[0].track.id == 4  # the same way as 1
    assert found.tracks[0].similarity == pytest.approx(1.0, abs=1e-3)  # same genres too


def test_warm_index_reads_the_vectors_ahead_of_the_first_query(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "warm.sqlite3"  # a library of its own: the kept matrix is per library
    populate(db, 3, classified=1.0)
    sessions = session_factory(create_db_engine(db))
    for track_id, vector in ((1, (1.0, 0.0, 0.0)), (2, (0.9, 0.1, 0.0)), (3, (0.0, 0.0, 1.0))):
        _store(sessions, track_id, vector)
    assert list(warm_index(sessions)) == []
    from library import similarity

    def no_read(*_: object) -> None:
        raise AssertionError("the first query read the vectors again")

    monkeypatch.setattr(similarity, "embedding_matrix", no_read)
    with sessions() as session:
        track = get_track(session, 1)
        assert track is not None
        found = find_similar(session, track, 1)
    assert not isinstance(found, str) and found.tracks[0].track.id == 2
