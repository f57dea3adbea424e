"""Shared fixtures: where the real audio lives, a fresh library database per test."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

# Real Qt widgets, no screen: set before anything imports Qt.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# The app's log goes to a folder of this run, not the user's data folder (subprocesses too).
if "GENRELENS_LOG_DIR" not in os.environ:
    os.environ["GENRELENS_LOG_DIR"] = tempfile.mkdtemp(prefix="genrelens-test-logs-")
    atexit.register(shutil.rmtree, os.environ["GENRELENS_LOG_DIR"], ignore_errors=True)

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("GENRELENS_TEST_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real audio of ../shared/data (read only; never copied into the repo)."""
    if not (SHARED_DATA / "gtzan-mini").is_dir():
        pytest.fail(f"real test audio not found at {SHARED_DATA} (set GENRELENS_TEST_DATA)")
    return SHARED_DATA


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A path for a fresh SQLite library file."""
    return tmp_path / "library.sqlite3"
