"""The app's log: a rotating file in the data folder, --verbose on the terminal, worker and
command failures with their tracebacks, and libmpg123's chatter kept off the terminal."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from logging.handlers import RotatingFileHandler
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import main
from tests.audio_factory import write_audio
from tests.conftest import REPO_ROOT
from workflows.logs import LOG_DIR_ENV_VAR, log_file, setup_logging

MPG123 = b"libmpg123"


def test_logging_goes_to_one_rotating_file_in_the_log_folder() -> None:
    first = setup_logging()
    again = setup_logging()
    assert first == again == log_file()
    assert first is not None and first.parent == Path(os.environ[LOG_DIR_ENV_VAR])
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, RotatingFileHandler)]
    assert len(handlers) == 1 and handlers[0].maxBytes > 0 and handlers[0].backupCount > 0
    logging.getLogger("tests").debug("a line for the bug report")
    handlers[0].flush()
    assert "DEBUG" in first.read_text() and "a line for the bug report" in first.read_text()


def test_verbose_shows_debug_on_stderr(db_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main.main(["--db", str(db_path), "folders", "list"]) == 0
    assert "debug:" not in capsys.readouterr().err
    assert main.main(["--db", str(db_path), "--verbose", "folders", "list"]) == 0
    assert "debug: command folders" in capsys.readouterr().err
    assert main.main(["--db", str(db_path), "folders", "list"]) == 0
    assert "debug:" not in capsys.readouterr().err
    assert main.main(["--db", str(db_path), "scan", "-v", str(db_path.parent)]) == 0
    assert "debug: command scan" in capsys.readouterr().err
    setup_logging(verbose=False)  # back to quiet for the tests after this one


def test_a_crashing_command_says_so_in_a_line_and_logs_the_traceback(
    db_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import cli.folders

    def crash(*_: object) -> int:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(cli.folders, "list_folders", crash)
    assert main.main(["--db", str(db_path), "folders", "list"]) == 3
    err = capsys.readouterr().err
    assert "error: folders failed: disk on fire" in err and "Traceback" not in err
    path = log_file()
    assert path is not None
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "Traceback" in path.read_text() and "RuntimeError: disk on fire" in path.read_text()


@pytest.fixture(scope="module")
def mp3s(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Whole GTZAN excerpts as MP3: libmpg123 complains after seeking in these, though they
    decode fine."""
    root = tmp_path_factory.mktemp("mp3s")
    for genre in ("blues", "metal"):
        samples, rate = sf.read(shared_data / "gtzan-mini" / genre / f"{genre}.00001.flac",
                                dtype="float32")
        write_audio(root / f"{genre}.mp3", "mp3", np.asarray(samples), rate)
    return root


def run_python(code: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, **{LOG_DIR_ENV_VAR: str(tmp_path / "logs")})
    return subprocess.run([sys.executable, *(["-c", code] if code else []), *args],
                          cwd=REPO_ROOT, env=env, capture_output=True, timeout=600, check=False)


def test_libmpg123_chatters_on_good_mp3s_without_the_filter(mp3s: Path, tmp_path: Path) -> None:
    """The control: the chatter is real, from libsndfile's MP3 decoder, on files it decodes."""
    code = ("import sys; from classifier.audio import decode_clips\n"
            "print([decode_clips(p).error for p in sys.argv[1:]])")
    done = run_python(code, tmp_path, *map(str, sorted(mp3s.glob("*.mp3"))))
    assert done.stdout.strip() == b"[None, None]"
    assert MPG123 in done.stderr and b"error:" in done.stderr


def test_classify_keeps_decoder_chatter_off_the_terminal_and_in_the_log(
    mp3s: Path, tmp_path: Path
) -> None:
    db = str(tmp_path / "lib.sqlite3")
    scan = run_python("", tmp_path, "main.py", "--db", db, "scan", "--quiet", str(mp3s))
    assert scan.returncode == 0, scan.stderr
    done = run_python("", tmp_path, "main.py", "--db", db, "classify", "--device", "cpu")
    assert done.returncode == 0, done.stderr
    assert b"Classified 2 of 2 tracks" in done.stdout
    assert MPG123 not in done.stderr and MPG123 not in done.stdout
    log = (tmp_path / "logs" / "genrelens.log").read_bytes()
    assert b"DEBUG" in log and MPG123 in log  # kept, for whoever reads the log


def test_the_filter_passes_everything_else_on(tmp_path: Path) -> None:
    code = ("import os, sys; from workflows import stderr_filter; stderr_filter.install()\n"
            "os.write(2, b'[src/libmpg123/layer3.c:f():1] error: part2_3_length\\n')\n"
            "os.write(2, b'a C library warning that matters\\nno newline at the end')\n"
            "print('python', file=sys.stderr)")
    done = run_python(code, tmp_path)
    assert MPG123 not in done.stderr
    assert b"a C library warning that matters\n" in done.stderr
    assert b"no newline at the end" in done.stderr and b"python\n" in done.stderr
