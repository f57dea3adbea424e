"""Track lists as a terminal table, JSON or CSV; paths printable whatever their bytes.

Nothing from the library reaches the terminal raw: a newline in a file name or a NUL or
escape sequence in a genre is shown as a visible escape (\\n, \\x00, \\x1b), in table,
CSV and plain-text output alike (JSON has escapes of its own). `printable` does it to one
value, `escaped_streams` to everything a command prints, as a last line of defence.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import sys
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from types import MappingProxyType
from typing import Any, TextIO

from library.records import NOT_MUSIC, PredictionRecord, TrackRecord, guessed_names
from library.records import display_path as _any_bytes
from workflows.events import Event, Notice, Problem

# C0 and C1 controls, DEL, line/paragraph separators and the bidi overrides that can make a
# name display as something else.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    return f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}"


def printable(text: str) -> str:
    """`text` with every control character shown as a visible escape."""
    return _CONTROL.sub(_escape, text)


def display_path(path: str) -> str:
    """A path as the terminal may show it: any bytes decoded, controls escaped."""
    return printable(_any_bytes(path))


class _EscapingWriter(io.TextIOBase):
    """A text stream that escapes control characters except the layout ones it keeps."""

    def __init__(self, inner: TextIO, keep: str) -> None:
        self._inner = inner
        self._keep = set(keep)

    def write(self, text: str) -> int:
        self._inner.write(_CONTROL.sub(
            lambda m: m.group() if m.group() in self._keep else _escape(m), text))
        return len(text)

    def flush(self) -> None:
        self._inner.flush()

    def isatty(self) -> bool:
        try:
            return self._inner.isatty()
        except ValueError:  # closed: asked at exit by a library that kept the wrapper (Ray)
            return False

    def fileno(self) -> int:
        return self._inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self._inner, "encoding", "utf-8")


@contextmanager
def escaped_streams() -> Iterator[None]:
    """While a command runs, stdout and stderr escape every control character but newline
    and tab (and, on stderr, the carriage return progress bars redraw with)."""
    saved = sys.stdout, sys.stderr
    sys.stdout = _EscapingWriter(saved[0], "\n\t")
    sys.stderr = _EscapingWriter(saved[1], "\n\t\r")
    try:
        yield
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        finally:  # even when the flush finds the reader gone (`list | head`)
            sys.stdout, sys.stderr = saved


EXIT_READER_GONE = 141  # what a shell reports for a program SIGPIPE ended (128 + 13)


def reader_gone() -> int:
    """After a BrokenPipeError: what is left of stdout goes nowhere, quietly; the exit code.

    Without it Python's own flush at exit would fail again and print "Exception ignored"."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass  # not a real file descriptor (a test's captured stream): nothing flushes at exit
    return EXIT_READER_GONE

TABLE_COLUMNS = ("id", "status", "artist", "title", "genres", "predicted", "conf", "format",
                 "path")
Predictions = Mapping[int, PredictionRecord]  # track id -> its newest prediction
NO_PREDICTIONS: Predictions = MappingProxyType({})
Roots = Mapping[int, str]  # watched folder id -> its path here: where names are guessed up to
NO_ROOTS: Roots = MappingProxyType({})
GUESSED = {"title": 0, "artist": 1}  # table columns that fall back to names from the path


def plain(track: TrackRecord) -> dict[str, Any]:
    """A track as JSON-ready values (genres a list, times ISO 8601, path printable)."""
    values = asdict(track)
    values["path"] = _any_bytes(track.path)  # JSON escapes controls itself
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
    return printable("; ".join(prediction.top_genres)) or "uncertain"


def _cell(track: TrackRecord, column: str, predictions: Predictions, roots: Roots) -> str:
    prediction = predictions.get(track.id)
    if column in GUESSED and not getattr(track, column):
        # As the app's table does (greyed there): the file's or folder's name, in brackets
        # so that it does not pass for a tag.
        root = roots.get(track.folder_id) if track.folder_id is not None else None
        guess = guessed_names(track.path, root)[GUESSED[column]]
        return f"[{printable(guess)}]" if guess else ""
    if column == "predicted":
        return predicted_text(prediction)
    if column == "conf":
        return f"{prediction.confidence:.2f}" if prediction else ""
    value = getattr(track, column)
    if column == "genres":
        return printable("; ".join(value))
    if column == "path":
        return display_path(value)
    return "" if value is None else printable(str(value))


def write_table(tracks: Sequence[TrackRecord], out: TextIO,
                predictions: Predictions = NO_PREDICTIONS, roots: Roots = NO_ROOTS) -> None:
    """Aligned columns; long titles and artists are cut to keep a line per track; an
    untagged title or artist shows the file's or folder's [name]."""
    rows = [[_cell(t, c, predictions, roots) for c in TABLE_COLUMNS] for t in tracks]
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


def write_json(tracks: Sequence[TrackRecord], out: TextIO,
               predictions: Predictions = NO_PREDICTIONS) -> None:
    """A JSON array of track objects, with the newest predicted genres and confidence."""
    json.dump([_with_prediction(t, predictions) for t in tracks], out, ensure_ascii=False,
              indent=2)
    out.write("\n")


def write_csv(tracks: Sequence[TrackRecord], out: TextIO,
              predictions: Predictions = NO_PREDICTIONS) -> None:
    """CSV with a header row; genres joined with '; '."""
    fields = [*TrackRecord.__slots__, "predicted", "confidence"]
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    for track in tracks:
        row = _with_prediction(track, predictions)
        row["genres"] = "; ".join(track.genres)
        row["predicted"] = predicted_text(predictions.get(track.id))
        writer.writerow({k: printable(v) if isinstance(v, str) else v for k, v in row.items()})


def print_run(run: Generator[Event, None, Any]) -> Any:
    """Print a research workflow's words (a Problem to stderr, the rest to stdout) as they
    come, and return what it returns (its exit status)."""
    while True:
        try:
            event = next(run)
        except StopIteration as stop:
            return stop.value
        if isinstance(event, (Notice, Problem)):
            print(event.text, file=sys.stderr if isinstance(event, Problem) else sys.stdout)
