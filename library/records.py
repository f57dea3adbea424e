"""Frozen records: the only shape in which library data crosses threads and packages."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from functools import lru_cache
from operator import itemgetter
from typing import Self

NOT_MUSIC = "Not music"  # what a track the music gate vetoed shows instead of a genre


class Word(StrEnum):
    """A word of the domain: compares equal to (and is stored, printed and dumped to JSON as)
    its text, and carries the words the GUI shows for it (as beets' import actions do).

    A member is declared as `NAME = "text"` or `NAME = "text", "Display text"`."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value
        return member


class TrackStatus(Word):
    """Where a track's file stands (Track.status)."""

    OK = "ok", "OK"
    MISSING = "missing", "Missing"  # gone at the last scan; the record is kept
    ERROR = "error", "Error"  # unreadable: `error` says why


class ScanOutcome(Word):
    """What a scan did with one file (ScanEvent.outcome)."""

    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"
    MOVED = "moved"
    MISSING = "missing"
    ERROR = "error"


class PlanAction(Word):
    """What a tag-writing plan does with a file (PlanRow.action)."""

    WRITE = "write"
    SKIP = "skip"


class TagPolicy(Word):
    """Which files a tag write touches, and how (TagOptions.policy). The safe one first: it is
    the default, and replacing is a choice made for one write."""

    FILL_EMPTY = "fill-empty", "Only fill tracks without a genre"
    MERGE = "merge", "Add to the genres already there"
    REPLACE = "replace", "Replace the genres already there"


class FileState(Word):
    """Where one file of a tag-write batch stands (TagChange.state, FileOutcome.state)."""

    PENDING = "pending"  # logged before the write; safe to undo
    APPLIED = "applied", "written"
    SKIPPED = "skipped"
    ERROR = "error"
    UNDONE = "undone"
    UNDO_REFUSED = "undo-refused", "undo refused"


# The files an undo looks at. pending: logged, then perhaps interrupted; undo-refused: tried
# again (the user may have made the file writable, or put the batch's genres back).
UNDOABLE = (FileState.APPLIED, FileState.PENDING, FileState.UNDO_REFUSED)


class BatchState(Word):
    """Where a tag-write batch stands (TagBatch.state, BatchSummary.state)."""

    RUNNING = "running", "interrupted"  # (the GUI's word for it has always been this)
    DONE = "done", "written"
    UNDONE = "undone"
    INTERRUPTED = "interrupted"  # the writer died or lost its lock part-way
    UNDOING = "undoing", "being undone"  # stored while an undo runs
    UNDO_INTERRUPTED = "undo-interrupted", "undo interrupted"  # how an unfinished undo shows


def is_not_music_name(text: str) -> bool:
    """Whether a genre filter asks for not-music tracks ("not music", "Not-Music", ...)."""
    return "".join(ch for ch in text.casefold() if ch.isalnum()) == "notmusic"


def display_path(path: str) -> str:
    """A printable form of a path whose bytes may not be UTF-8."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def guessed_names(path: str, root: str | None) -> tuple[str, str, str]:
    """Title, artist and album read from a path laid out as …/Artist/Album/file: the file's
    name, its folder's and that folder's parent's, never the watched folder or above it.

    What the app's table and `genrelens list` show (muted, or in brackets) for a track
    whose tags lack them."""
    parts = display_path(path).split("/")
    below = len(parts) - 1 - (root.rstrip("/").count("/") + 1 if root else 1)  # folders under root
    album = parts[-2] if below >= 1 else ""
    artist = parts[-3] if below >= 2 else ""
    return parts[-1], artist, album


@dataclass(frozen=True, slots=True)
class FolderRecord:
    """A watched folder (`path` as on this machine) and the root it belongs to."""

    id: int
    path: str
    added_at: datetime
    last_scanned_at: datetime | None = None
    root_id: int | None = None
    root: str = ""  # the root's name, the same on every machine
    recorded: str = ""  # the root's path where it was added
    mapped: bool = False  # this machine mounts the root elsewhere than `recorded`


@dataclass(frozen=True, slots=True)
class TrackRecord:
    """One audio file as the library knows it."""

    id: int
    path: str
    size: int
    mtime_ns: int
    status: TrackStatus
    format: str | None = None
    codec: str | None = None
    duration: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    bitrate: int | None = None
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    year: int | None = None
    track_number: int | None = None
    genres: tuple[str, ...] = ()
    error: str | None = None
    scanned_at: datetime | None = None
    folder_id: int | None = None


@dataclass(frozen=True, slots=True)
class PredictionRecord:
    """A bundle's genre prediction for one track."""

    track_id: int
    bundle: str
    bundle_version: str
    probabilities: dict[str, float]
    top_genres: tuple[str, ...]
    confidence: float
    uncertain: bool
    clip_probabilities: tuple[tuple[float, ...], ...] = ()
    clip_starts: tuple[float, ...] = ()
    created_at: datetime | None = None
    not_music: bool = False  # the music gate vetoed every genre
    reason: str = ""  # a learned prediction's evidence in words ("learned from your answers: …")


@dataclass(frozen=True, slots=True)
class ScanCounts:
    """What a scan has done so far, by outcome."""

    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0
    missing: int = 0
    errors: int = 0

    @property
    def done(self) -> int:
        """Files (and folders with problems) handled so far."""
        return self.new + self.changed + self.unchanged + self.moved + self.missing + self.errors


@dataclass(frozen=True, slots=True)
class ScanEvent:
    """One step of a scan, for progress display: a file handled or a folder skipped."""

    path: str
    outcome: ScanOutcome
    counts: ScanCounts  # after this step
    total: int  # files the scan will handle (known once the folders are listed)
    error: str | None = None  # the readable reason when outcome == "error"
    old_path: str | None = None  # where a moved file was before
    is_folder: bool = False  # a folder that could not be listed (never a track)
    track_id: int | None = None  # the file's track (None only for a folder)
    again: bool = False  # an error recorded before for a file unchanged since: not re-read


@dataclass(frozen=True, slots=True)
class PlanRow:
    """One file in a tag-writing plan: what it holds, what it would get, and why."""

    track_id: int
    path: str
    format: str | None
    old_genres: tuple[str, ...]  # as the library last read them
    new_genres: tuple[str, ...] | None  # None: nothing will be written
    action: PlanAction
    reason: str
    size: int = 0  # the file as scanned: a file that differs now is not touched
    mtime_ns: int = 0


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """What a tag write (or its undo) did to one file."""

    path: str
    state: FileState
    reason: str | None = None
    old_genres: tuple[str, ...] | None = None  # None: no genre tag at all
    new_genres: tuple[str, ...] = ()
    track_id: int | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """The outcome of applying a plan (or undoing a batch): one FileOutcome per file."""

    batch_id: int | None
    outcomes: tuple[FileOutcome, ...]
    cancelled: bool = False

    def count(self, state: FileState) -> int:
        """How many files ended in `state`."""
        return sum(1 for outcome in self.outcomes if outcome.state == state)


@dataclass(frozen=True, slots=True)
class UndoResult(BatchResult):
    """The outcome of undoing a batch."""


@dataclass(frozen=True, slots=True)
class BatchSummary:
    """One tag-writing batch as `history` lists it."""

    id: int
    created_at: datetime
    state: BatchState
    options: dict[str, object]
    counts: dict[str, int]  # files per change state


@dataclass(frozen=True, slots=True)
class BundleKey:
    """Which model predictions must come from to count as current: a bundle and its version."""

    name: str
    version: str

    def __str__(self) -> str:
        return f"{self.name} {self.version}"


@dataclass(frozen=True, slots=True)
class BrowseRow:
    """One line of the app's track table: the track, its shown prediction, the user's label."""

    id: int
    path: str
    status: TrackStatus
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    duration: float | None = None
    tag_genres: tuple[str, ...] = ()
    error: str | None = None
    folder_id: int | None = None
    predicted: tuple[str, ...] = ()  # empty when uncertain or not classified
    confidence: float | None = None  # None: never classified
    uncertain: bool = False
    stale: bool = False  # the file changed since it was classified
    shares_json: str = ""  # the prediction's {genre: probability} as stored (see probabilities)
    user_genres: tuple[str, ...] = ()  # set by hand: wins over the prediction
    not_music: bool = False  # the prediction's music gate said not music
    outdated: bool = False  # the prediction is not the model in use's (other bundle or version)
    predicted_by: str = ""  # "bundle version" of the shown prediction

    @property
    def genres(self) -> tuple[str, ...]:
        """The genres the library believes in: the user's if set, else the prediction's."""
        return self.user_genres or self.predicted

    @property
    def probabilities(self) -> tuple[tuple[str, float], ...]:
        """(genre, probability) of the shown prediction, most probable first. Decoded when
        asked: a 100,000-track load decoding and sorting every row's took 1.3 CPU-s, and the
        window asks for the few rows it paints uncertain and the one it details."""
        return ranked_shares(self.shares_json)


@lru_cache(maxsize=2048)
def ranked_shares(shares_json: str) -> tuple[tuple[str, float], ...]:
    """A stored {genre: probability} JSON object as pairs, most probable first (ties in their
    stored order); () for none."""
    shares: dict[str, float] = json.loads(shares_json) if shares_json else {}
    return tuple(sorted(shares.items(), key=itemgetter(1), reverse=True))


@dataclass(frozen=True, slots=True)
class SidebarCounts:
    """How many tracks each entry of the genre sidebar holds (library.categories counts)."""

    fixed: tuple[tuple[str, int], ...]  # (category key, count) of each entry that is no genre
    predicted: tuple[tuple[str, int], ...]  # (genre, count), largest first
    tagged: tuple[tuple[str, int], ...]  # genres found in the files' own tags

    def __getitem__(self, key: str) -> int:
        """The count of a fixed entry: `counts[Category.ERRORS]`."""
        return dict(self.fixed)[key]


@dataclass(frozen=True, slots=True)
class Cover:
    """A picture embedded in an audio file's tags: its bytes and MIME type as stored."""

    data: bytes
    mime: str = ""


@dataclass(frozen=True, slots=True)
class TrackDetails:
    """Everything the details pane shows about one track."""

    track: TrackRecord
    prediction: PredictionRecord | None
    user_genres: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TrackToClassify:
    """A track the classifier should (re)process: where it is and the file as last seen."""

    id: int
    path: str  # on this machine
    size: int
    mtime_ns: int
    decoder: str | None = None  # to try first, for the content-detected format (tags.formats)
    stored: StoredPath | None = None  # for other machines (None: outside every root)


@dataclass(frozen=True, slots=True)
class StoredPath:
    """A path as the library stores it, for a machine to resolve with its own mount points
    (library.roots.resolve): the root's name, where it was recorded, the path inside it."""

    root: str
    recorded: str
    rel: str


@dataclass(frozen=True, slots=True)
class EmbeddingRecord:
    """A backbone's feature vector for one track (stored as float16)."""

    track_id: int
    backbone: str
    vector: tuple[float, ...]
    created_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class PredictionWrite:
    """A new prediction to store, with the file's size/mtime as decoded and its embedding."""

    prediction: PredictionRecord
    track_size: int
    track_mtime_ns: int
    embedding: EmbeddingRecord | None = None
    audio_hash: str | None = None  # the audio payload decoded (library.tags.payload)


@dataclass(frozen=True, slots=True)
class KnownGenre:
    """A track whose genre is known (user label or file tag), spelling normalised."""

    track_id: int
    path: str
    genre: str
    source: str  # "user" or "tag"
    artist: str | None = None
    album: str | None = None  # with album_artist: what `learn` groups its folds by
    album_artist: str | None = None


@dataclass(frozen=True, slots=True)
class ReviewItem:
    """One track of the review queue: what the library shows now and why asking helps."""

    track_id: int
    shown: tuple[str, ...]  # the genre the library shows (empty: uncertain or not classified)
    choices: tuple[tuple[str, float], ...]  # the current model's top genres, most probable first
    reason: str  # "uncertain", "tags say Rock", "album says Jazz", "stands for 12 similar tracks"
    score: float  # the queue's priority (higher first); comparable within one queue only
    source: str = ""  # "bundle version" whose probabilities `choices` are
