"""The log says what the app did: after a real CLI scan, classify, tag --apply and undo on a
new library, one INFO line per operation (creating the library is one) with its counts (the
batch for write and undo), and libmpg123's chatter only as DEBUG summaries."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.audio_factory import write_audio
from tests.conftest import REPO_ROOT
from workflows.logs import LOG_DIR_ENV_VAR


@pytest.fixture
def music(tmp_path: Path, shared_data: Path) -> Path:
    """Two whole GTZAN excerpts as MP3 (libmpg123 chatters on these) and one FLAC copy."""
    root = tmp_path / "music"
    root.mkdir()
    for genre in ("blues", "metal"):
        samples, rate = sf.read(shared_data / "gtzan-mini" / genre / f"{genre}.00001.flac",
                                dtype="float32")
        write_audio(root / f"{genre}.mp3", "mp3", np.asarray(samples), rate)
    (root / "jazz.flac").write_bytes((shared_data / "gtzan-mini/jazz/jazz.00002.flac").read_bytes())
    return root


def genrelens(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, **{LOG_DIR_ENV_VAR: str(tmp_path / "logs")})
    done = subprocess.run([sys.executable, "main.py", "--db", str(tmp_path / "lib.sqlite3"),
                           *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, (args, done.stderr)
    return done


def test_one_info_line_per_operation_with_counts_and_no_decoder_pages(
        music: Path, tmp_path: Path) -> None:
    genrelens(tmp_path, "scan", "--quiet", str(music))
    genrelens(tmp_path, "classify", "--device", "cpu")
    genrelens(tmp_path, "tag", "--apply", "--min-confidence", "0", "--quiet")
    genrelens(tmp_path, "undo", "--quiet")
    lines = (tmp_path / "logs" / "genrelens.log").read_text(encoding="utf-8").splitlines()
    info = [line.split(": ", 1)[1] for line in lines
            if " INFO " in line and "GenreLens started" not in line]
    assert len(info) == 5, "\n".join(info)
    created, scan, classify, write, undo = info
    assert re.fullmatch(r"library .*lib\.sqlite3 created at revision \S+", created), created
    assert re.fullmatch(r"scan of .*music: 3 new, 0 changed, 0 unchanged, 0 moved, 0 missing, "
                        r"0 errors", scan), scan
    assert re.fullmatch(r"classify: 3 of 3 tracks classified with broad \S+ on cpu, "
                        r"0 could not be read", classify), classify
    written = re.fullmatch(r"tag write: batch (\d+), 3 of 3 files written, 0 skipped, 0 failed",
                           write)
    assert written, write
    assert undo == f"undo: batch {written[1]}, 3 of 3 files restored, 0 refused"
    # The decoder's chatter: in the log, but summarised at DEBUG, never a line per message.
    chatter = [line for line in lines if "libmpg123" in line]
    assert chatter, "the MP3s did not make libmpg123 talk: the test proves nothing"
    # With two decode threads a line can be credited to the neighbouring file (documented in
    # docs/library.md, The log): what is promised is a summary per file, never which file.
    assert all(" DEBUG " in line and re.search(r" decoder: decoder said \d+ lines? about "
                                                r"\S+/music/\w+\.(mp3|flac)", line)
               for line in chatter), "\n".join(chatter)
    assert len(chatter) <= 3  # one summary per file at most, however much it said


@pytest.mark.slow  # starts a local Ray
def test_rays_token_warning_stays_off_the_terminal_and_goes_to_the_log(
        shared_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("ray", reason="Ray is not installed (pip install genrelens[cluster])")
    # Ray warns only when RAY_AUTH_MODE is unset, and a Ray started inside this pytest process
    # (test_classify_ray) sets it in os.environ for every later child: unset it, as a user has it.
    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    music = tmp_path / "music"
    music.mkdir()
    (music / "jazz.flac").write_bytes((shared_data / "gtzan-mini/jazz/jazz.00001.flac")
                                      .read_bytes())
    genrelens(tmp_path, "scan", "--quiet", str(music))
    done = genrelens(tmp_path, "classify", "--ray", "--clips", "1")
    assert "Classified 1 of 1" in done.stdout
    assert "Token authentication" not in done.stderr + done.stdout
    log = (tmp_path / "logs" / "genrelens.log").read_text(encoding="utf-8").splitlines()
    warned = [line for line in log if "Token authentication" in line]
    assert warned and all(" DEBUG " in line for line in warned)  # Ray did warn: kept, quietly


def test_learn_says_in_one_info_line_what_it_learned(shared_data: Path, tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    music = tmp_path / "music"
    music.mkdir()
    for genre in ("jazz", "metal"):
        for i in range(5):
            path = music / f"disc{i}" / f"{genre}{i}.flac"  # folders: groups for the folds
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes((shared_data / f"gtzan-mini/{genre}/{genre}.0000{i}.flac")
                             .read_bytes())
            tags = FLAC(path)
            tags["genre"] = genre.title()
            tags.save()
    genrelens(tmp_path, "scan", "--quiet", str(music))
    genrelens(tmp_path, "classify", "--clips", "1")
    genrelens(tmp_path, "learn", "--folds", "2", "--force")  # stored even if not above chance
    lines = (tmp_path / "logs" / "genrelens.log").read_text(encoding="utf-8").splitlines()
    start = max(i for i, line in enumerate(lines) if "GenreLens started" in line)
    learned = [line.split(": ", 1)[1] for line in lines[start + 1:] if " INFO " in line]
    assert len(learned) == 1, learned
    assert re.fullmatch(r"learn: 10 tracks in 2 genres, accuracy [01]\.\d{3} "
                        r"\(95% [01]\.\d{3}-[01]\.\d{3}, chance 0\.500, default [01]\.\d{3}\) "
                        r"over 2 folds, stored, \d+ tracks changed",
                        learned[0]), learned
