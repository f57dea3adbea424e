"""Browsing by artist and album, as workflows: the artist → album tree of the rows a front end
holds, counted over its view, and the covers embedded in files. Neither touches the database:
the tree is built from the rows the caller passes, the covers are read from the files."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence

from library.albums import (
    UNKNOWN_ALBUM,
    UNKNOWN_ARTIST,
    AlbumEntry,
    ArtistEntry,
    ArtistTree,
    build_tree,
)
from library.categories import category
from library.records import BrowseRow
from library.tags.covers import read_cover
from workflows.events import ArtistTreeReady, CoverRead, Events

__all__ = ["UNKNOWN_ALBUM", "UNKNOWN_ARTIST", "AlbumEntry", "ArtistEntry", "ArtistTree",
           "artist_tree", "covers"]


def artist_tree(rows: Sequence[BrowseRow], texts: Sequence[str], entry: tuple[str, str | None],
                words: Sequence[str], roots: Mapping[int, str], cancelled: threading.Event,
                stamp: int = 0) -> Events:
    """The tree of every row, counted over those in the sidebar `entry` whose folded search
    text (`texts`, one per row) holds every word: the table's own filter, without its sort.
    Nothing when cancelled: a newer view is wanted."""
    kind, value = entry
    rule = category(kind).rule  # looked up once, not per row
    in_view = [rule(row, value) and all(w in text for w in words)
               for row, text in zip(rows, texts)]
    if not cancelled.is_set():
        tree = build_tree(rows, roots, in_view)
        if not cancelled.is_set():
            yield ArtistTreeReady(tree, stamp)


def covers(paths: Sequence[str], cancelled: threading.Event) -> Events:
    """The cover embedded in each file, file by file, until cancelled."""
    for path in paths:
        if cancelled.is_set():
            return
        yield CoverRead(path, read_cover(path))
