"""Which tracks an action on "these tracks" covers: what the user sees.

The selected rows when any are selected (one or many), else the rows the view shows (its
sidebar category and search). The whole library is never a fallback: it is a choice the write
dialog offers by name (`whole_library`). Each scope says what it is in words, for a title
("3 selected tracks", "16 tracks in Jazz") and a summary ("… of 16 tracks in Jazz get a genre").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from gui.item_models.track_filter import Entry, TrackFilterModel
from library.categories import category as category_of
from library.records import BrowseRow

if TYPE_CHECKING:
    from gui.widgets.views import TrackView


@dataclass(frozen=True)
class Scope:
    """The tracks an action covers, and how to say so."""

    track_ids: tuple[int, ...] | None  # None: the whole library (only ever chosen by name)
    phrase: str  # with {tracks}: "selected {tracks}", "{tracks} in Jazz"
    count: int

    @property
    def noun(self) -> str:
        """What a summary counts: 'selected tracks', 'tracks in Jazz'."""
        return self.phrase.replace("{tracks}", "tracks", 1)

    @property
    def label(self) -> str:
        """The scope in words: '1 selected track', '16 tracks in Jazz'."""
        if self.track_ids is None:
            return f"Whole library ({self.count:,} track{'s' if self.count != 1 else ''})"
        return f"{self.count:,} " + self.phrase.replace(
            "{tracks}", "track" if self.count == 1 else "tracks", 1)


def scope_of(selected: Sequence[int], shown: Sequence[int], category: Entry,
             words: Sequence[str] = ()) -> Scope:
    """The selection if any, else the shown rows (described by category and search words)."""
    if selected:
        return Scope(tuple(selected), "selected {tracks}", len(selected))
    kind, value = category
    phrase = category_of(kind).phrase.replace("{value}", value or "")
    if words:
        phrase += f" matching “{' '.join(words)}”"
    return Scope(tuple(shown), phrase, len(shown))


def whole_library(count: int) -> Scope:
    """Every track of the library, whatever is selected or shown."""
    return Scope(None, "{tracks} in the library", count)


def shown_ids(model: TrackFilterModel) -> list[int]:
    """Track ids of the rows a view of `model` shows, in its order."""
    return [row.id for row in model.shown_rows()]


def selected_rows(view: TrackView) -> list[BrowseRow]:
    """The records of the selected rows, in table order."""
    model = view.model()
    assert isinstance(model, TrackFilterModel)
    return [model.row(r) for r in sorted({i.row() for i in view.selectionModel().selectedRows()})]


def view_scope(view: TrackView) -> Scope:
    """What an action on 'these tracks' covers in this view right now."""
    model = view.model()
    assert isinstance(model, TrackFilterModel)
    return scope_of(view.selected_ids(), shown_ids(model), model.category, model.words)
