"""The text `list TEXT` and `--artist` search, case-folded once and stored with each track.

Python's str.casefold ("Straße" → "strasse", "ÉDITH" → "édith") has no SQL equivalent on
PostgreSQL, and SQLite would call back into Python for every row. So each track keeps
`search_text`: its artist, title, album and path, case-folded, joined by SEPARATOR; both
engines then match with a plain LIKE (and PostgreSQL can index it with pg_trgm).

SEPARATOR is "ẞ" (capital sharp s): it folds to "ss", so no case-folded text, and no
case-folded needle, contains it. A needle therefore matches the joined text exactly when it
matches one field, and the artist is the text before the first SEPARATOR.
"""

from __future__ import annotations

import os
from typing import Any

SEPARATOR = "\u1e9e"
FIELDS = ("artist", "title", "album", "path")  # in stored order: the artist first


def fold_path(path: str | bytes | memoryview) -> str:
    """A path as search sees it: its bytes as UTF-8 (any bytes, as display_path shows them),
    case-folded."""
    raw = os.fsencode(path) if isinstance(path, str) else bytes(path)
    return raw.decode("utf-8", "replace").casefold()


def search_text(artist: str | None, title: str | None, album: str | None,
                path: str | bytes | memoryview | None) -> str:
    """The stored search text of a track with these tags and path."""
    folded = [(value or "").casefold() for value in (artist, title, album)]
    return SEPARATOR.join([*folded, fold_path(path) if path is not None else ""])


def from_values(values: dict[str, Any]) -> str:
    """search_text of a row being written (a dict of column values)."""
    return search_text(*(values.get(name) for name in FIELDS))


def column_default(context: Any) -> str:
    """The tracks.search_text default: computed from the row being inserted, so every
    insert (scan, tools, tests) fills it."""
    return from_values(context.get_current_parameters())


def like_pattern(needle: str) -> str:
    """The LIKE pattern (escape character "\\") that finds case-folded `needle` anywhere."""
    escaped = (needle.casefold().replace("\\", "\\\\").replace("%", "\\%")
               .replace("_", "\\_"))
    return f"%{escaped}%"
