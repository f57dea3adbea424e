"""`learn` refuses to mislead: on real audio whose genre tags were shuffled it stores nothing
(unless --force), its folds keep an album on one side, and what it learns keeps the music
gate's verdicts."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import mutagen
import pytest
import soundfile as sf
from sqlalchemy import select

from library.browse import rows_for_ids
from library.db import create_db_engine, session_factory
from library.models import Prediction, Track
from main import main

pytestmark = pytest.mark.slow  # the default model classifies 22 tracks once for the module
NOT_MUSIC = ("pibble", "198-209-0000")  # a dog, speech (cc-music)
GENRES = ["classical", "metal", "hiphop", "jazz"]  # gtzan-mini ids 00000-00004 only (no holdout)


def shuffled_library(shared_data: Path, root: Path) -> list[str]:
    """20 gtzan-mini excerpts, each in its own folder, tagged with a genre drawn at random
    (a fixed shuffle of the true tags, so every genre keeps 5 tracks); returns the tags."""
    tracks = [(g, n) for g in GENRES for n in range(5)]
    tags = [g for g, _ in tracks]
    random.Random(7).shuffle(tags)
    for i, ((genre, n), tag) in enumerate(zip(tracks, tags)):
        samples, rate = sf.read(shared_data / f"gtzan-mini/{genre}/{genre}.0000{n}.flac")
        path = root / f"t{i:02d}" / "track.ogg"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, samples, rate, format="OGG", subtype="VORBIS")
        tagged = mutagen.File(path)
        tagged["genre"] = [tag.title()]
        tagged.save()
    return tags


@pytest.fixture(scope="module")
def shuffled(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One library of shuffled tags and two untagged sounds that are not music, classified
    once; each test works on its own copy of the library file."""
    tmp = tmp_path_factory.mktemp("shuffled")
    tags = shuffled_library(shared_data, tmp / "music")
    for stem in NOT_MUSIC:
        shutil.copy(shared_data / "cc-music" / f"{stem}.ogg", tmp / "music" / f"{stem}.ogg")
    db = tmp / "library.sqlite3"
    assert main(["--db", str(db), "scan", "-q", str(tmp / "music")]) == 0
    assert main(["--db", str(db), "classify", "--device", "cpu", "--clips", "2"]) == 0
    return {"db": db, "tags": tags}


@pytest.fixture
def library(shuffled: dict, tmp_path: Path) -> str:
    copy = tmp_path / "library.sqlite3"
    shutil.copyfile(shuffled["db"], copy)
    return str(copy)


def learned_rows(db: str) -> dict[str, tuple[str, ...]]:
    sessions = session_factory(create_db_engine(db))
    with sessions() as session:
        return {Path(path).stem: tuple(top) for path, top in session.execute(
            select(Track.path, Prediction.top_genres).join(Prediction.track)
            .where(Prediction.bundle == "learned"))}


def test_shuffled_tags_are_refused_and_force_stores(
    shuffled: dict, library: str, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = shuffled["tags"]
    right = sum(t == g for t, g in zip(tags, [g for g in GENRES for _ in range(5)]))
    assert right <= 7  # the shuffle really broke the tags (chance is 5 of 20)
    code = main(["--db", library, "learn"])
    captured = capsys.readouterr()
    assert code == 1, captured.out
    assert "not shown to beat guessing" in captured.err and "--force" in captured.err
    assert "chance: 0.250" in captured.out  # the report is shown: the user sees why
    assert learned_rows(library) == {}  # nothing stored
    code = main(["--db", library, "learn", "--force"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "not shown to beat guessing" in captured.out  # stored, but with the warning
    assert learned_rows(library)


def test_learned_genres_keep_the_music_gate(library: str) -> None:
    """Speech and a dog are not music: learning from the tags around them names no genre."""
    assert main(["--db", library, "learn", "--force"]) == 0
    learned = learned_rows(library)
    assert learned and not set(NOT_MUSIC) & set(learned), learned
    sessions = session_factory(create_db_engine(library))
    with sessions() as session:
        rows = rows_for_ids(session, session.scalars(select(Track.id)).all())
    gated = [r for r in rows if Path(r.path).stem in NOT_MUSIC]
    assert len(gated) == 2 and all(r.not_music and r.genres == () for r in gated), gated


def test_folds_keep_an_album_together(db_path: Path) -> None:
    """Tracks that sound like their album, not their genre: the learner recognises albums it
    was taught, so only folds that keep each album on one side show it knows no genre. (Stored
    embeddings stand in for decoding: one centre per album, unrelated to the genre.)"""
    import numpy as np

    from classifier.propagate import LearnerConfig
    from library.learned import learner_inputs
    from library.models import Embedding
    from workflows.learn import _cross_validate, learn

    rng = np.random.default_rng(1)
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        track = 0
        for album in range(8):
            centre = rng.normal(0, 1, 200)
            for _ in range(4):
                track += 1
                session.add(Track(id=track, path=f"/m/{track}.mp3", artist="Various",
                                  album=f"Album {album}", album_artist="Various",
                                  genres=["Jazz" if album % 2 else "Metal"]))
                session.flush()
                vector = centre + rng.normal(0, 0.2, 200)
                session.add(Embedding(track_id=track, backbone="broad", dim=200,
                                      vector=vector.astype("<f2").tobytes()))
    with sessions() as session:
        inputs = learner_inputs(session)
    truth = [t or "" for t in inputs.tags]
    by_track = _cross_validate(inputs, np.arange(32), truth, [str(i) for i in range(32)], 4,
                               LearnerConfig(), None)
    assert by_track.track_accuracy > 0.9  # folds that split albums would vouch for it
    report = learn(sessions)
    assert report.grouping == "8 albums"
    assert not report.beats_chance and not report.stored, report.interval
