"""The scan workflow as the app runs it: track ids come from the scanner, handed on once committed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from workflows import scan as scan_flow
from workflows.events import ScanStep, TrackDone
from gui.workers import JobContext
from library.db import create_db_engine, session_factory
from library.folders import add_folder
from library.models import Track
from library.records import ScanEvent
from tests.audio_factory import Tags, load_clip, write_audio, write_tags


def test_scan_names_each_written_track_once_its_row_is_committed(
    tmp_path: Path, db_path: Path, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    samples, rate = load_clip(shared_data, seconds=0.5)
    music = tmp_path / "music"
    music.mkdir()
    for number in range(6):
        write_tags(write_audio(music / f"{number}.flac", "flac", samples, rate), "flac",
                   Tags(title=str(number)))
    (music / "broken.flac").write_bytes(b"fLaC" + b"\0" * 100)
    monkeypatch.setattr(scan_flow, "SCAN_COMMIT_EVERY", 2)
    sessions = session_factory(create_db_engine(db_path))
    with sessions() as session:
        add_folder(session, str(music))
    ctx = JobContext(sessions, threading.Event())

    def scan_once() -> list[object]:
        items: list[object] = []
        for item in scan_flow.scan_events(ctx.sessions, ctx.cancelled, [str(music)]):
            if isinstance(item, TrackDone):  # read as the table's refresh does
                with sessions() as session:
                    track = session.get(Track, item.track_id)
                    item = (item.track_id, track.title if track else None, track is not None)
            items.append(item)
        return items

    items = scan_once()
    steps: list[ScanEvent] = [i.event for i in items if isinstance(i, ScanStep)]
    touched = [i for i in items if isinstance(i, tuple)]
    assert {e.outcome for e in steps} == {"new", "error"}
    assert sorted(t[0] for t in touched) == sorted(e.track_id for e in steps)  # type: ignore[misc]
    assert all(found for *_, found in touched)  # never a row that a read cannot see yet
    assert items.index(touched[0]) < len(items) // 2  # while the scan runs, not at its end

    write_tags(music / "3.flac", "flac", Tags(title="Retitled"))
    os.utime(music / "3.flac", ns=(1, 1))
    items = scan_once()
    changed = [i.event.track_id for i in items
               if isinstance(i, ScanStep) and i.event.outcome == "changed"]
    assert len(changed) == 1
    assert [i for i in items if isinstance(i, tuple)] == [(changed[0], "Retitled", True)]
