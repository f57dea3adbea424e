"""Track lists as a terminal table, JSON or CSV; paths printable whatever their bytes."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from library.records import TrackRecord, display_path

TABLE_COLUMNS = ("id", "status", "artist", "title", "genres", "format", "path")


def plain(track: TrackRecord) -> dict[str, Any]:
    """A track as JSON-ready values (genres a list, times ISO 8601, path printable)."""
    values = asdict(track)
    values["path"] = display_path(track.path)
    values["genres"] = list(track.genres)
    for key, value in values.items():
        if isinstance(value, datetime):
            values[key] = value.isoformat()
    return values


def _cell(track: TrackRecord, column: str) -> str:
    value = getattr(track, column)
    if column == "genres":
        return "; ".join(value)
    if column == "path":
        return display_path(value)
    return "" if value is None else str(value)


def write_table(tracks: Sequence[TrackRecord], out: TextIO) -> None:
    """Aligned columns; long titles and artists are cut to keep a line per track."""
    rows = [[_cell(t, c) for c in TABLE_COLUMNS] for t in tracks]
    widths = [len(c) for c in TABLE_COLUMNS]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    budget = max(20, shutil.get_terminal_size((120, 24)).columns // 5)
    widths = [min(w, budget) if c in ("artist", "title", "genres") else w
              for w, c in zip(widths, TABLE_COLUMNS)]
    for row in [list(TABLE_COLUMNS), *rows]:
        cells = [_fit(cell, width) for cell, width in zip(row, widths)]
        out.write("  ".join(cells).rstrip() + "\n")


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def write_json(tracks: Sequence[TrackRecord], out: TextIO) -> None:
    """A JSON array of track objects."""
    json.dump([plain(t) for t in tracks], out, ensure_ascii=False, indent=2)
    out.write("\n")


def write_csv(tracks: Sequence[TrackRecord], out: TextIO) -> None:
    """CSV with a header row; genres joined with '; '."""
    fields = list(TrackRecord.__slots__)
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for track in tracks:
        row = plain(track)
        row["genres"] = "; ".join(track.genres)
        writer.writerow(row)
