"""The review queue (issue #22): ask about the tracks whose answer teaches the most, store
each answer as the user's label (as Set genre does), and relearn from answers and the files'
tags in seconds, from the embeddings already stored: no network pass.

The learned predictions are a source of their own (bundle "learned", library/learned.py): the
default model's stored predictions are never changed, and `classify` still gives its answer.
The library shows the user's label, else the learned prediction (when at least as new as the
default's), else the default's.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from classifier.propagate import LearnerConfig
from library import learned, repository
from library.records import ReviewItem
from workflows import browse
from workflows.browse import ModelInUse
from workflows.events import Answered, Events, QueueCounted, QueueReady, Relearned
from workflows.review_learner import (
    LearnState,
    QueueOrder,
    learn_state,
    learned_version,
    learned_writes,
    queue_items,
)

__all__ = ["AnswerLog", "LearnerConfig", "QueueOrder", "answer", "count", "forget", "queue",
           "relearn", "review_queue", "undo_answer"]

log = logging.getLogger(__name__)


@dataclass
class AnswerLog:
    """The answers given in this review session, newest last, with the labels they replaced:
    what undo (Backspace) puts back. Used by one writer job at a time."""

    done: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.done)


def current_state(sessions: sessionmaker[Session], config: LearnerConfig = LearnerConfig()
                  ) -> LearnState:
    """The learner fitted on the library as it is now (answers, tags, embeddings)."""
    with sessions() as session:
        inputs = learned.learner_inputs(session)
    return learn_state(inputs, config)


def review_queue(sessions: sessionmaker[Session], order: QueueOrder = QueueOrder.QUEUE,
                 config: LearnerConfig = LearnerConfig(), limit: int | None = None,
                 state: LearnState | None = None, seed: int = 0) -> tuple[ReviewItem, ...]:
    """The tracks to ask about, most helpful first (labelled and not-music tracks left out)."""
    items = queue_items(state or current_state(sessions, config), order, config, seed)
    return tuple(items[:limit] if limit is not None else items)


def queue(sessions: sessionmaker[Session], order: QueueOrder = QueueOrder.QUEUE,
          config: LearnerConfig = LearnerConfig(), limit: int | None = None) -> Events:
    """review_queue as a workflow, for a worker: one QueueReady."""
    yield QueueReady(review_queue(sessions, order, config, limit))


def count(sessions: sessionmaker[Session]) -> Events:
    """The queue's count alone, for the sidebar while Review is not shown: one SQL count."""
    with sessions() as session:
        yield QueueCounted(learned.askable_count(session))


def answer(sessions: sessionmaker[Session], track_id: int, genres: Sequence[str],
           model: ModelInUse, answers: AnswerLog) -> Events:
    """Store an answer as the track's user label, exactly as Set genre (Ctrl+G) does (any
    genre name, new ones included), remembering the label it replaces for undo."""
    with sessions() as session:
        previous = repository.user_genres(session, track_id)
    chosen = tuple(dict.fromkeys(g.strip() for g in genres if g.strip()))
    yield from browse.set_genres(sessions, [track_id], chosen, model)
    answers.done.append((track_id, chosen, previous))
    yield Answered(track_id, chosen, previous)


def undo_answer(sessions: sessionmaker[Session], model: ModelInUse, answers: AnswerLog
                ) -> Events:
    """Take back the last answer: the track's previous label returns (none: removed)."""
    if not answers.done:
        return
    track_id, _, previous = answers.done.pop()
    yield from browse.set_genres(sessions, [track_id], previous, model)
    yield Answered(track_id, previous, ())


def relearn(sessions: sessionmaker[Session], model: ModelInUse | None = None,
            config: LearnerConfig = LearnerConfig(), order: QueueOrder = QueueOrder.QUEUE,
            quiet: bool = False) -> Events:
    """Refit the learner on the stored embeddings, user labels and file tags, anchored on the
    default's probabilities; store the learned predictions (bundle "learned"); then the
    changed rows (with `model`; None: no rows) and the new queue. `quiet`: its log line is a
    DEBUG one (learn's run logs its own INFO line)."""
    started = time.perf_counter()
    state = current_state(sessions, config)
    version = learned_version(state)
    files = {int(t): f for t, f in zip(state.inputs.track_ids, state.inputs.files, strict=True)}
    with sessions() as session:
        changed = learned.store_learned(session, learned_writes(state, config), version, files)
        session.commit()
        seconds = time.perf_counter() - started
        answers = int(state.taught.by_user.sum())
        yield Relearned(answers, len(state.taught.rows) - answers, len(changed), version,
                        seconds)
        log.log(logging.DEBUG if quiet else logging.INFO,
                "review relearn: %d answers, %d tags, %d tracks changed, %.2f s",
                answers, len(state.taught.rows) - answers, len(changed), seconds)
        if model is not None and changed:
            yield browse.fresh_rows(session, changed, model.key())
    yield QueueReady(tuple(queue_items(state, order, config)))


def forget(sessions: sessionmaker[Session], model: ModelInUse | None = None) -> Events:
    """Drop every learned prediction: the default model's genres show again."""
    with sessions() as session:
        ids = [tid for tid in learned.stored_learned(session)]
        learned.forget_learned(session)
        session.commit()
        if model is not None and ids:
            yield browse.fresh_rows(session, ids, model.key())
