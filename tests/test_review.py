"""The review queue's core on a real library the default bundle classified: the queue's
order, answers and undo, the learner's predictions beside the default's, and `review
--simulate`."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select, update

from library.db import create_db_engine, session_factory
from library.learned import askable_count
from library.models import Prediction, Track, UserLabel
from main import main
from workflows.browse import ModelInUse
from workflows.events import Answered, QueueReady, Relearned
from workflows.review import AnswerLog, answer, relearn, review_queue, undo_answer

pytestmark = pytest.mark.slow  # the real model classifies 16 tracks once for the module
GENRES = ("jazz", "metal", "classical")


@pytest.fixture(scope="module")
def classified(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """GTZAN-mini jazz, metal and classical (ids 0-4) and a speech clip, classified; the
    library file is copied per test (classifying once keeps the module fast)."""
    root = tmp_path_factory.mktemp("review")
    music = root / "Music"
    for genre in GENRES:
        (music / genre).mkdir(parents=True)
        for n in range(5):
            shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.0000{n}.flac",
                        music / genre)
    shutil.copy(shared_data / "cc-music" / "198-209-0000.ogg", music / "speech.ogg")
    db = root / "lib.sqlite3"
    assert main(["--db", str(db), "scan", "--quiet", str(music)]) == 0
    assert main(["--db", str(db), "classify", "--device", "cpu", "--clips", "2"]) == 0
    return db


@pytest.fixture
def library(classified: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    copy = tmp_path / "lib.sqlite3"
    shutil.copyfile(classified, copy)
    engine = create_db_engine(copy)
    yield session_factory(engine)
    engine.dispose()


def ids_by_name(sessions) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return {Path(p).name: i for i, p in session.execute(select(Track.id, Track.path))}


def broad_rows(sessions) -> list[tuple[object, ...]]:  # type: ignore[no-untyped-def]
    with sessions() as session:
        return [tuple(r) for r in session.execute(
            select(Prediction.__table__).where(Prediction.bundle == "broad")
            .order_by(Prediction.id))]


def test_queue_puts_disagreement_first_and_leaves_out_labelled_and_not_music(library) -> None:  # type: ignore[no-untyped-def]
    ids = ids_by_name(library)
    with library() as session:  # the file's own tag says Reggae: it disagrees with the model
        session.execute(update(Track).where(Track.id == ids["metal.00002.flac"])
                        .values(genres=["reggae"]))
        session.add(UserLabel(track_id=ids["jazz.00000.flac"], genres=["Jazz"]))
        session.commit()
    items = review_queue(library)
    assert items[0].track_id == ids["metal.00002.flac"]
    assert items[0].reason == "tags say Reggae"
    listed = {i.track_id for i in items}
    assert ids["jazz.00000.flac"] not in listed  # labelled
    assert ids["speech.ogg"] not in listed  # the music gate said not music
    assert len(listed) == 14
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    with library() as session:  # the sidebar's count without building the queue: the same
        assert askable_count(session) == len(items)
    assert all(0 < p <= 1 for i in items for _, p in i.choices)


def test_an_answer_is_a_user_label_and_undo_puts_the_previous_back(library) -> None:  # type: ignore[no-untyped-def]
    ids = ids_by_name(library)
    track = ids["jazz.00001.flac"]
    model, log = ModelInUse(), AnswerLog()

    def label() -> list[str] | None:
        with library() as session:
            row = session.get(UserLabel, track)
            return None if row is None else list(row.genres)

    events = list(answer(library, track, ["Bebop"], model, log))  # a genre no model knows
    assert Answered(track, ("Bebop",), ()) in events and label() == ["Bebop"]
    list(answer(library, track, ["Cool Jazz"], model, log))
    assert label() == ["Cool Jazz"]
    events = list(undo_answer(library, model, log))
    assert Answered(track, ("Bebop",), ()) in events and label() == ["Bebop"]
    list(undo_answer(library, model, log))
    assert label() is None and len(log) == 0
    assert list(undo_answer(library, model, log)) == []  # nothing left to undo


def closest_trio(sessions) -> tuple[int, list[int]]:  # type: ignore[no-untyped-def]
    """A track and the two taught-to-be tracks most similar to it (stored embeddings)."""
    import numpy as np

    from classifier.propagate import unit_rows
    from library.learned import learner_inputs

    with sessions() as session:
        inputs = learner_inputs(session)
    units = unit_rows(inputs.vectors)
    sims = units @ units.T
    np.fill_diagonal(sims, -1)
    pairs = np.sort(sims, axis=1)[:, -2:].sum(axis=1)
    best = int(pairs.argmax())
    two = np.argsort(sims[best])[-2:]
    return int(inputs.track_ids[best]), [int(inputs.track_ids[i]) for i in two]


def test_relearn_spreads_an_answer_to_neighbours_under_its_own_bundle(library) -> None:  # type: ignore[no-untyped-def]
    ids = ids_by_name(library)
    before = broad_rows(library)
    model, log = ModelInUse(), AnswerLog()
    target, taught = closest_trio(library)
    for track in taught:  # the user's own taxonomy: a genre the default does not know
        list(answer(library, track, ["Chamber"], model, log))
    events = list(relearn(library, model))
    done = next(e for e in events if isinstance(e, Relearned))
    assert done.answers == 2 and done.changed > 0
    assert any(isinstance(e, QueueReady) for e in events)
    with library() as session:
        learned = {r.track_id: r for r in session.scalars(
            select(Prediction).where(Prediction.bundle == "learned"))}
    assert learned[target].top_genres == ["Chamber"]
    assert "learned from your answers: 2 similar tracks you labelled Chamber" in \
        learned[target].reason
    assert not set(taught) & set(learned)  # their label shows: no learned row needed
    assert ids["speech.ogg"] not in learned  # the music gate stays applied
    assert broad_rows(library) == before  # the default's rows, byte for byte
    chamber = [learned[target]]

    # the library shows the learned genre; the default's answer is still the default's
    from library import browse
    with library() as session:
        row = browse.rows_for_ids(session, [chamber[0].track_id], model.key())[0]
        assert row.genres == ("Chamber",) and row.predicted_by.startswith("learned ")
        assert not row.outdated
        details = browse.track_details(session, chamber[0].track_id, model.key())
        assert details is not None and details.prediction is not None
        assert "you labelled Chamber" in details.prediction.reason

    list(undo_answer(library, model, log))  # one answer taken back: the evidence halves
    list(relearn(library, model))
    with library() as session:
        again = session.scalar(select(Prediction).where(Prediction.bundle == "learned",
                                                        Prediction.track_id == target))
    assert again is not None and again.probabilities["Chamber"] < \
        chamber[0].probabilities["Chamber"]


def test_the_albums_tags_are_evidence_shown_as_a_reason(library) -> None:  # type: ignore[no-untyped-def]
    ids = ids_by_name(library)
    jazz = [ids[f"jazz.0000{n}.flac"] for n in range(5)]
    with library() as session:  # one album; three of its files are tagged with a new genre
        session.execute(update(Track).where(Track.id.in_(jazz)).values(album="Kind of Blue",
                                                                     artist="Miles Davis"))
        session.execute(update(Track).where(Track.id.in_(jazz[:3])).values(genres=["bebop"]))
        session.commit()
    list(relearn(library, None))
    with library() as session:
        learned = {r.track_id: r for r in session.scalars(
            select(Prediction).where(Prediction.bundle == "learned"))}
    for track in jazz[3:]:  # untagged: their album says Bebop
        assert learned[track].probabilities.get("bebop", 0) > 0.3
        assert "its album or artist is tagged bebop" in learned[track].reason
    assert ids["metal.00000.flac"] not in learned  # another album, far away: no evidence


def test_classify_with_the_default_still_gives_the_defaults_answer(
        classified: Path, tmp_path: Path) -> None:
    db = tmp_path / "lib.sqlite3"
    shutil.copyfile(classified, db)
    engine = create_db_engine(db)
    sessions = session_factory(engine)
    ids = ids_by_name(sessions)
    model, log = ModelInUse(), AnswerLog()
    for n in range(3):
        list(answer(sessions, ids[f"metal.0000{n}.flac"], ["Jazz"], model, log))
    list(relearn(sessions, model))
    before = broad_rows(sessions)
    engine.dispose()
    assert main(["--db", str(db), "classify", "--device", "cpu", "--clips", "2", "--force",
                 str(classified.parent / "Music" / "metal")]) == 0
    engine = create_db_engine(db)
    after = broad_rows(session_factory(engine))
    engine.dispose()
    top = {r[0]: r[6] for r in before}  # id -> top_genres
    assert {r[0]: r[6] for r in after} == top
    assert any(r[2] == "broad" for r in after)


def md5s(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.md5(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_simulate_prints_the_last_line_and_writes_the_json(
        classified: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    music = classified.parent / "Music"
    db = tmp_path / "lib.sqlite3"
    shutil.copyfile(classified, db)
    files_before, db_before = md5s(music), hashlib.md5(db.read_bytes()).hexdigest()
    truth = tmp_path / "truth.csv"
    spelled = {"jazz": "JAZZ", "metal": "metal", "classical": "Classical"}
    lines = ["path,genre"] + [f"{p},{spelled[p.parent.name]}"
                              for p in sorted(music.glob("*/*.flac"))]
    lines.append(f"{tmp_path / 'not-in-library.flac'},Jazz")  # left out of M
    truth.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out.json"
    capsys.readouterr()
    code = main(["--db", str(db), "review", "--simulate", str(truth), "--budget", "3",
                 "--json", str(out)])
    printed = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert re.fullmatch(r"right after 3 answers: \d+/15", printed[-1]), printed[-1]
    result = json.loads(out.read_text())
    assert {"tracks", "budget", "right_before", "right_after", "curve"} <= set(result)
    assert result["tracks"] == 15 and result["budget"] == 3
    assert [a for a, _ in result["curve"]] == [0, 1, 2, 3]
    assert result["right_after"] == result["curve"][-1][1] >= 3  # at least the answers
    assert printed[-1].endswith(f"{result['right_after']}/15")
    assert md5s(music) == files_before  # no tag written
    assert hashlib.md5(db.read_bytes()).hexdigest() == db_before  # ran on a copy

    missing = tmp_path / "none.sqlite3"
    assert main(["--db", str(missing), "review", "--simulate", str(truth), "--budget", "1"]) == 2
    assert not missing.exists()
