"""Text from the files, as the CLI shows and searches it: real files with non-ASCII capitals
(search folds all of Unicode, as the GUI's search does) and with control characters in names
and tags (shown as visible escapes, never raw)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

import main
from gui.item_models.track_table import search_text
from library import browse
from library.db import create_db_engine, session_factory
from library.models import UserLabel
from tests.audio_factory import Tags, load_clip, write_audio, write_tags

FILES = {  # name -> (artist, title, genres)
    "piaf.flac": ("Édith Piaf", "La Vie en rose", ["Chanson"]),
    "arnalds.mp3": ("Ólafur Arnalds", "Saman", ["Électro"]),
    "plain.flac": ("Someone", "Plain", ["Rock"]),
    "two\nlines.flac": ("Ctrl", "\x1b[31mred\x1b[0m", ["Bad\x07Genre", "Fine"]),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    samples, rate = load_clip(shared_data, seconds=0.5)
    sources = {ext: write_audio(root / f"source.{ext}", ext, samples, rate)
               for ext in ("flac", "mp3")}
    music = root / "music"
    music.mkdir()
    for name, (artist, title, genres) in FILES.items():
        path = music / name
        shutil.copyfile(sources[name.rsplit(".", 1)[1]], path)
        write_tags(path, name.rsplit(".", 1)[1], Tags(title=title, artist=artist),
                   raw_genres=genres)
    return music


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Path:
    music = tmp_path / "music"
    shutil.copytree(template, music)
    db = tmp_path / "library.sqlite3"
    assert main.main(["--db", str(db), "scan", str(music), "-q"]) == 0
    return db


def _list(db: Path, capsys: pytest.CaptureFixture[str], *args: str) -> list[str]:
    capsys.readouterr()
    assert main.main(["--db", str(db), "list", "--json", *args]) == 0
    return sorted(t["artist"] for t in json.loads(capsys.readouterr().out))


@pytest.mark.parametrize("args, artists", [
    (("ÉDITH PIAF",), ["Édith Piaf"]),
    (("édith",), ["Édith Piaf"]),
    (("--artist", "ÓLAFUR arnalds"), ["Ólafur Arnalds"]),
    (("--artist", "ólafur"), ["Ólafur Arnalds"]),
    (("--genre", "Électro"), ["Ólafur Arnalds"]),
    (("--genre", "ÉLECTRO"), ["Ólafur Arnalds"]),
    (("LA VIE EN ROSE",), ["Édith Piaf"]),
])
def test_search_folds_unicode_case(db: Path, capsys: pytest.CaptureFixture[str],
                                   args: tuple[str, ...], artists: list[str]) -> None:
    assert _list(db, capsys, *args) == artists


def test_the_gui_search_uses_the_same_rule(db: Path) -> None:
    with session_factory(create_db_engine(db))() as session:
        rows = browse.rows_for_ids(session, sorted(browse.all_track_ids(session)))
    texts = {row.artist: search_text(row) for row in rows}
    assert "édith piaf" in texts["Édith Piaf"] and "ÉDITH PIAF".casefold() in texts["Édith Piaf"]
    assert "électro" in texts["Ólafur Arnalds"]


def test_control_characters_are_escaped_in_table_csv_and_plan(
        db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main.main(["--db", str(db), "list", "--artist", "ctrl"]) == 0
    table = capsys.readouterr().out
    assert len(table.splitlines()) == 2  # header + one row: the newline in the name is shown
    assert "two\\nlines.flac" in table and "\\x1b[31mred" in table
    assert "\x1b" not in table and "\x00" not in table

    assert main.main(["--db", str(db), "list", "--artist", "ctrl", "--csv"]) == 0
    text = capsys.readouterr().out
    assert "\x00" not in text and "\x1b" not in text
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert row["genres"] == "Bad\\x07Genre; Fine" and row["path"].endswith("two\\nlines.flac")

    assert main.main(["--db", str(db), "list", "--artist", "ctrl", "--json"]) == 0
    [track] = json.loads(capsys.readouterr().out)  # JSON escapes by itself, values exact
    assert track["genres"] == ["Bad\x07Genre", "Fine"] and track["path"].endswith("two\nlines.flac")

    with session_factory(create_db_engine(db))() as session:  # a label with a NUL in it
        session.add(UserLabel(track_id=track["id"], genres=["Nul\x00Genre"]))
        session.commit()
    assert main.main(["--db", str(db), "tag", "--policy", "replace"]) == 0  # a dry run
    out = capsys.readouterr().out
    assert "\x00" not in out and "\x07" not in out
    assert "Bad\\x07Genre; Fine  →  Nul\\x00Genre" in out and "two\\nlines.flac" in out
    assert main.main(["--db", str(db), "info", str(Path(db).parent / "music" / "two\nlines.flac")
                      ]) == 0
    info = capsys.readouterr().out
    assert "two\\nlines.flac" in info and "Nul\\x00Genre" in info and "\x00" not in info


def test_every_printed_byte_is_escaped_even_in_messages(capsys: pytest.CaptureFixture[str],
                                                        tmp_path: Path) -> None:
    """The stream guard catches what no formatter escaped (here: a path in an error)."""
    bad = tmp_path / "no\x1b[2Jsuch"
    assert main.main(["--db", str(tmp_path / "db.sqlite3"), "info", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "no\\x1b[2Jsuch" in err
