"""`tag`, `history` and `undo` end to end: main.main([...]) on a real database and files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import main
from library.db import create_db_engine, session_factory
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.tagging_support import plain_genres, predict, scan_into


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("cli-tag") / "music"
    root.mkdir()
    samples, rate = load_clip(shared_data, seconds=0.5)
    for name, kind, genres in (("a", "mp3", []), ("b", "flac", ["Rock"]), ("c", "aac", [])):
        path = write_audio(root / f"{name}{KINDS[kind][0]}", kind, samples, rate)
        write_tags(path, kind, Tags(title=name), raw_genres=genres)
    return root


@pytest.fixture
def music(template: Path, tmp_path: Path, db_path: Path) -> Path:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    predict(sessions, {str(root / "a.mp3"): {"Hip-Hop": 0.8, "Soul": 0.2},
                       str(root / "b.flac"): {"Metal": 0.9, "Rock": 0.1},
                       str(root / "c.m4a"): {"Jazz": 0.6, "Soul": 0.4}})
    return root


def run(db_path: Path, *args: str) -> int:
    return main.main(["--db", str(db_path), *args])


def test_dry_run_is_the_default_and_prints_the_diff(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mapping = tmp_path / "map.txt"
    mapping.write_text("# house style\nhip-hop = Hip Hop\n")
    before = {p: p.read_bytes() for p in music.iterdir()}
    report = tmp_path / "plan.json"
    assert run(db_path, "tag", "--map", str(mapping), "--report", str(report)) == 0
    out = capsys.readouterr().out
    assert "—    →  Hip Hop   " in out and "a.mp3  (predicted (≥ 0.5))" in out
    assert "2 to write, 1 left alone\n  1 × already has genres (policy fill-empty)" in out
    assert {p: p.read_bytes() for p in music.iterdir()} == before
    plan = json.loads(report.read_text())
    assert [(Path(r["path"]).name, r["new_genres"]) for r in plan if r["action"] == "write"] == [
        ("a.mp3", ["Hip Hop"]), ("c.m4a", ["Jazz"])]


def test_apply_history_undo(music: Path, db_path: Path,
                            capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_path, "tag", str(music / "b.flac"), "--policy", "merge", "--apply", "-q") == 0
    out = capsys.readouterr().out
    assert "batch 1 written: 1 applied" in out and "genrelens undo 1" in out
    assert plain_genres(music / "b.flac") == ["Rock", "Metal"]
    assert run(db_path, "tag", "--genre", "jazz", "--apply", "-q") == 0
    assert plain_genres(music / "c.m4a") == ["Jazz"]
    capsys.readouterr()
    assert run(db_path, "history") == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["2", "1"]
    assert "done" in lines[0] and "1 applied" in lines[0] and "policy fill-empty" in lines[0]
    assert run(db_path, "undo", "1", "-q") == 0
    assert "batch 1 undone: 1 undone" in capsys.readouterr().out
    assert plain_genres(music / "b.flac") == ["Rock"]
    assert plain_genres(music / "c.m4a") == ["Jazz"]  # batch 2 untouched
    assert run(db_path, "undo", "1") == 1
    assert "batch 1 is undone already" in capsys.readouterr().err
    assert run(db_path, "tag", "--genre", "jazz", "--apply", "-q") == 0
    assert capsys.readouterr().out.endswith("Nothing to write.\n")
    assert run(db_path, "history", "--json") == 0
    assert [b["id"] for b in json.loads(capsys.readouterr().out)] == [2, 1]


def test_apply_reports_per_file_errors_and_exit_code(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    (music / "a.mp3").chmod(0o444)
    report = tmp_path / "outcome.json"
    assert run(db_path, "tag", "--apply", "-q", "--report", str(report)) == 1
    captured = capsys.readouterr()
    assert "error: " in captured.err and "a.mp3: file is read-only" in captured.err
    assert "1 applied, 1 error" in captured.out
    states = {Path(o["path"]).name: o["state"] for o in json.loads(report.read_text())}
    assert states == {"a.mp3": "error", "c.m4a": "applied"}


def test_bad_mapping_file_is_a_clear_error(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    mapping = tmp_path / "map.txt"
    mapping.write_text("Hip-Hop -> Hip Hop\n")
    assert run(db_path, "tag", "--map", str(mapping)) == 2
    assert "expected From=To" in capsys.readouterr().err
