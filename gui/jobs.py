"""Every kind of job the app runs, declared once (name, progress label, writer or not), and
each job: one line that runs a workflow (workflows/) on a worker (gui/workers.py).

A job reads rows against the model the user classifies with (`model`, the window's Settings
choice), resolved on the worker thread: it imports the classifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from gui.colormap import colorize
from gui.interpreter import run_paused
from gui.workers import Job, JobKind
from library.records import BrowseRow, PlanRow
from workflows import browse, playlists, review, scan, tags
from workflows.browse import ModelInUse, reread_at_end, with_rows
from workflows.classify_run import ClassifyOptions
from workflows.classify_run import classify as classify_flow
from workflows.events import Event, QueueReady
from workflows.similar import similar_for_pane, warm_index
from workflows.tracks import TrackFilter
from workflows.tags import TagOptions

# The kinds of job. A writer waits for the running writer (JobRunner's queue); a label shows
# the job's progress in the status bar.
LOAD = JobKind("load", "Loading library", needs_model=False)  # the table fills from SQLite
SCAN = JobKind("scan", "Scanning", writer=True)
CLASSIFY = JobKind("classify", "Classifying", writer=True)
SET_GENRE = JobKind("set-genre", writer=True)
REMOVE_FOLDER = JobKind("remove-folder", writer=True)
FORGET_MISSING = JobKind("forget-missing", writer=True, needs_model=False)
EXPORT = JobKind("export-playlist", needs_model=False)  # reads rows it is given, writes a file
WRITE_TAGS = JobKind("write-tags", "Writing tags", writer=True)
UNDO = JobKind("undo", "Undoing", writer=True)
PLAN = JobKind("plan", "Planning")
DETAILS = JobKind("details")
HISTORY = JobKind("history")
LEARN = JobKind("learn", writer=True, needs_model=False)  # stores learned genres; numpy
SIMILAR = JobKind("similar", needs_model=False)  # numpy and SQL: no torch to wait for
SIMILAR_INDEX = JobKind("similar-index", needs_model=False)  # after a load: the vectors read
REVIEW_QUEUE = JobKind("review-queue", needs_model=False)  # numpy and SQL: no torch to wait for
REVIEW_COUNT = JobKind("review-count", needs_model=False)  # one SQL count
ANSWER = JobKind("answer", writer=True)  # a review answer is a user label
RELEARN = JobKind("relearn", writer=True)  # writes the learned predictions

DEFAULT = ModelInUse()


def load_library(model: ModelInUse = DEFAULT) -> Job:
    """Every track as table rows, page by page, then the folders, read against the model in
    use (its bundle.json: no torch, so the first load need not wait for the warm-up)."""
    return lambda ctx: browse.load_library(ctx.sessions, ctx.cancelled, model)


def set_genres(track_ids: Sequence[int], genres: Sequence[str], model: ModelInUse = DEFAULT
               ) -> Job:
    """Store the user's genres for the tracks (empty: forget them)."""
    return lambda ctx: browse.set_genres(ctx.sessions, track_ids, genres, model)


def scan_folders(paths: Sequence[str], as_root: str | None = None,
                 model: ModelInUse = DEFAULT) -> Job:
    """Add the folders (if new), scan them, with the changed rows."""
    return lambda ctx: scan.add_and_scan(ctx.sessions, ctx.cancelled, paths, model, as_root)


def remove_folder(folder_id: int) -> Job:
    """Forget a folder and its tracks (the files stay on disk)."""
    return lambda ctx: scan.remove_folder(ctx.sessions, folder_id)


def forget_missing(track_ids: Sequence[int] | None = None) -> Job:
    """Forget the tracks whose files a scan found missing (or those of `track_ids` that are)."""
    return lambda ctx: scan.forget_missing(ctx.sessions, track_ids)


def export_playlist(rows: Sequence[BrowseRow], roots: Mapping[int, str], out: str) -> Job:
    """Write the rows, in their order, to a playlist the user chose (and agreed to replace)."""
    return lambda ctx: playlists.export_rows(rows, roots, Path(out), force=True)


def classify(options: ClassifyOptions, track_ids: Sequence[int] | None = None) -> Job:
    """Classify the given tracks (None: every track not yet classified or changed since)."""
    return lambda ctx: classify_flow(ctx.sessions, ctx.cancelled, options, track_ids)


def similar(track_id: int) -> Job:
    """The tracks that sound most like this one ("More like this")."""
    return lambda ctx: similar_for_pane(ctx.sessions, track_id)


def warm_similar() -> Job:
    """The similar-tracks vectors read ahead, so the first selection's list comes at once."""
    return lambda ctx: warm_index(ctx.sessions)


def export_similar(query_path: str, out: str, count: int) -> Job:
    """A track and its `count - 1` most similar tracks written as a playlist (replacing
    `out`: the save dialog asked)."""
    return lambda ctx: playlists.export_playlist(ctx.sessions, TrackFilter(limit=count),
                                                 Path(out), force=True, similar=query_path)


def details(track_id: int, model: ModelInUse = DEFAULT, clip_seconds: float = 6.0) -> Job:
    """The track's details and a mel-spectrogram picture of a clip from its middle."""
    return lambda ctx: browse.details(ctx.sessions, track_id, model, colorize, clip_seconds)


def plan_tags(options: TagOptions, track_ids: Sequence[int] | None) -> Job:
    """The tag writer's dry run: one Planned per file it looked at."""
    return lambda ctx: tags.plan_for(ctx.sessions, options, track_ids, ctx.cancelled)


def apply_tags(options: TagOptions, plan: Sequence[PlanRow], model: ModelInUse = DEFAULT
               ) -> Job:
    """Write a plan the user has seen, file by file, with the changed rows."""
    return lambda ctx: reread_at_end(ctx.sessions, with_rows(
        ctx.sessions, tags.apply(ctx.sessions, plan, options, ctx.cancelled), model), model)


def undo_write(batch_id: int | None = None, model: ModelInUse = DEFAULT) -> Job:
    """Put back the genres a batch (None: the last applied) replaced, like apply_tags."""
    return lambda ctx: reread_at_end(ctx.sessions, with_rows(
        ctx.sessions, tags.undo(ctx.sessions, batch_id, ctx.cancelled), model), model)


def undo_last_write(model: ModelInUse = DEFAULT) -> Job:
    """Put back the genres the last applied batch replaced."""
    return undo_write(None, model)


def tag_history() -> Job:
    """The list of tag-writing batches, for the history dialog."""
    return lambda ctx: tags.history(ctx.sessions)


def _queued_items(events: Sequence[Event]) -> int:
    return sum(len(e.items) for e in events if isinstance(e, QueueReady))


def review_count() -> Job:
    """The review queue's count alone (the sidebar's, while Review is not shown)."""
    return lambda ctx: review.count(ctx.sessions)


def review_queue() -> Job:
    """The review queue, most helpful question first: one QueueReady. With the collector
    paused (reading every track's inputs set off full collections that stalled the GUI
    150-190 ms at 100,000 tracks); the queue, an item per track, lives until the next."""
    return lambda ctx: iter(run_paused(review.queue(ctx.sessions), _queued_items))


def answer(track_id: int, genres: Sequence[str], answers: review.AnswerLog,
           model: ModelInUse = DEFAULT) -> Job:
    """Store a review answer as the track's user label (kept in `answers` for undo)."""
    return lambda ctx: review.answer(ctx.sessions, track_id, genres, model, answers)


def undo_answer(answers: review.AnswerLog, model: ModelInUse = DEFAULT) -> Job:
    """Take back the last review answer: the previous label returns."""
    return lambda ctx: review.undo_answer(ctx.sessions, model, answers)


def relearn(model: ModelInUse = DEFAULT) -> Job:
    """Refit the learner on answers and tags: the changed rows, then the new queue."""
    return lambda ctx: review.relearn(ctx.sessions, model)
