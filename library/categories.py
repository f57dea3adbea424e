"""The sidebar's categories, each declared once, the way `tags.formats.FORMATS` declares a
container: its key, its label, how a scope of it reads, the rule a table row meets to be in
it, and where its entry sits. The table's filter, the sidebar's counts and entries, the write
dialog's scope phrases and the table's status word all follow from these entries, so adding
a section is adding a member to `Category` (docs/architecture.md).

Pure functions over records: no SQL, so the GUI filters and counts 50,000 rows in memory.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Self

from library.genre_names import canonical_genre, canonical_genres
from library.records import NOT_MUSIC, BrowseRow, SidebarCounts, TrackStatus

Rule = Callable[[BrowseRow, "str | None"], bool]  # (row, the entry's genre if any) -> in it


class Place(StrEnum):
    """Where a category's entries sit in the sidebar."""

    BEFORE = "before"  # one fixed, counted entry above the predicted genres
    GENRES = "genres"  # one entry per predicted genre
    AFTER = "after"  # one fixed, counted entry below the predicted genres
    QUEUE = "queue"  # one entry after BEFORE's, counted by the review queue (not by a rule)
    TAGS = "tags"  # one entry per genre in the files' tags, in their own group


def counts_in_genres(row: BrowseRow) -> bool:
    """Whether a row is under its genres: a file that is gone (missing) is not, though its
    record is kept (under Errors) until it comes back or is forgotten."""
    return row.status != TrackStatus.MISSING


def _current(row: BrowseRow) -> bool:
    """A readable track whose shown prediction is the model in use's, for the file as it is,
    and that the user has not labelled (a label wins over what the prediction says)."""
    return (row.status == TrackStatus.OK and not row.user_genres and row.confidence is not None
            and not row.stale and not row.outdated)


def _genre(row: BrowseRow, value: str | None) -> bool:
    return counts_in_genres(row) and value is not None \
        and canonical_genre(value) in canonical_genres(row.genres)


def _tag(row: BrowseRow, value: str | None) -> bool:
    return counts_in_genres(row) and value is not None \
        and canonical_genre(value) in canonical_genres(row.tag_genres)


def _unclassified(row: BrowseRow, value: str | None) -> bool:
    # What classify runs: a user's label does not stand in for a prediction.
    return row.status == TrackStatus.OK and (
        row.confidence is None or row.stale or row.outdated)


class Category(StrEnum):
    """A sidebar section. Members are declared in the order their entries are shown:
    KEY = "key", "Label", "phrase with {tracks} (and {value}: the genre)", rule, place."""

    label: str  # the entry's text (genre sections: each entry is its genre)
    phrase: str  # how "these tracks" in it read: "{tracks} in {value}" -> "16 tracks in Jazz"
    rule: Rule
    place: Place

    def __new__(cls, key: str, label: str, phrase: str, rule: Rule, place: Place) -> Self:
        member = str.__new__(cls, key)
        member._value_ = key
        member.label, member.phrase, member.rule, member.place = label, phrase, rule, place
        return member

    ALL = "all", "All tracks", "{tracks}", lambda row, value: True, Place.BEFORE
    # Which tracks are to review is the core's review queue (workflows/review.py), not a rule
    # over one row: the filter shows none of the table's rows; the review panel lists them.
    REVIEW = "review", "Review", "{tracks} to review", lambda row, value: False, Place.QUEUE
    GENRE = "genre", "", "{tracks} in {value}", _genre, Place.GENRES
    UNCERTAIN = ("uncertain", "Uncertain", "uncertain {tracks}",
                 lambda row, value: _current(row) and row.uncertain and not row.not_music,
                 Place.AFTER)
    NOT_MUSIC = ("not_music", NOT_MUSIC, f"{{tracks}} in “{NOT_MUSIC}”",
                 lambda row, value: _current(row) and row.not_music, Place.AFTER)
    UNCLASSIFIED = ("unclassified", "Not yet classified", "{tracks} not yet classified",
                    _unclassified, Place.AFTER)
    ERRORS = ("errors", "Errors", "{tracks} with errors",
              lambda row, value: row.status != TrackStatus.OK, Place.AFTER)
    TAG = "tag", "", "{tracks} whose tags say {value}", _tag, Place.TAGS


BEFORE_GENRES = tuple(c for c in Category if c.place == Place.BEFORE)
AFTER_GENRES = tuple(c for c in Category if c.place == Place.AFTER)
QUEUED = tuple(c for c in Category if c.place == Place.QUEUE)  # counted by their queue
FIXED = BEFORE_GENRES + AFTER_GENRES  # the entries with a count of their own
_BY_KEY = {c.value: c for c in Category}


def category(key: str) -> Category:
    """The category with this key (the sidebar hands keys over as plain text); ValueError for
    an unknown one."""
    found = _BY_KEY.get(key)
    if found is None:
        raise ValueError(f"unknown sidebar category {key!r}")
    return found


def in_category(row: BrowseRow, key: str, value: str | None = None) -> bool:
    """Whether a row belongs under a sidebar entry (`value`: the genre of a genre entry)."""
    return category(key).rule(row, value)


def count_sidebar(rows: Iterable[BrowseRow]) -> SidebarCounts:
    """The sidebar's counts over the given rows."""
    tally = CategoryTally()
    for row in rows:
        tally.add(row)
    return tally.counts()


def _largest_first(counter: Counter[str]) -> tuple[tuple[str, int], ...]:
    return tuple(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0].casefold())))


class CategoryTally:
    """Sidebar counts kept up to date row by row, so a batch costs its size, not the library's."""

    def __init__(self) -> None:
        self._predicted: Counter[str] = Counter()
        self._tagged: Counter[str] = Counter()
        self._fixed: Counter[str] = Counter()

    def add(self, row: BrowseRow, sign: int = 1) -> None:
        """Count a row in (sign=1) or out (sign=-1)."""
        if counts_in_genres(row):
            for genre in canonical_genres(row.genres):
                self._predicted[genre] += sign
            for genre in canonical_genres(row.tag_genres):
                self._tagged[genre] += sign
        for fixed in FIXED:
            if fixed.rule(row, None):
                self._fixed[fixed] += sign

    def remove(self, row: BrowseRow) -> None:
        """Count a row out."""
        self.add(row, -1)

    def counts(self) -> SidebarCounts:
        """The counts now."""
        return SidebarCounts(
            fixed=tuple((c.value, self._fixed[c]) for c in FIXED),
            predicted=_largest_first(+self._predicted), tagged=_largest_first(+self._tagged))
