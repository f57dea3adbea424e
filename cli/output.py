"""Track lists as a terminal table, JSON or CSV; paths printable whatever their bytes."""

from __future__ import annotations

import csv
import json
import shutil
from types import MappingProxyType
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any, TextIO

from library.records import NOT_MUSIC, PredictionRecord, TrackRecord, display_path

TABLE_COLUMNS = ("id", "status", "artist", "title", "genres", "predicted", "conf", "format",
                 "path")
Predictions = Mapping[int, PredictionRecord]  # track id -> its newest prediction
NO_PREDICTIONS: Predictions = MappingProxyType({})


def plain(track: TrackRecord) -> dict[str, Any]:
    """A track as JSON-ready values (genres a list, times ISO 8601, path printable)."""
    values = asdict(track)
    values["path"] = display_path(track.path)
    values["genres"] = list(track.genres)
    for key, value in values.items():
        if isinstance(value, datetime):
            values[key] = value.isoformat()
    return values


def predicted_text(prediction: PredictionRecord | None) -> str:
    """'Jazz; Blues', 'Not music', 'uncertain', or '' when never classified."""
    if prediction is None:
        return ""
    if prediction.not_music:
        return NOT_MUSIC
    return "; ".join(prediction.top_genres) or "uncertain"


def _cell(track: TrackRecord, column: str, predictions: Predictions) -> str:
    prediction = predictions.get(track.id)
    if column == "predicted":
        return predicted_text(prediction)
    if column == "conf":
        return f"{prediction.confidence:.2f}" if prediction else ""
    value = getattr(track, column)
    if column == "genres":
        return "; ".join(value)
    if column == "path":
        return display_path(value)
    return "" if value is None else str(value)


def write_table(tracks: Sequence[TrackRecord], out: TextIO, predictions: Predictions = NO_PREDICTIONS) -> None:
    """Aligned columns; long titles and artists are cut to keep a line per track."""
    rows = [[_cell(t, c, predictions) for c in TABLE_COLUMNS] for t in tracks]
    widths = [len(c) for c in TABLE_COLUMNS]
    for row in rows:
        widths = [max(w, len(cell)) for w, cell in zip(widths, row)]
    budget = max(20, shutil.get_terminal_size((120, 24)).columns // 5)
    widths = [min(w, budget) if c in ("artist", "title", "genres", "predicted") else w
              for w, c in zip(widths, TABLE_COLUMNS)]
    for row in [list(TABLE_COLUMNS), *rows]:
        cells = [_fit(cell, width) for cell, width in zip(row, widths)]
        out.write("  ".join(cells).rstrip() + "\n")


def _fit(text: str, width: int) -> str:
    return text.ljust(width) if len(text) <= width else text[: width - 1] + "…"


def _with_prediction(track: TrackRecord, predictions: Predictions) -> dict[str, Any]:
    values = plain(track)
    prediction = predictions.get(track.id)
    values["predicted"] = list(prediction.top_genres) if prediction else None
    values["confidence"] = round(prediction.confidence, 4) if prediction else None
    return values


def write_json(tracks: Sequence[TrackRecord], out: TextIO, predictions: Predictions = NO_PREDICTIONS) -> None:
    """A JSON array of track objects, with the newest predicted genres and confidence."""
    json.dump([_with_prediction(t, predictions) for t in tracks], out, ensure_ascii=False,
              indent=2)
    out.write("\n")


def write_csv(tracks: Sequence[TrackRecord], out: TextIO, predictions: Predictions = NO_PREDICTIONS) -> None:
    """CSV with a header row; genres joined with '; '."""
    fields = [*TrackRecord.__slots__, "predicted", "confidence"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for track in tracks:
        row = _with_prediction(track, predictions)
        row["genres"] = "; ".join(track.genres)
        row["predicted"] = predicted_text(predictions.get(track.id))
        writer.writerow(row)
