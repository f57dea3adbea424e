"""A database password never leaves GenreLens: every CLI command, run for real with a password
in GENRELENS_DB (and in --db) and --verbose, against a server that is down and one that is up,
leaves it out of stdout, stderr and the log file; a malformed or unsupported URL is refused in
words (exit 2) without it; the log file is the user's alone (0600 in a 0700 folder)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from library.db import mask_secrets, shown_location
from main import build_parser
from tests.audio_files import load_source, write_audio
from tests.conftest import REPO_ROOT
from tests.postgres_server import SUPERUSER, PgServer

PASSWORD = "S3cretPw"
DOWN = f"postgresql+psycopg://genrelens:{PASSWORD}@127.0.0.1:1/genrelens"  # nothing listens


@pytest.fixture(scope="module")
def music(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Two real 8-s tracks, an MP3 and a FLAC, in a folder to scan."""
    root = tmp_path_factory.mktemp("music")
    for name, ext in (("blues/blues.00001", ".mp3"), ("jazz/jazz.00003", ".flac")):
        source = shared_data / "gtzan-mini" / f"{name}.flac"
        write_audio(root / f"{Path(name).name}{ext}", *load_source(source, seconds=8))
    return root


def session_commands(music: Path, scratch: Path) -> list[list[str]]:
    """Every command of the CLI, in the order of a user's session on a new library."""
    track = str(music / "blues.00001.mp3")
    return [
        ["scan", "--quiet", str(music)], ["list"], ["info", track], ["folders", "list"],
        ["folders", "add", str(music)], ["classify", "--clips", "1", "--device", "cpu"],
        ["similar", track],
        ["tag"], ["tag", "--apply", "--min-confidence", "0", "--quiet"], ["history"],
        ["undo", "--quiet"], ["playlist", "-o", str(scratch / "all.m3u8")], ["learn"],
        ["train", "--net", "cnn-mlp", "--data", str(scratch / "no-data"),
         "--out", str(scratch / "net")],
        ["evaluate", "--bundle", "gtzan10", "--data", str(scratch / "no-data")],
        ["review", "--simulate", str(scratch / "truth.csv"), "--budget", "1", "--in-place"],
        ["folders", "remove", str(music)],
    ]


def test_the_session_runs_every_command_of_the_cli(tmp_path: Path) -> None:
    """A command added later is added to the session too, or this fails."""
    subcommands = next(a for a in build_parser()._actions if a.dest == "command")
    ran = {argv[0] for argv in session_commands(tmp_path, tmp_path)}
    assert ran == set(subcommands.choices)  # type: ignore[arg-type]


def user_env(home: Path, url: str) -> dict[str, str]:
    """A user's environment: the library URL with its password, the log in the data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GENRELENS_")}
    env.update(HOME=str(home), XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), GENRELENS_DB=url)
    return env


def genrelens(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`python main.py ARGS` as a user runs it (stderr filter and all)."""
    return subprocess.run([sys.executable, "main.py", *args], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


def log_of(home: Path) -> Path:
    return home / "data" / "GenreLens" / "logs" / "genrelens.log"


def run_session(url: str, music: Path, home: Path) -> dict[str, subprocess.CompletedProcess[str]]:
    """Every command with --verbose and the password in GENRELENS_DB, then one with the URL
    on the command line (the log records the command line); fails on any leak, naming it."""
    env = user_env(home, url)
    runs = {" ".join(argv): genrelens(env, "--verbose", *argv)
            for argv in session_commands(music, home)}
    runs["--db URL list"] = genrelens(env, "--db", url, "--verbose", "list")
    leaks = [f"{name}: {where}" for name, done in runs.items()
             for where, text in (("stdout", done.stdout), ("stderr", done.stderr))
             if PASSWORD in text]
    log = log_of(home).read_text(encoding="utf-8")
    leaks += [f"log: {line}" for line in log.splitlines() if PASSWORD in line]
    assert not leaks, "\n".join(leaks)
    # Not vacuous: every command ran, logged, and named its library (masked) on the terminal.
    for name in ("scan", "list", "info", "folders", "classify", "similar", "tag", "history",
                 "undo", "playlist", "learn", "train", "evaluate", "review"):
        assert f"command {name}, library postgresql+psycopg://genrelens:***@" in log, name
    assert sum("GenreLens started" in line for line in log.splitlines()) == len(runs)
    assert all("debug: command" in done.stderr for done in runs.values())
    return runs


def test_no_command_shows_the_password_when_the_server_is_down(
        music: Path, tmp_path: Path) -> None:
    runs = run_session(DOWN, music, tmp_path)
    refused = runs["list"]
    assert refused.returncode == 66  # cannot reach the server (docs/library.md)
    assert "postgresql+psycopg://genrelens:***@127.0.0.1:1/genrelens" in refused.stderr


def test_no_command_shows_the_password_when_the_server_is_up(
        pg_server: PgServer, music: Path, tmp_path: Path) -> None:
    url = pg_server.fresh_library().replace(f"{SUPERUSER}@", f"{SUPERUSER}:{PASSWORD}@", 1)
    runs = run_session(url, music, tmp_path)  # the server trusts local users: any password
    for name in ("scan --quiet", "classify", "tag --apply", "history", "undo --quiet"):
        done = next(d for n, d in runs.items() if n.startswith(name))
        assert done.returncode == 0, (name, done.stderr)
    # The write path ran for real (the lock, the batch), not only the opening of the library.
    assert "2 applied" in runs["tag --apply --min-confidence 0 --quiet"].stdout
    assert "2 undone" in runs["undo --quiet"].stdout


@pytest.mark.parametrize(("url", "words"), [
    (f"postgresql+psycopg://genrelens:{PASSWORD}@dbhost:notaport/genrelens",
     "is not a database URL GenreLens can read"),
    (f"mysql://genrelens:{PASSWORD}@dbhost/genrelens", "not 'mysql'"),
    (f"postgresql+psycopg://genrelens@dbhost/genrelens?password={PASSWORD}&port=x",
     "is not a database URL GenreLens can read"),
])
def test_a_malformed_or_unsupported_url_is_refused_in_words_with_exit_2(
        url: str, words: str, tmp_path: Path) -> None:
    env = user_env(tmp_path, url)
    for done in (genrelens(env, "--verbose", "list"),
                 genrelens(env, "--db", url, "--verbose", "scan", str(tmp_path))):
        assert done.returncode == 2, done.stderr
        assert words in done.stderr and "Traceback" not in done.stderr
        assert PASSWORD not in done.stdout + done.stderr
    assert PASSWORD not in log_of(tmp_path).read_text(encoding="utf-8")


def test_shown_location_masks_what_sqlalchemy_would_leave_in_clear() -> None:
    assert shown_location(f"postgresql+psycopg://u:{PASSWORD}@h/db") == (
        "postgresql+psycopg://u:***@h/db")
    assert shown_location(f"postgresql://u:p@ss/w{PASSWORD}@h:x/db") == "postgresql://u:***@h:x/db"
    assert PASSWORD not in shown_location(f"postgresql://u@h/db?sslmode=require&password={PASSWORD}")
    assert shown_location("/music/library.sqlite3") == "/music/library.sqlite3"
    assert PASSWORD not in mask_secrets(
        f"Could not parse SQLAlchemy URL from string 'postgresql://u:{PASSWORD}@h:x/d'")
    assert PASSWORD not in mask_secrets(f"host=h user=u password={PASSWORD} dbname=d")


def test_psycopg_missing_says_to_install_the_postgres_extra(tmp_path: Path) -> None:
    """A real run whose Python cannot import psycopg (as without the extra)."""
    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import sys\n"
        "class NoPsycopg:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'psycopg' or name.startswith('psycopg.'):\n"
        "            raise ModuleNotFoundError(f\"No module named '{name}'\", name=name)\n"
        "sys.meta_path.insert(0, NoPsycopg())\n")
    env = user_env(tmp_path, DOWN)
    env["PYTHONPATH"] = str(shim)
    proof = subprocess.run([sys.executable, "-c", "import psycopg"], env=env,
                           capture_output=True, text=True, check=False)
    assert proof.returncode != 0 and "No module named 'psycopg'" in proof.stderr
    done = genrelens(env, "--verbose", "list")
    assert done.returncode == 2, done.stderr
    assert "install genrelens[postgres]" in done.stderr
    assert "pip install 'genrelens[postgres]'" in done.stderr
    assert PASSWORD not in done.stdout + done.stderr + log_of(tmp_path).read_text()


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_the_log_is_created_0600_in_a_0700_folder(tmp_path: Path) -> None:
    env = user_env(tmp_path, DOWN)
    code = ("import os; os.umask(0o022)\n"  # the usual umask: files 0644 unless we say so
            "from workflows.logs import setup_logging; import logging\n"
            "setup_logging(); [h.doRollover() for h in logging.getLogger().handlers\n"
            " if hasattr(h, 'doRollover')]; logging.getLogger('x').info('after rollover')\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    log = log_of(tmp_path)
    assert mode(log.parent) == 0o700
    assert mode(log) == 0o600 and mode(log.with_name(f"{log.name}.1")) == 0o600


def test_an_older_more_open_log_is_tightened(tmp_path: Path) -> None:
    log = log_of(tmp_path)
    log.parent.mkdir(parents=True)
    log.write_text("an older run's lines\n")
    log.with_name(f"{log.name}.1").write_text("older still\n")
    for path, old in ((log.parent, 0o755), (log, 0o644), (log.with_name(f"{log.name}.1"), 0o644)):
        path.chmod(old)
    done = genrelens(user_env(tmp_path, DOWN), "history")
    assert done.returncode == 66
    assert mode(log.parent) == 0o700
    assert mode(log) == 0o600 and mode(log.with_name(f"{log.name}.1")) == 0o600
    assert log.read_text().startswith("an older run's lines\n")  # tightened, not replaced
