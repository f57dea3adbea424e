"""`genrelens playlist` end to end: real clips scanned into a real SQLite library, labelled,
exported as M3U8 and XSPF, read back (and played by a real mpv when it is installed)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from sqlalchemy.orm import Session, sessionmaker

import main
from library.db import create_db_engine, session_factory
from tests.tagging_support import label

NS = {"x": "http://xspf.org/ns/0/"}
ODD_NAME = "Ölé song – nº 2.flac"  # spaces, non-ASCII, an en dash


@pytest.fixture
def music(tmp_path: Path, shared_data: Path, db_path: Path) -> Path:
    """Untagged GTZAN clips under Some Artist/Älbum (one with an odd name), two tagged cc-music
    tracks; scanned, and all but Vibe Ace labelled Blues."""
    root = tmp_path / "music"
    album = root / "Some Artist" / "Älbum"
    album.mkdir(parents=True)
    gtzan = shared_data / "gtzan-mini" / "blues"
    for i in (0, 1):
        shutil.copy(gtzan / f"blues.0000{i}.flac", album)
    shutil.copy(gtzan / "blues.00002.flac", album / ODD_NAME)
    for name in ("Kevin_MacLeod_-_Vibe_Ace.ogg", "Karissa_Hobbs_-_Lets_Go_Fishin.ogg"):
        shutil.copy(shared_data / "cc-music" / name, root)
    assert run(db_path, "scan", "--quiet", str(root)) == 0
    sessions = _sessions(db_path)
    for path in [*album.iterdir(), root / "Karissa_Hobbs_-_Lets_Go_Fishin.ogg"]:
        label(sessions, str(path), ["Blues"])
    return root


def _sessions(db_path: Path) -> sessionmaker[Session]:
    return session_factory(create_db_engine(db_path))


def run(db_path: Path, *args: str) -> int:
    return main.main(["--db", str(db_path), *args])


def listed(db_path: Path, capsys: pytest.CaptureFixture[str], *filters: str) -> list[dict]:
    capsys.readouterr()
    assert run(db_path, "list", *filters, "--json") == 0
    rows: list[dict] = json.loads(capsys.readouterr().out)
    return rows


def _name(row: dict) -> str:
    """What the playlist should name a row: its tags, else the names `list` guesses."""
    if row["title"]:
        return f"{row['artist']} - {row['title']}"
    return f"Some Artist - {Path(row['path']).name}"


def test_m3u8_holds_exactly_the_rows_list_shows_in_its_order(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = listed(db_path, capsys, "--genre", "blues")
    assert len(rows) == 4  # the labelled ones; Vibe Ace (tagged Jazz) is not among them
    out = tmp_path / "blues.m3u8"
    assert run(db_path, "playlist", "--genre", "blues", "-o", str(out)) == 0
    assert capsys.readouterr().out == f"4 tracks written to {out}\n"
    expected = ["#EXTM3U"]
    for row in rows:
        expected += [f"#EXTINF:{round(row['duration'])},{_name(row)}", row["path"]]
    assert out.read_text(encoding="utf-8").splitlines() == expected
    assert "#EXTINF:133,Karissa Hobbs - Let's Go Fishin'" in expected
    assert f"{music}/Some Artist/Älbum/{ODD_NAME}" in expected


def test_filters_and_limit_are_lists(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = listed(db_path, capsys, "blues.0000", "--limit", "1")
    out = tmp_path / "one.m3u"
    assert run(db_path, "playlist", "--search", "blues.0000", "-n", "1", "-o", str(out)) == 0
    assert [line for line in out.read_text().splitlines() if not line.startswith("#")] == \
        [r["path"] for r in rows] and len(rows) == 1


def test_relative_paths_resolve_to_the_files(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = listed(db_path, capsys)
    lists = tmp_path / "lists"
    lists.mkdir()
    out = lists / "all.m3u8"
    assert run(db_path, "playlist", "--relative", "-o", str(out)) == 0
    paths = [line for line in out.read_text("utf-8").splitlines() if not line.startswith("#")]
    assert all(p.startswith("../music/") for p in paths)
    assert [os.path.normpath(lists / p) for p in paths] == [r["path"] for r in rows]
    assert all((lists / p).is_file() for p in paths)


def test_xspf_parses_with_locations_names_and_durations(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = listed(db_path, capsys, "--genre", "Blues")
    out = tmp_path / "Blues list.xspf"
    assert run(db_path, "playlist", "--genre", "Blues", "-o", str(out)) == 0
    root = ET.parse(out).getroot()
    assert root.tag == "{http://xspf.org/ns/0/}playlist" and root.get("version") == "1"
    tracks = root.findall("x:trackList/x:track", NS)
    locations = [t.findtext("x:location", namespaces=NS) or "" for t in tracks]
    assert all(loc.startswith("file:///") and " " not in loc for loc in locations)
    assert "%C3%96l%C3%A9%20song" in "".join(locations)  # percent-encoded UTF-8
    assert [unquote(urlparse(loc).path) for loc in locations] == [r["path"] for r in rows]
    assert [f"{t.findtext('x:creator', namespaces=NS)} - {t.findtext('x:title', namespaces=NS)}"
            for t in tracks] == [_name(r) for r in rows]
    assert [int(t.findtext("x:duration", namespaces=NS) or 0) for t in tracks] == \
        [round(r["duration"] * 1000) for r in rows]


def test_an_existing_playlist_is_kept_unless_forced(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mine.m3u8"
    out.write_text("my own playlist\n")
    assert run(db_path, "playlist", "--genre", "Blues", "-o", str(out)) == 1
    assert capsys.readouterr().err == \
        f"error: {out}: already exists; not overwritten (--force replaces it)\n"
    assert out.read_text() == "my own playlist\n"
    assert run(db_path, "playlist", "--genre", "Blues", "--force", "-o", str(out)) == 0
    assert out.read_text().startswith("#EXTM3U\n")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp


def test_other_extensions_and_empty_selections_are_refused(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "playlist", "-o", str(tmp_path / "list.txt")) == 2
    assert "not a playlist name" in capsys.readouterr().err
    assert run(db_path, "playlist", "--genre", "Polka", "-o", str(tmp_path / "p.m3u8")) == 1
    assert "no track to write" in capsys.readouterr().err
    assert not (tmp_path / "list.txt").exists() and not (tmp_path / "p.m3u8").exists()


@pytest.mark.skipif(shutil.which("mpv") is None, reason="mpv is not installed (apt-get install "
                    "mpv): the playlist is not played by a real player")
@pytest.mark.parametrize("relative", [False, True])
def test_mpv_opens_every_entry_in_order(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    relative: bool,
) -> None:
    rows = listed(db_path, capsys, "--genre", "Blues")
    out = tmp_path / "play list.m3u8"
    assert run(db_path, "playlist", "--genre", "Blues", *(["--relative"] * relative),
               "-o", str(out)) == 0
    played = subprocess.run(
        ["mpv", "--no-config", "--ao=null", "--vo=null", "--no-audio-display", "--idle=no",
         f"--playlist={out}", "--length=0.2", "--msg-level=all=no,cplayer=v"],
        capture_output=True, text=True, timeout=120, cwd="/")  # relative: from the list's folder
    opened = [line.removeprefix("[cplayer] Opening done: ")
              for line in played.stdout.splitlines() + played.stderr.splitlines()
              if line.startswith("[cplayer] Opening done: ")]
    assert opened == [r["path"] for r in rows], played.stdout + played.stderr
    assert played.returncode == 0


def test_a_line_break_in_a_name_is_left_out_of_m3u8_but_kept_in_xspf(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = music / "two\nlines.flac"
    shutil.copy(music / "Some Artist" / "Älbum" / "blues.00000.flac", odd)
    assert run(db_path, "scan", "--quiet") == 0
    rows = listed(db_path, capsys)
    assert str(odd) in [r["path"] for r in rows]
    out = tmp_path / "all.m3u8"
    assert run(db_path, "playlist", "-o", str(out)) == 1
    assert "a line break in its name cannot be written" in capsys.readouterr().err
    paths = [line for line in out.read_text("utf-8").splitlines() if not line.startswith("#")]
    assert paths == [r["path"] for r in rows if r["path"] != str(odd)]
    xspf = tmp_path / "all.xspf"
    assert run(db_path, "playlist", "--relative", "-o", str(xspf)) == 0
    locations = [e.text or "" for e in ET.parse(xspf).getroot().iter(f"{{{NS['x']}}}location")]
    assert [os.path.normpath(tmp_path / unquote(loc)) for loc in locations] == \
        [r["path"] for r in rows]
    assert any(loc.endswith("two%0Alines.flac") for loc in locations)
