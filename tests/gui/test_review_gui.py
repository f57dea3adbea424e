"""The Review page (issue #22) on a real library the default model classified: the queue in
the core's order with its count, keyboard answers stored as user labels, skip and undo, the
coalesced relearn updating rows and the count, the learned reason in the details pane, and
everything still there when the window opens again."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from gui import jobs
from gui.main_window import MainWindow
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Prediction, UserLabel
from tests.gui.conftest import wait_idle
from tests.test_review import classified, closest_trio  # noqa: F401 (classified: a fixture)
from workflows.review import review_queue

pytestmark = pytest.mark.slow  # the real model classifies 15 tracks once for the module


@pytest.fixture
def library(classified: Path, tmp_path: Path) -> Path:  # noqa: F811 (the fixture)
    copy = tmp_path / "lib.sqlite3"
    shutil.copyfile(classified, copy)
    return copy


def read(db: Path, what: Callable[..., object]) -> object:
    """What a function of a session factory returns, on its own engine."""
    engine = create_db_engine(db)
    try:
        return what(session_factory(engine))
    finally:
        engine.dispose()


def labels(db: Path) -> dict[int, list[str]]:
    def query(sessions):  # type: ignore[no-untyped-def]
        with sessions() as session:
            return {r.track_id: list(r.genres) for r in session.scalars(select(UserLabel))}
    return read(db, query)  # type: ignore[return-value]


def learned_predictions(db: Path) -> dict[int, tuple[tuple[str, ...], str]]:
    """Each learned prediction's genres and reason, by track."""
    def query(sessions):  # type: ignore[no-untyped-def]
        with sessions() as session:
            return {p.track_id: (tuple(p.top_genres), p.reason) for p in session.scalars(
                select(Prediction).where(Prediction.bundle == "learned"))}
    return read(db, query)  # type: ignore[return-value]


def open_review(qtbot: QtBot, window: MainWindow) -> None:
    """Choose Review in the sidebar and wait for the queue."""
    sidebar = window.sidebar_model
    entry = next(sidebar.library.child(r) for r in range(sidebar.library.rowCount())
                 if sidebar.library.child(r).data(Qt.ItemDataRole.UserRole + 1)[0]
                 == Category.REVIEW)
    window.sidebar.setCurrentIndex(entry.index())
    qtbot.waitUntil(lambda: bool(window.review.queue.items) and window.runner.settled(),
                    timeout=60000)
    assert window.stack.currentWidget() is window.review.panel


def review_count(window: MainWindow) -> int:
    return window.sidebar_model.entries()[(Category.REVIEW, None)]


def key(qtbot: QtBot, window: MainWindow, k: Qt.Key | str) -> None:
    view = window.review.panel.view
    qtbot.keyClicks(view, k) if isinstance(k, str) else qtbot.keyClick(view, k)


def test_review_shows_the_core_queue_in_its_order_with_its_count(
        qtbot: QtBot, make_window: Callable[..., MainWindow], library: Path) -> None:
    window = make_window(library)
    open_review(qtbot, window)
    core = read(library, review_queue)
    assert [i.track_id for i in window.review.queue.items] == [i.track_id for i in core]  # type: ignore[attr-defined]
    assert review_count(window) == len(core) == 15  # type: ignore[arg-type]
    assert window.review.panel.current() == core[0]  # type: ignore[index]
    assert window.details.track_id == core[0].track_id  # type: ignore[index]


def test_the_count_follows_a_label_set_outside_review(
        qtbot: QtBot, make_window: Callable[..., MainWindow], library: Path) -> None:
    window = make_window(library)
    qtbot.waitUntil(lambda: review_count(window) == 15 and window.runner.settled(),
                    timeout=60000)
    assert window.review.queue.items == []  # the count came without building the queue
    track = next(r.id for r in window.table.rows() if not r.not_music)
    window._start(jobs.SET_GENRE, jobs.set_genres([track], ["Jazz"], window.model()))
    qtbot.waitUntil(lambda: review_count(window) == 14, timeout=30000)  # Review not opened
    open_review(qtbot, window)
    assert review_count(window) == len(window.review.queue.items) == 14
    assert track not in {i.track_id for i in window.review.queue.items}


def test_keys_answer_skip_and_undo(qtbot: QtBot, make_window: Callable[..., MainWindow],
                                   library: Path) -> None:
    window = make_window(library)
    open_review(qtbot, window)
    panel, queue = window.review.panel, window.review.queue
    first = panel.current()
    assert first is not None
    key(qtbot, window, Qt.Key.Key_Return)  # accepts the shown genre
    assert panel.current() is not None and panel.current() != first  # next at once
    assert first.track_id not in {i.track_id for i in queue.items} and review_count(window) == 14
    second = panel.current()
    assert second is not None
    pick = panel.picks_now()[1]
    key(qtbot, window, "2")
    third = panel.current()
    assert third is not None
    key(qtbot, window, "s")  # skipped: asked last, no label
    assert panel.current() != third and queue.items[-1] == third
    fourth = panel.current()
    assert fourth is not None
    key(qtbot, window, "B")  # typing names any genre, a new one too
    qtbot.keyClicks(panel.typed, "ebop")
    qtbot.keyClick(panel.typed, Qt.Key.Key_Return)
    wait_idle(qtbot, window)
    expected = {first.track_id: list(first.shown or (first.choices[0][0],)),
                second.track_id: [pick], fourth.track_id: ["Bebop"]}
    assert labels(library) == expected
    key(qtbot, window, Qt.Key.Key_Backspace)  # the last answer goes; its track is asked again
    assert panel.current() == fourth
    wait_idle(qtbot, window)
    del expected[fourth.track_id]
    assert labels(library) == expected


def test_answers_relearn_in_the_background_and_stay_after_reopening(
        qtbot: QtBot, make_window: Callable[..., MainWindow], library: Path) -> None:
    window = make_window(library)
    open_review(qtbot, window)
    panel, queue = window.review.panel, window.review.queue
    _, taught = read(library, closest_trio)  # type: ignore[misc]
    answered: list[int] = list(taught)  # two tracks that have a close neighbour to teach
    for track in answered:  # the user's own taxonomy: a genre the default does not know
        at = queue.position(track)
        assert at is not None
        panel.select(at)
        key(qtbot, window, "B")
        qtbot.keyClicks(panel.typed, "ebop")
        qtbot.keyClick(panel.typed, Qt.Key.Key_Return)
    assert review_count(window) == 13  # each answer counts at once
    with qtbot.waitSignal(window.runner.job_finished, timeout=60000,
                          check_params_cb=lambda outcome: outcome.kind == jobs.RELEARN):
        pass  # one relearn after the burst, in a worker
    wait_idle(qtbot, window)
    assert review_count(window) == len(read(library, review_queue)) <= 13  # type: ignore[arg-type]
    rows = {r.id: r for r in window.table.rows()}
    assert all(rows[t].user_genres == ("Bebop",) for t in answered)
    learned = learned_predictions(library)  # what the learner concluded is the core's
    assert learned, "the relearn stored no learned predictions"
    for track, (genres, _) in learned.items():  # the table shows it, named as learned
        assert rows[track].predicted_by.startswith("learned ")
        assert rows[track].genres == genres
    track = next(t for t in learned if queue.position(t) is not None)
    panel.select(queue.position(track) or 0)
    qtbot.waitUntil(lambda: window.details.source.isVisibleTo(window.details), timeout=30000)
    assert window.details.source.text() == learned[track][1]
    assert window.details.source.text().startswith("learned")
    window.close()
    again = make_window(library)  # the answers and what was learned are still there
    rows = {r.id: r for r in again.table.rows()}
    assert all(rows[t].user_genres == ("Bebop",) for t in answered)
    assert all(rows[t].genres == genres for t, (genres, _) in learned.items())
