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


def _prediction_line(out: str) -> str:
    return next(line for line in out.splitlines() if line.startswith("prediction"))


def test_info_says_why_a_file_has_no_prediction(
        music: Path, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    wav, flac = music / "loose.wav", music / "tagged" / "song.flac"
    wav.write_bytes(wav.read_bytes()[:5000])  # declares more than it holds: the scan sees it
    flac.write_bytes(flac.read_bytes()[: flac.stat().st_size // 2])  # only decoding sees it
    outside = tmp_path / "outside.flac"
    shutil.copyfile(music / "Miles Davis" / "Kind of Blue" / "01 So What.flac", outside)
    assert run(db_path, "scan", "--quiet", str(music)) == 1
    capsys.readouterr()

    assert run(db_path, "info", str(wav)) == 0
    assert _prediction_line(capsys.readouterr().out).startswith(
        "prediction    none: the scan could not read the file (truncated")
    assert run(db_path, "info", str(flac)) == 0
    assert _prediction_line(capsys.readouterr().out) == (
        "prediction    none yet (run `genrelens classify`)")
    monkeypatch.setattr(cli.classify, "load_bundle", lambda name: StandInBundle())
    assert run(db_path, "classify", "--device", "cpu", str(flac)) == 1
    capsys.readouterr()
    assert run(db_path, "info", str(flac)) == 0
    assert _prediction_line(capsys.readouterr().out).startswith(
        "prediction    none: classify could not decode the file (cannot decode")

    assert run(db_path, "info", str(outside)) == 0
    assert "none: not in the library yet" in _prediction_line(capsys.readouterr().out)
    shutil.copyfile(wav, tmp_path / "cut.wav")
    assert run(db_path, "info", str(tmp_path / "cut.wav")) == 1
    assert "truncated" in (err := capsys.readouterr().err) and "not scanned yet" in err


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder another user may enter (pytest's tmp_path is the owner's alone)."""
    folder = Path(tempfile.mkdtemp(prefix="genrelens-perm-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_info_on_a_file_it_may_not_read_says_so(music: Path, shared_tmp: Path) -> None:
    """Scanned while readable, then chmod 000: `info` names the permission problem. Root
    reads whatever the mode, so as root the reader is run as nobody (setpriv)."""
    db = shared_tmp / "library.sqlite3"
    song = shared_tmp / "song.flac"
    shutil.copyfile(music / "tagged" / "song.flac", song)
    scanned = cli_process(db, "scan", "--quiet", str(shared_tmp))  # ends: the WAL is merged
    assert scanned.returncode == 0, scanned.stderr
    song.chmod(0)
    logs = shared_tmp / "logs"
    logs.mkdir(mode=0o777)
    logs.chmod(0o777)
    env = {**os.environ, "GENRELENS_LOG_DIR": str(logs), "HOME": str(shared_tmp)}
    prefix: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("running as root without setpriv: cannot be denied a read")
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        reachable = subprocess.run([*prefix, sys.executable, "-c",
                                    "import os, sys; sys.exit(not os.access(sys.argv[1], os.R_OK))",
                                    str(REPO / "main.py")], check=False, capture_output=True)
        if reachable.returncode != 0:  # e.g. a checkout under `mktemp -d` (mode 700)
            pytest.skip("running as root in a checkout nobody may read: cannot run as nobody")
    done = subprocess.run([*prefix, sys.executable, "main.py", "--db", str(db), "info",
                           str(song)], cwd=REPO, capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert _prediction_line(done.stdout) == (
        "prediction    none yet: the file cannot be read now (Permission denied); classify "
        "will fail on it until it can")


def test_info_on_a_named_pipe_does_not_wait_for_a_writer(
        db_path: Path, tmp_path: Path) -> None:
    fifo = tmp_path / "song.flac"
    os.mkfifo(fifo)
    done = cli_process(db_path, "info", str(fifo), timeout=60)  # a hang fails here, not for ever
    assert done.returncode == 1  # a PATH refused (docs/library.md, exit codes)
    assert done.stderr.strip() == (
        f"error: {fifo}: not a regular file (a named pipe); info reads audio files")


def _library_of(db: Path, rows: int) -> None:
    """A real library of `rows` tracks: enough table to fill a pipe many times over."""
    sessions = session_factory(create_db_engine(db))
    with sessions.begin() as session:
        session.add_all(Track(path=f"/music/Artist {i}/Album/track {i:05d}.flac", size=i,
                              mtime_ns=i) for i in range(rows))


@pytest.mark.parametrize("form", [[], ["--json"], ["--csv"]])
def test_a_reader_that_stops_early_ends_list_quietly(db_path: Path, form: list[str]) -> None:
    _library_of(db_path, 4000)
    child = subprocess.Popen([sys.executable, "main.py", "--db", str(db_path), "list", *form],
                             cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    assert child.stdout is not None and child.stderr is not None
    first = child.stdout.readline()  # as `| head -1` does: one line, then the pipe closes
    child.stdout.close()
    err = child.stderr.read()
    assert child.wait(timeout=120) == 141  # as a shell reports a program SIGPIPE ended
    assert first and err == ""  # no traceback, no "Exception ignored", no error line


def test_db_in_a_missing_folder_is_refused_and_no_folder_is_made(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "Musci" / "library.sqlite3"
    assert run(typo, "scan", "--quiet", str(tmp_path)) == EXIT_CANNOT_OPEN
    assert capsys.readouterr().err == (
        f"error: The library {typo} cannot be opened: its folder {typo.parent} does not "
        "exist. Check the path, or create the folder first.\n")
    assert not typo.parent.exists()


def test_the_default_library_makes_its_own_data_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GENRELENS_DB", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # platformdirs follows it
    assert main.main(["list"]) == 0
    assert (tmp_path / "data" / "GenreLens" / "library.sqlite3").is_file()


@pytest.mark.parametrize("future_revision", [None, "0099_from_the_future"])
def test_newer_library_message_names_both_revisions(
        db_path: Path, future_revision: str | None) -> None:
    create_db_engine(db_path).dispose()
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version={HEAD_USER_VERSION + 1}")
    if future_revision:
        conn.execute("UPDATE alembic_version SET version_num = ?", (future_revision,))
    conn.commit()
    conn.close()
    done = cli_process(db_path, "list")
    assert done.returncode == EXIT_NEWER
    library_at = f"revision {future_revision or HEAD}, schema {HEAD_USER_VERSION + 1}"
    assert done.stderr == (
        f"error: {db_path} was written by a newer GenreLens (the library is at {library_at}; "
        f"this GenreLens knows up to revision {HEAD}, schema {HEAD_USER_VERSION}); refusing "
        "to touch it. Update GenreLens, or open another library.\n")


def test_readme_postgres_recipe_uses_the_venv_and_starts_the_server() -> None:
    lines = (REPO / "README.md").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if "apt-get install postgresql" in line)
    recipe = [line.strip() for line in lines[start:] if line.startswith("      ")][:6]
    assert "service postgresql start" in recipe[0]
    commands = [part.strip() for line in recipe for part in line.split("&&")
                if "main.py" in part or "pip " in part]
    assert commands and all(c.startswith((".venv/bin/python main.py", ".venv/bin/pip "))
                            for c in commands)


def test_classify_ray_says_what_it_is_on_one_desktop(
        capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main.main(["classify", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "slower than plain classify" in help_text and "several machines" in help_text
    for doc in ("README.md", "docs/scale.md"):
        text = " ".join((REPO / doc).read_text().split())
        assert "slower than plain `classify`" in text, doc
