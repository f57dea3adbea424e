"""The library commands end to end: main.main([...]) on a real SQLite file and real audio."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

import main
from tests.audio_factory import Made, make_broken_files, make_good_files, make_id3_variants


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Readable files only: good ones of every format and the ID3 genre variants."""
    root = tmp_path_factory.mktemp("cli")
    good = make_good_files(root, shared_data)
    make_id3_variants(root, good["mp3"].path)
    return root


@pytest.fixture
def music(template: Path, tmp_path: Path) -> Path:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    return root


def run(db_path: Path, *args: str) -> int:
    return main.main(["--db", str(db_path), *args])


def test_scan_summarises_and_rescan_finds_nothing_new(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "scan", "--quiet", str(music)) == 0
    assert capsys.readouterr().out == (
        "17 new, 0 changed, 0 unchanged, 0 moved, 0 missing, 0 errors\n"
    )
    (music / "good" / "mp3.mp3").unlink()
    assert run(db_path, "scan", "--quiet") == 0  # no PATH: the watched folders
    assert capsys.readouterr().out == (
        "0 new, 0 changed, 16 unchanged, 0 moved, 1 missing, 0 errors\n"
    )


def test_scan_reports_each_bad_file_and_exits_1(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = make_broken_files(music, {k: _made(music, k) for k in ("wav", "ogg", "aac", "flac")})
    assert run(db_path, "scan", "--quiet", str(music)) == 1
    err = capsys.readouterr().err
    assert f"error: {broken['empty'].path}: empty file (0 bytes)" in err
    assert f"error: {broken['text'].path}: not audio: the file is text" in err
    assert err.count("truncated: ") == 3


def _made(root: Path, kind: str) -> Made:
    ext = {"wav": ".wav", "ogg": ".ogg", "aac": ".m4a", "flac": ".flac"}[kind]
    return Made(root / "good" / f"{kind}{ext}")


def test_scan_refuses_what_is_not_a_folder(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "scan", "--quiet", str(music / "nope")) == 1
    assert "does not exist" in capsys.readouterr().err
    assert run(db_path, "scan", "--quiet") == 1
    assert "No watched folders yet" in capsys.readouterr().err


def test_list_table_json_and_csv_agree(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db_path, "scan", "--quiet", str(music))
    capsys.readouterr()
    assert run(db_path, "list", "--genre", "JAZZ") == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "id", "status", "artist", "title", "genres", "predicted", "conf", "format", "path"]
    assert sorted(line.split()[-1] for line in lines[1:]) == [
        str(music / "id3" / "v1_and_v2.mp3"), str(music / "id3" / "v24_multi.mp3")]
    run(db_path, "list", "--genre", "jazz", "--json")
    records = json.loads(capsys.readouterr().out)
    assert {r["title"]: r["genres"] for r in records} == {
        "v1_and_v2": ["Jazz"], "v24_multi": ["Rock", "Jazz"]}
    run(db_path, "list", "--genre", "jazz", "--csv")
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["title"]: r["genres"] for r in rows} == {
        "v1_and_v2": "Jazz", "v24_multi": "Rock; Jazz"}


def test_list_filters_by_text_artist_and_status(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(db_path, "scan", "--quiet", str(music))
    (music / "good" / "wma.wma").unlink()
    run(db_path, "scan", "--quiet")
    capsys.readouterr()

    def titles(*args: str) -> list[str]:
        run(db_path, "list", "--json", *args)
        return sorted(r["title"] or "" for r in json.loads(capsys.readouterr().out))

    assert titles("grüße FL") == ["Grüße flac ♪"]
    assert titles("v23_s") == ["v23_semicolon", "v23_slash"]  # "_" is literal, not a wildcard
    assert titles("--artist", "artíst M") == ["Grüße mp3 ♪"]
    assert titles("--status", "missing") == ["Grüße wma ♪"]
    assert titles("aiff.aiff") == ["Grüße aiff ♪"]  # path matches too


def test_info_shows_record_or_reads_the_file(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run(db_path, "scan", "--quiet", str(music))
    capsys.readouterr()
    assert run(db_path, "info", str(music / "good" / "alac.m4a")) == 0
    out = capsys.readouterr().out
    assert "codec         alac" in out and "in library    True" in out
    outside = tmp_path / "outside.flac"
    shutil.copyfile(music / "good" / "flac.flac", outside)
    assert run(db_path, "info", "--json", str(outside)) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["in_library"], info["format"], info["genres"]) == (
        False, "flac", ["Rock", "Genre flac"])
    (tmp_path / "junk.mp3").write_bytes(b"")
    assert run(db_path, "info", str(tmp_path / "junk.mp3")) == 1
    assert "empty file (0 bytes)" in capsys.readouterr().err


def test_folders_add_list_remove(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(db_path, "folders", "add", str(music), str(music / "missing")) == 1
    assert f"watching {music}" in capsys.readouterr().out
    run(db_path, "folders")
    assert capsys.readouterr().out == f"{music.name}  {music}  (never scanned)\n"  # root name
    run(db_path, "scan", "--quiet")
    assert run(db_path, "folders", "remove", "--forget-tracks", str(music)) == 0
    assert "forgot 17 tracks" in capsys.readouterr().out
    run(db_path, "list", "--json")
    assert json.loads(capsys.readouterr().out) == []
    assert run(db_path, "folders", "remove", str(music)) == 1


@pytest.mark.parametrize(
    "command", [["scan"], ["list"], ["info"], ["folders"], ["folders", "add"],
                ["folders", "remove"], ["folders", "list"], ["folders", "roots"]])
def test_every_command_has_help(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main.main([*command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: genrelens" in capsys.readouterr().out


def test_usage_errors_exit_2(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        run(db_path, "list", "--status", "bogus")
    assert exit_info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_non_utf8_names_print_without_crashing(
    music: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import os

    odd = os.fsdecode(os.fsencode(music) + b"/caf\xe9.flac")
    shutil.copyfile(music / "good" / "flac.flac", odd)
    assert run(db_path, "scan", "--quiet", str(music)) == 0
    capsys.readouterr()
    assert run(db_path, "list", "caf") == 0
    assert f"{music}/caf\ufffd.flac" in capsys.readouterr().out
    assert run(db_path, "info", "--json", odd) == 0
    assert json.loads(capsys.readouterr().out)["path"] == f"{music}/caf\ufffd.flac"
