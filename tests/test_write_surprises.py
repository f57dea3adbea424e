"""No surprises from a tag write, on real audio files copied to a tmp folder and the real
CLI: other programs (rsync's quick check) see every written file, `--report` is checked
before anything is written, and undo never follows a link out of the library."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import main
from library.db import create_db_engine, session_factory
from tests.tagging_support import copy_real_music, plain_genres, predict, scan_into

REPO = Path(__file__).resolve().parents[1]


def _md5(root: Path) -> dict[str, str]:
    return {p.name: hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(root.iterdir()) if p.is_file()}


@pytest.fixture
def music(shared_data: Path, tmp_path: Path, db_path: Path) -> Path:
    """Real files copied with their times, scanned and predicted: a default `tag --apply`
    writes every one of them."""
    root = tmp_path / "music"
    copy_real_music(shared_data, root)
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    predict(sessions, {str(p): {"Jazz": 0.8, "Blues": 0.2} for p in root.iterdir()})
    return root


def run(db_path: Path, *args: str) -> int:
    return main.main(["--db", str(db_path), *args])


def _rsync_changes(source: Path, backup: Path) -> set[str]:
    """The files rsync -a would copy again into `backup` (its quick check: size and time)."""
    done = subprocess.run(["rsync", "-a", "--dry-run", "--itemize-changes", f"{source}/",
                           f"{backup}/"], capture_output=True, text=True, check=True)
    return {line.split(" ", 1)[1] for line in done.stdout.splitlines()
            if line.startswith(">f")}


def test_a_default_write_is_seen_by_rsync_and_undo_gives_the_bytes_back(
        music: Path, db_path: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    if shutil.which("rsync") is None:
        pytest.skip("rsync is not installed")
    backup = tmp_path / "backup"
    subprocess.run(["cp", "-a", f"{music}/.", str(backup)], check=True)
    originals, sizes = _md5(music), {p.name: p.stat().st_size for p in music.iterdir()}
    assert _rsync_changes(music, backup) == set()

    assert run(db_path, "tag", "--apply", "-q") == 0
    assert "6 applied" in capsys.readouterr().out
    assert all(plain_genres(music / name) == ["Jazz"] for name in originals)
    # the genre fitted in the padding of some: only their time tells a backup they changed
    assert [p.name for p in music.iterdir() if p.stat().st_size == sizes[p.name]]
    assert _rsync_changes(music, backup) == set(originals)  # every written file, none missed

    assert run(db_path, "undo", "-q") == 0
    assert _md5(music) == originals


def test_keep_mtime_keeps_times_on_write_and_on_its_undo(
        music: Path, db_path: Path, tmp_path: Path) -> None:
    if shutil.which("rsync") is None:
        pytest.skip("rsync is not installed")
    backup = tmp_path / "backup"
    subprocess.run(["cp", "-a", f"{music}/.", str(backup)], check=True)
    times = {p.name: p.stat().st_mtime_ns for p in music.iterdir()}
    originals, sizes = _md5(music), {p.name: p.stat().st_size for p in music.iterdir()}
    assert run(db_path, "tag", "--apply", "--keep-mtime", "-q") == 0
    assert all(_md5(music)[name] != originals[name] for name in originals)
    assert {p.name: p.stat().st_mtime_ns for p in music.iterdir()} == times
    same_size = {p.name for p in music.iterdir() if p.stat().st_size == sizes[p.name]}
    assert same_size and not same_size & _rsync_changes(music, backup)  # the opt-in's cost
    assert run(db_path, "undo", "-q") == 0
    assert {p.name: p.stat().st_mtime_ns for p in music.iterdir()} == times
    assert _md5(music) == originals


@pytest.mark.parametrize("where", ["a folder", "a missing folder"])
def test_a_bad_report_path_stops_tag_apply_before_any_file_is_written(
        music: Path, db_path: Path, tmp_path: Path, where: str,
        capsys: pytest.CaptureFixture[str]) -> None:
    report = tmp_path if where == "a folder" else tmp_path / "missing" / "report.json"
    originals = _md5(music)
    assert run(db_path, "tag", "--apply", "-q", "--report", str(report)) == 2
    err = capsys.readouterr().err
    assert f"--report {report}" in err and "nothing written" in err, err
    assert _md5(music) == originals
    assert run(db_path, "history") == 0
    assert "No tag batches yet." in capsys.readouterr().out


def test_undo_refuses_a_link_swapped_in_to_a_file_outside_the_library(
        music: Path, db_path: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    assert run(db_path, "tag", "--apply", "-q") == 0
    # After the write, one file is replaced by a link to a copy of it outside every folder.
    victim = music / "jazz.00000.flac"
    outside = tmp_path / "elsewhere" / "jazz.00000.flac"
    outside.parent.mkdir()
    shutil.copy2(victim, outside)
    victim.unlink()
    victim.symlink_to(outside)
    outside_md5 = hashlib.md5(outside.read_bytes()).hexdigest()
    capsys.readouterr()

    assert run(db_path, "undo", "-q") == 1
    out, err = capsys.readouterr()
    assert "a link to a file outside the library folders" in err, err
    assert "5 undone" in out and "1 undo-refused" in out, out
    assert hashlib.md5(outside.read_bytes()).hexdigest() == outside_md5
    assert plain_genres(outside) == ["Jazz"]
    assert os.path.islink(victim)


def test_an_undo_killed_part_way_says_so_and_once_finished_the_next_write_skips_nothing(
        music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    originals = _md5(music)
    assert run(db_path, "tag", "--apply", "-q") == 0
    written = _md5(music)
    child = subprocess.run([sys.executable, "-m", "tests.undo_crash_child", str(db_path), "3"],
                           cwd=REPO, capture_output=True, text=True,
                           env={**os.environ, "PYTHONPATH": str(REPO)})
    assert child.returncode == -signal.SIGKILL, child.stderr
    restored = [name for name in originals if _md5(music)[name] == originals[name]]
    assert len(restored) == 4  # 3 recorded, the 4th restored on disk but not recorded
    assert [n for n in originals if n not in restored] == [
        n for n in originals if _md5(music)[n] == written[n]]
    capsys.readouterr()

    assert run(db_path, "history") == 0
    out = capsys.readouterr().out
    assert "undo-interrupted" in out, out
    assert "undo interrupted: 3 of 6 files restored — run `genrelens undo 1` again" in out, out

    assert run(db_path, "undo", "-q") == 0
    assert "batch 1 undone: 3 undone" in capsys.readouterr().out
    assert _md5(music) == originals
    assert run(db_path, "history") == 0
    out = capsys.readouterr().out
    assert "undone " in out and "undo interrupted" not in out, out

    # No row left from the killed undo makes the next write skip a file.
    assert run(db_path, "tag", "--apply", "-q") == 0
    out = capsys.readouterr().out
    assert "6 to write, 0 left alone" in out and "batch 2 written: 6 applied" in out, out
    assert all(plain_genres(music / name) == ["Jazz"] for name in originals)
