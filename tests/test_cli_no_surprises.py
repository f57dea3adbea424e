"""Small CLI surprises of issue #20, each through the real CLI on real files: names for
untagged rows, why `info` has no prediction, a named pipe, a closed pipe, `--db` into a
missing folder, the "newer GenreLens" message."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

import cli.classify
import main
from library import records
from library.db import HEAD, HEAD_USER_VERSION, create_db_engine, session_factory
from library.db_errors import EXIT_CANNOT_OPEN, EXIT_NEWER
from library.models import Track
from tests.audio_factory import Tags, load_clip, write_audio, write_tags
from tests.stand_in_bundle import StandInBundle

REPO = Path(__file__).resolve().parents[1]


def run(db: Path, *args: str) -> int:
    return main.main(["--db", str(db), *args])


def cli_process(db: Path | str, *args: str, timeout: float = 120, **options: object
        ) -> subprocess.CompletedProcess[str]:
    """`python main.py --db DB ARGS` in a process of its own."""
    return subprocess.run([sys.executable, "main.py", "--db", str(db), *args], cwd=REPO,
                          capture_output=True, text=True, timeout=timeout, **options)


@pytest.fixture
def music(tmp_path: Path, shared_data: Path) -> Path:
    """music/Miles Davis/Kind of Blue/01 So What.flac (no tags), music/loose.wav (no tags),
    music/tagged/song.flac (title and artist)."""
    samples, rate = load_clip(shared_data)
    root = tmp_path / "music"
    album = root / "Miles Davis" / "Kind of Blue"
    album.mkdir(parents=True)
    write_audio(album / "01 So What.flac", "flac", samples, rate)
    write_audio(root / "loose.wav", "wav", samples, rate)
    (root / "tagged").mkdir()
    tagged = write_audio(root / "tagged" / "song.flac", "flac", samples, rate)
    write_tags(tagged, "flac", Tags(title="Real Title", artist="Real Artist"))
    return root


def _table_rows(out: str) -> dict[str, str]:
    """file name -> its line of `list`'s table."""
    return {line.rsplit("/", 1)[-1]: line for line in out.splitlines()[1:]}


def test_list_shows_file_and_folder_names_for_untagged_rows_as_the_app_does(
        music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gui.item_models import track_table

    assert track_table.guessed_names is records.guessed_names  # one rule for app and CLI
    assert run(db_path, "scan", "--quiet", str(music)) == 0
    capsys.readouterr()
    assert run(db_path, "list") == 0
    rows = _table_rows(capsys.readouterr().out)
    assert "[Miles Davis]" in rows["01 So What.flac"]
    assert "[01 So What.flac]" in rows["01 So What.flac"]
    # at the watched folder's top: its own name is no artist, the file's name is the title
    assert "[loose.wav]" in rows["loose.wav"] and "[music]" not in rows["loose.wav"]
    assert "Real Artist" in rows["song.flac"] and "[" not in rows["song.flac"]
    assert run(db_path, "list", "--json") == 0  # scripts get the tags' own (empty) values
    titles = {Path(r["path"]).name: r["title"] for r in json.loads(capsys.readouterr().out)}
    assert titles == {"01 So What.flac": None, "loose.wav": None, "song.flac": "Real Title"}
