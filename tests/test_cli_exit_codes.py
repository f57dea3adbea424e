"""Exit codes a user can rely on (docs/library.md): the same broken files give the same code
and the same error count on every scan; `classify PATH` outside the library is an error."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import main


def run(db_path: Path, *args: str) -> int:
    return main.main(["--db", str(db_path), *args])


@pytest.fixture
def music(tmp_path: Path, shared_data: Path) -> Path:
    """Two real tracks and two broken files."""
    root = tmp_path / "music"
    root.mkdir()
    for genre in ("jazz", "blues"):
        shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.00000.flac", root)
    (root / "cut.flac").write_bytes(b"fLaC" + b"\0" * 100)
    (root / "notes.mp3").write_text("not audio at all")
    return root


def test_first_scan_and_rescans_report_the_same_errors_with_the_same_code(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "scan", "--quiet", str(music)) == 1
    first = capsys.readouterr()
    assert first.out.endswith("2 new, 0 changed, 0 unchanged, 0 moved, 0 missing, 2 errors\n")
    assert run(db_path, "scan", "--quiet") == 1  # nothing changed: the same two errors
    again = capsys.readouterr()
    assert again.out.endswith("0 new, 0 changed, 2 unchanged, 0 moved, 0 missing, 2 errors\n")
    assert sorted(again.err.splitlines()) == sorted(first.err.splitlines())  # same lines
    assert len(again.err.splitlines()) == 2
    (music / "cut.flac").unlink()
    (music / "notes.mp3").unlink()
    assert run(db_path, "scan", "--quiet") == 0  # gone: missing, no longer errors
    assert capsys.readouterr().out.endswith("2 missing, 0 errors\n")


def test_classify_a_path_outside_the_library_is_an_error(
    music: Path, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db_path, "scan", "--quiet", str(music))
    capsys.readouterr()
    elsewhere = tmp_path / "elsewhere.flac"
    shutil.copy(music / "jazz.00000.flac", elsewhere)  # a real file, never scanned
    for path in (elsewhere, tmp_path / "typo"):
        assert run(db_path, "classify", str(path)) == 1
        out, err = capsys.readouterr()
        assert f"error: {path}: not in the library" in err
        assert "Nothing to do" not in out + err


def test_a_database_error_raised_while_a_ctrl_c_unwinds_is_an_interrupt(
        capsys: pytest.CaptureFixture[str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C mid-query on PostgreSQL: the driver's clean-up failed on the busy connection and
    that error hid the interrupt (exit 66 instead of 130, once in a fresh-clone run of
    tests/test_classify_ray_sigint.py). Whatever fails while a Ctrl-C unwinds, it is an
    interrupt."""
    from sqlalchemy.exc import OperationalError

    import cli.tracks

    def interrupted_query(*_: object) -> None:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt:
            raise OperationalError("ROLLBACK", {}, Exception(
                "can't rollback: connection in transaction status ACTIVE")) from None

    monkeypatch.setattr(cli.tracks, "list_command", interrupted_query)
    assert main.main(["--db", str(tmp_path / "library.sqlite3"), "list"]) == 130
    assert "Interrupted; work committed so far is kept." in capsys.readouterr().err
