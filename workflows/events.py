"""The one vocabulary a workflow speaks to its front ends.

Every long operation in workflows/ is a generator of these events; the CLI prints them, the
GUI's JobRunner hands them to the window, which looks a handler up by the event's type. An
event is frozen and holds records only (library/records.py), so it crosses threads safely.

`units` says how much of the job's work an event stands for: a unit moves the progress bar,
anything else (totals, fresh rows, questions for the user) only informs.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, ClassVar

from library.albums import ArtistTree
from library.records import (
    BatchResult,
    Cover,
    BatchSummary,
    BrowseRow,
    FileOutcome,
    FolderRecord,
    PlanRow,
    ReviewItem,
    ScanEvent,
    TrackDetails,
    TrackRecord,
)


@dataclass(frozen=True, slots=True)
class Event:
    """Base of everything a workflow yields."""

    units: ClassVar[int] = 0  # work items this event stands for (progress counts them)

    def touched(self) -> int | None:
        """The track whose stored state this event says has changed (committed), if any."""
        return None


Events = Generator[Event, None, None]  # what every workflow returns
Handler = Callable[[Any], None]


@dataclass(frozen=True, slots=True)
class Total(Event):
    """How many work items to expect (yielded again if the workflow learns more)."""

    count: int


@dataclass(frozen=True, slots=True)
class Notice(Event):
    """Words for the user about the run, e.g. a learn run's report."""

    text: str


@dataclass(frozen=True, slots=True)
class Problem(Event):
    """Words about something that went wrong (the CLI prints them to stderr); a research
    run (train, evaluate) may go on after one, and returns its exit status at the end."""

    text: str


@dataclass(frozen=True, slots=True)
class ScanStep(Event):
    """The scanner handled one file (or skipped a folder)."""

    units: ClassVar[int] = 1
    event: ScanEvent


@dataclass(frozen=True, slots=True)
class TrackDone(Event):
    """A track's change is committed: a read now sees its new state."""

    track_id: int

    def touched(self) -> int | None:
        return self.track_id


@dataclass(frozen=True, slots=True)
class TrackClassified(Event):
    """One track handled: its prediction is committed, or `error` says why there is none."""

    units: ClassVar[int] = 1
    track_id: int
    path: str
    total: int  # tracks this run handles
    error: str | None = None

    def touched(self) -> int | None:
        return self.track_id


@dataclass(frozen=True, slots=True)
class FileDone(Event):
    """A tag write (or undo) handled one file."""

    units: ClassVar[int] = 1
    outcome: FileOutcome

    def touched(self) -> int | None:
        return self.outcome.track_id


@dataclass(frozen=True, slots=True)
class BatchDone(Event):
    """A tag write (or undo) ended: the whole batch's result."""

    result: BatchResult


@dataclass(frozen=True, slots=True)
class Planned(Event):
    """One file of the tag writer's dry run."""

    units: ClassVar[int] = 1
    row: PlanRow


@dataclass(frozen=True, slots=True)
class RowsChanged(Event):
    """Fresh table rows for tracks that were added or changed."""

    rows: tuple[BrowseRow, ...]


@dataclass(frozen=True, slots=True)
class RowsLoaded(RowsChanged):
    """A page of the library's rows, read as the work of a load (each row is a unit)."""

    @property
    def units(self) -> int:  # type: ignore[override]
        return len(self.rows)


@dataclass(frozen=True, slots=True)
class RowsRemoved(Event):
    """Tracks that are no longer in the library."""

    ids: frozenset[int]


@dataclass(frozen=True, slots=True)
class FoldersChanged(Event):
    """The watched folders as they are now."""

    folders: tuple[FolderRecord, ...]


@dataclass(frozen=True, slots=True)
class SameShareFound(Event):
    """A folder being added is root `root_name` under another path: the same share mounted
    here at `path` while the root's own path (`recorded`) is not found on this machine, or,
    with `here` (the root's path on this machine), the same folder reached another way."""

    path: str
    root_name: str
    recorded: str
    here: str | None = None


@dataclass(frozen=True, slots=True)
class RootsAway(Event):
    """Library roots not found on this machine, each (name, path here, tracks left out):
    a classify run skips their tracks (a share not mounted is not an error)."""

    roots: tuple[tuple[str, str, int], ...]


@dataclass(frozen=True, slots=True)
class DetailsReady(Event):
    """What the details pane shows for one track; the picture is RGB uint8 (mels x frames)."""

    details: TrackDetails | None
    mel_rgb: object | None = None  # numpy.ndarray; typed loosely to keep numpy out of Qt code
    clip_start: float = 0.0
    clip_seconds: float = 0.0
    error: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryReady(Event):
    """The tag-writing batches, newest first."""

    batches: tuple[BatchSummary, ...]


@dataclass(frozen=True, slots=True)
class SimilarTrack:
    """A track as "More like this" lists it: its record, how alike, the genres it has."""

    track: TrackRecord
    similarity: float  # the ranking score, 1 for the query itself
    genres: tuple[str, ...]  # the user's label, else the prediction's (empty: uncertain)
    not_music: bool = False  # its prediction's music gate said not music


@dataclass(frozen=True, slots=True)
class SimilarFound(Event):
    """The tracks most like `query`, most alike first (the query and its copies left out)."""

    query: SimilarTrack
    tracks: tuple[SimilarTrack, ...]
    roots: tuple[tuple[int, str], ...] = ()  # watched folder id -> path, for guessed names


@dataclass(frozen=True, slots=True)
class NoSimilar(Event):
    """Why the track `track_id` has no "More like this" list (e.g. not classified yet)."""

    track_id: int
    text: str


@dataclass(frozen=True, slots=True)
class QueueReady(Event):
    """The review queue, most helpful question first (workflows/review.py)."""

    items: tuple[ReviewItem, ...]


@dataclass(frozen=True, slots=True)
class QueueCounted(Event):
    """How many tracks the review queue would ask about (its count, without the queue)."""

    count: int


@dataclass(frozen=True, slots=True)
class Answered(Event):
    """A review answer is stored as the track's user label (`genres` empty: label removed,
    by an undo); `previous` is the label it replaced."""

    track_id: int
    genres: tuple[str, ...]
    previous: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Relearned(Event):
    """The review learner ran: what it learned from and how many tracks' learned genres
    changed (their rows follow as RowsChanged)."""

    answers: int  # user labels it learned from
    tags: int  # file genre tags it learned from
    changed: int
    version: str  # the learned predictions' bundle_version
    seconds: float


@dataclass(frozen=True, slots=True)
class Learned(Event):
    """`learn` tested the review learner on albums it was not taught: the report in words,
    and whether the learned genres are stored (a Relearned follows) or why not."""

    report: str
    stored: bool
    beats_chance: bool
    refusal: str  # "" when it beats chance


@dataclass(frozen=True, slots=True)
class ArtistTreeReady(Event):
    """The artist → album tree of the library, counted over the view it was asked for."""

    tree: ArtistTree
    stamp: int = 0  # the asker's number for the view, so an answer for an older one is known


@dataclass(frozen=True, slots=True)
class CoverRead(Event):
    """The cover embedded in one file (None: it has none, or the file cannot be read)."""

    path: str
    cover: Cover | None


def handler_for(table: dict[type[Event], Handler], event: Event) -> Handler | None:
    """The handler of the event's type or of its nearest base in `table` (a RowsLoaded is
    shown as RowsChanged are)."""
    for kind in type(event).__mro__:
        handler = table.get(kind)
        if handler is not None:
            return handler
    return None
