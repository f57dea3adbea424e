"""`python main.py COMMAND` ends without the interpreter's teardown (main.exit_now): nothing
that teardown used to do for us may be lost — output, the log, the database and its files."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_a_cli_run_keeps_its_output_log_and_database_after_the_quick_exit(
    tmp_path: Path, shared_data: Path
) -> None:
    music = tmp_path / "Music"
    music.mkdir()
    for genre in ("jazz", "metal", "rock"):
        shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.00002.flac", music)
    db = tmp_path / "lib.sqlite3"
    logs = tmp_path / "logs"
    env = dict(os.environ, GENRELENS_LOG_DIR=str(logs), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CONFIG_HOME=str(tmp_path / "config"))

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "main.py", "--db", str(db), *args], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=300, check=False)

    scan = run("scan", str(music))
    assert scan.returncode == 0, scan.stderr[-2000:]
    assert "3 new" in scan.stdout  # a pipe is block-buffered: the quick exit flushed it
    listing = run("list")
    assert listing.returncode == 0, listing.stderr[-2000:]
    assert len(listing.stdout.strip().splitlines()) == 4  # header and three tracks, all kept
    left = [p.name for p in tmp_path.iterdir() if p.name.endswith(("-wal", "-shm"))]
    assert left == []  # the connections were closed, so SQLite checkpointed and tidied up
    with sqlite3.connect(db) as con:  # committed and checkpointed: a plain reader sees it
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert "command list" in "".join(p.read_text() for p in logs.glob("*.log*"))
    missing = run("info", str(tmp_path / "nowhere.flac"))
    assert missing.returncode != 0 and missing.stderr.strip()  # stderr and the code survive
