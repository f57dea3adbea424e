"""`review --simulate`: answer the review queue from a TRUTH file as a user would, learn as
the app does after each answer, and count how many tracks the library then shows right.

It runs on a copy of an SQLite library (the user's labels are never touched; `in_place` for a
server library) and never writes a file's tags.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import tempfile
from collections.abc import Generator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from classifier.propagate import LearnerConfig
from library import browse as library_browse
from library.db import DbLocation, create_db_engine, is_url, session_factory
from library.genre_names import same_genre
from workflows.browse import ModelInUse
from workflows.events import Event, Notice, Problem, QueueReady
from workflows.review import AnswerLog, answer, relearn, review_queue
from workflows.review_learner import QueueOrder


@dataclass
class Simulation:
    """What a simulation measured: `curve` holds (answers, right) after each answer."""

    tracks: int
    budget: int
    right_before: int = 0
    right_after: int = 0
    curve: list[list[int]] = field(default_factory=list)
    order: str = QueueOrder.QUEUE

    def as_json(self) -> dict[str, object]:
        """The JSON the issue names (and the order, for the docs' tables)."""
        return {"tracks": self.tracks, "budget": self.budget, "right_before": self.right_before,
                "right_after": self.right_after, "curve": self.curve, "order": self.order}


def read_truth(path: Path) -> dict[str, str]:
    """TRUTH.csv's `path,genre` rows (a header line naming them is skipped)."""
    truth = {}
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle):
            if len(row) >= 2 and row[0].strip() and row[0] != "path":
                truth[os.path.abspath(row[0].strip())] = row[1].strip()
    return truth


def right_count(session: Session, truth: dict[str, int | str], ids: dict[int, str]) -> int:
    """Tracks whose shown genre (label, else prediction; uncertain and not music: wrong)
    is their TRUTH genre, spelling aside."""
    right = 0
    for row in library_browse.rows_for_ids(session, ids):
        shown = row.genres
        if shown and not row.not_music and same_genre(shown[0], str(truth[ids[row.id]])):
            right += 1
    return right


def _copy_library(location: DbLocation, folder: str) -> Path:
    """A private copy of an SQLite library (its WAL included, by SQLite's backup)."""
    copy = Path(folder) / "simulated.sqlite3"
    # read-only: a library that is not there stays not there (no empty file made in its place)
    source = sqlite3.connect(Path(location).resolve().as_uri() + "?mode=ro", uri=True)
    try:
        with sqlite3.connect(str(copy)) as target:
            source.backup(target)
    finally:
        source.close()
    return copy


def simulate(location: DbLocation, truth: dict[str, str], budget: int,
             order: QueueOrder = QueueOrder.QUEUE, config: LearnerConfig = LearnerConfig(),
             in_place: bool = False, json_out: Path | None = None
             ) -> Generator[Event, None, int]:
    """Answer up to `budget` queue questions from `truth`, relearning after each; Notices
    report the curve, the last says `right after N answers: R/M`. Returns the exit status."""
    if not is_url(location) and not Path(location).is_file():
        yield Problem(f"no library at {location}: scan and classify one first")
        return 2
    if is_url(location) and not in_place:
        yield Problem("a server library is simulated in place only (its user labels change): "
                      "add --in-place, or simulate on an SQLite copy")
        return 2
    with ExitStack() as stack:
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="genrelens-sim-"))
        db = location if in_place else _copy_library(location, folder)
        engine = create_db_engine(db)
        stack.callback(engine.dispose)
        result = yield from _run(session_factory(engine), truth, budget, order, config)
    if result is None:
        return 1
    if json_out is not None:
        json_out.write_text(json.dumps(result.as_json(), indent=1) + "\n", encoding="utf-8")
    return 0


def _run(sessions: sessionmaker[Session], truth: dict[str, str], budget: int,
         order: QueueOrder, config: LearnerConfig) -> Generator[Event, None, Simulation | None]:
    with sessions() as session:
        rows = [r for page in library_browse.iter_row_pages(session) for r in page]
    ids = {r.id: os.path.abspath(r.path) for r in rows if os.path.abspath(r.path) in truth}
    if not ids:
        yield Problem("no track of the library is in TRUTH (paths as `list` shows them)")
        return None
    model, answers = ModelInUse(), AnswerLog()
    for _ in relearn(sessions, None, config, order):  # what the tags alone teach
        pass
    with sessions() as session:
        sim = Simulation(len(ids), budget, right_count(session, truth, ids), order=order)  # type: ignore[arg-type]
    sim.curve.append([0, sim.right_before])
    yield Notice(f"{sim.tracks} tracks in TRUTH; right before any answer: {sim.right_before}")
    queue = review_queue(sessions, order, config)
    asked = 0
    while asked < budget:
        item = next((i for i in queue if i.track_id in ids), None)
        if item is None:
            break
        for _ in answer(sessions, item.track_id, [truth[ids[item.track_id]]], model, answers):
            pass
        asked += 1
        for event in relearn(sessions, None, config, order):
            if isinstance(event, QueueReady):
                queue = event.items
        with sessions() as session:
            sim.curve.append([asked, right_count(session, truth, ids)])  # type: ignore[arg-type]
        yield Notice(f"answer {asked}: {item.reason}; right {sim.curve[-1][1]}/{sim.tracks}")
    sim.right_after = sim.curve[-1][1]
    yield Notice(f"right after {asked} answers: {sim.right_after}/{sim.tracks}")
    return sim

