"""`learn`: genres from tags and user labels, normalised; the review learner tested on held-out
albums, then stored as the library's learned genres (the default's predictions untouched)."""

from __future__ import annotations

from pathlib import Path

import mutagen
import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select

from library.db import create_db_engine, session_factory
from library.labels import known_genres
from library.browse import rows_for_ids
from library.models import Embedding, Prediction, Track, UserLabel
from main import main
from tests.stored_tracks import add_classified

SPELLINGS = {"classical": ["Chamber", "chamber", "CHAMBER"],  # a genre of the user's own
             "metal": ["Metal", "metal", "Metal"],
             "hiphop": ["Hip Hop", "hip-hop", "HipHop"]}


def test_known_genres_unify_spelling_and_prefer_user_labels(db_path: Path) -> None:
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for i, genres in enumerate([["Hip Hop"], ["hip-hop", "Rap"], ["Hip Hop"], ["Rock"], [],
                                    ["rock"]]):
            session.add(Track(id=i + 1, path=f"/m/{i}.mp3", genres=genres))
        session.add(Track(id=7, path="/m/gone.mp3", genres=["Rock"], status="missing"))
        session.add(UserLabel(track_id=4, genres=["HIPHOP"]))
        session.add(UserLabel(track_id=5, genres=["Jazz"]))
    with sessions() as session:
        known = {k.track_id: (k.genre, k.source) for k in known_genres(session)}
    assert known == {1: ("Hip Hop", "tag"), 2: ("Hip Hop", "tag"), 3: ("Hip Hop", "tag"),
                     4: ("Hip Hop", "user"), 5: ("Jazz", "user"), 6: ("rock", "tag")}


def ogg_copy(source: Path, path: Path, genre: str | None) -> None:
    """An Ogg Vorbis copy of a clip, with this genre tag (None: untagged)."""
    samples, rate = sf.read(source)
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(path, samples, rate, format="OGG", subtype="VORBIS")
    if genre is not None:
        tagged = mutagen.File(path)
        tagged["genre"] = [genre]
        tagged.save()


def make_library(shared_data: Path, root: Path) -> dict[str, list[Path]]:
    """Per genre: 3 tagged Ogg Vorbis copies of gtzan-mini excerpts, then 2 untagged (held out),
    and 6 more tagged clips from genre-pool (training material, never holdout).

    Folder n holds excerpt n of every genre, and two pool clips of each genre for n < 3:
    learn keeps a folder on one side of its folds (no album tags here), so each fold tests on
    folders it was not taught."""
    pool = {"classical": "emotify__classical_", "metal": "gtzan-short__metal.",
            "hiphop": "gtzan-short__hiphop."}
    files: dict[str, list[Path]] = {}
    for genre, spellings in SPELLINGS.items():
        files[genre] = []
        for n in range(5):
            path = root / f"disc{n}" / f"{genre[:2]}.ogg"  # the folder doesn't give the genre
            ogg_copy(shared_data / f"gtzan-mini/{genre}/{genre}.0000{n}.flac", path,
                     spellings[n] if n < 3 else None)
            files[genre].append(path)
        clips = sorted((shared_data / "genre-pool" / genre).glob(f"{pool[genre]}*"))[:6]
        for k, clip in enumerate(clips):
            ogg_copy(clip, root / f"disc{k % 3}" / f"{genre[:2]}-pool{k}.ogg", spellings[k % 3])
    return files


@pytest.mark.slow  # the default model classifies 33 tracks
def test_learn_tests_then_stores_learned_genres_and_leaves_the_defaults(
    shared_data: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = make_library(shared_data, tmp_path / "music")
    db = ["--db", str(db_path)]
    assert main([*db, "scan", "-q", str(tmp_path / "music")]) == 0
    assert main([*db, "classify", "--device", "cpu", "--clips", "2"]) == 0
    sessions = session_factory(create_db_engine(db_path))
    truth = {str(p): {"classical": "Chamber", "metal": "Metal", "hiphop": "Hip-Hop"}[g]
             for g, paths in files.items() for p in paths[3:]}

    def held_out() -> list:  # type: ignore[type-arg]
        with sessions() as session:
            rows = rows_for_ids(session, session.scalars(select(Track.id)).all())
        return [r for r in rows if r.path in truth]

    before = held_out()
    with sessions() as session:
        broad = sorted(tuple(r) for r in session.execute(
            select(Prediction.__table__).where(Prediction.bundle == "broad")))
    capsys.readouterr()
    code = main([*db, "learn", "--folds", "3"])
    report = capsys.readouterr().out
    assert code == 0, report  # stored: the interval's lower end is above chance
    assert "Hip-Hop" in report and "confusion" in report  # the app's spelling of "Hip Hop"
    assert "chance: 0.333" in report and "95 % interval" in report
    assert "the default model alone" in report and "stored: " in report
    with sessions() as session:
        assert sorted(tuple(r) for r in session.execute(  # the default's rows: untouched
            select(Prediction.__table__).where(Prediction.bundle == "broad"))) == broad
        learned = session.scalars(select(Prediction.track_id)
                                  .where(Prediction.bundle == "learned")).all()
    after = held_out()
    assert learned  # the untagged tracks near the tagged ones learned from them
    right = {r.path for r in after if r.genres[:1] == (truth[r.path],)}
    # the default never names "Chamber": what it learned from the tags does
    assert not any(r.genres == ("Chamber",) for r in before), before
    assert {r.path for r in after if truth[r.path] == "Chamber"} <= right
    assert len(after) == 6 and len(right) > sum(r.genres[:1] == (truth[r.path],) for r in before)
    # the rest is left to the default (too far from what was taught), never made wrong
    assert all(r.path in right for r in after if r.predicted_by.startswith("learned")), after


def stored_vectors(db_path: Path, genres: list[str], artists: list[str], seed: int = 0):  # type: ignore[no-untyped-def]
    """Tracks (files that do not exist) with a stored embedding near their genre's centre and
    a flat default prediction: the learner needs nothing else."""
    rng = np.random.default_rng(seed)
    centres = {g: rng.normal(0, 1, 200) for g in sorted(set(genres))}
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        for i, (genre, artist) in enumerate(zip(genres, artists, strict=True)):
            add_classified(session, i + 1, centres[genre] + rng.normal(0, 0.3, 200),
                           {"Jazz": 0.5, "Rock": 0.5}, path=f"/nowhere/{i}.mp3",
                           genres=[genre], artist=artist)
    return sessions


def test_learn_refuses_with_one_genre_and_says_what_the_library_has(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stored_vectors(db_path, ["Jazz"] * 5, [f"A{i}" for i in range(5)])
    code = main(["--db", str(db_path), "learn"])
    message = capsys.readouterr().err
    assert code == 1
    assert "at least 2 genres" in message and "Jazz (5)" in message, message


def test_learn_uses_stored_embeddings_without_decoding(db_path: Path) -> None:
    """The files do not exist: the learner reads only what classify stored."""
    from workflows.learn import learn

    sessions = stored_vectors(db_path, ["Jazz", "Rock"] * 4, [f"Artist {i}" for i in range(8)])
    report = learn(sessions, folds=2)
    assert report.labels == ["Jazz", "Rock"] and report.skipped == []
    assert report.grouping == "8 artists" and report.tested == 8
    assert report.track_accuracy == 1.0 and report.default_accuracy <= 0.5
    assert report.stored


def test_tracks_not_yet_classified_are_named_not_silently_left_out(db_path: Path) -> None:
    from workflows.learn import learn

    sessions = stored_vectors(db_path, ["Jazz", "Rock"] * 4, [f"Artist {i}" for i in range(8)])
    with sessions.begin() as session:
        session.add(Track(id=50, path="/nowhere/new.mp3", genres=["Jazz"]))
    report = learn(sessions, folds=2)
    assert report.skipped == ["1 track with a genre but not classified yet (nothing stored to "
                              "learn from): classify them and learn again"]


def learner_library(answers: int):  # type: ignore[no-untyped-def]
    """Arrays of 12 tracks the default calls Classical (0.9; Jazz 0.1): `answers` of the first
    six, close together, answered "Chamber"; the last six far from them, unanswered."""
    from library.learned import LearnerInputs

    rng = np.random.default_rng(0)
    near, far = rng.normal(size=200), rng.normal(size=200)
    vectors = np.stack([(near if i < 6 else far) + 0.1 * rng.normal(size=200)
                        for i in range(12)]).astype(np.float32)
    return LearnerInputs(
        track_ids=np.arange(1, 13), vectors=vectors, anchor_labels=("Classical", "Jazz"),
        anchor=np.tile(np.float32([0.9, 0.1]), (12, 1)), not_music=np.zeros(12, dtype=bool),
        user=tuple("Chamber" if i < answers else None for i in range(12)), tags=(None,) * 12,
        albums=("",) * 12, artists=("",) * 12, files=((0, 0, None),) * 12)


def test_a_name_of_the_users_own_for_the_defaults_genre_reaches_far_tracks_only_with_support(
) -> None:
    """Four answers "Chamber" on tracks the default calls Classical: far ones follow (no
    neighbour votes reach them: the label map does). One answer is not a renaming."""
    from workflows.review_learner import learn_state

    four = learn_state(learner_library(4))
    assert all(four.labels[int(row.argmax())] == "Chamber" for row in four.probs[6:])
    one = learn_state(learner_library(1))
    assert all(one.labels[int(row.argmax())] == "Classical" for row in one.probs[6:])
    assert one.probs[6:, one.labels.index("Chamber")].max() == 0


def test_label_map_moves_the_defaults_genre_only_to_a_name_of_the_users_own() -> None:
    from classifier.propagate import Taught, label_map

    # the default's columns: Classical, Rock; the learner's: those, then the user's Chamber.
    # Two tracks the default calls Classical were taught Chamber; one it calls Rock, Pop-like,
    # was taught Classical: a confusion between the default's own genres, never learned.
    anchor = np.array([[0.9, 0.1], [0.8, 0.2], [0.1, 0.9]], dtype=np.float32)
    taught = Taught(np.arange(3), np.array([2, 2, 0]), np.ones(3, dtype=np.float32),
                    np.ones(3, dtype=bool))
    mapped = label_map(anchor, taught, 3, strength=1.0, support=1.0)
    np.testing.assert_allclose(mapped.sum(axis=1), 1.0, rtol=1e-6)
    assert mapped[0, 2] > 0.5 > mapped[0, 0]  # Classical is mostly what the user calls Chamber
    assert mapped[0, 1] == 0 and mapped[1, 0] == 0  # nothing moves between Classical and Rock
    assert mapped[1, 1] > 0.7  # Rock, taught Chamber only through 0.3 of its mass, stays Rock
