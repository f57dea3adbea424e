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


@pytest.fixture(scope="session")
def pg_server():  # type: ignore[no-untyped-def]
    """A real PostgreSQL server for this test session (started and stopped here).

    Skips, saying why, only when the server cannot start; with GENRELENS_REQUIRE_POSTGRES=1
    (CI) that is a failure instead, so PostgreSQL coverage cannot vanish unnoticed.
    """
    from tests.postgres_server import PgServer, Unavailable

    try:
        import psycopg  # noqa: F401
        server = PgServer()
    except (ImportError, Unavailable) as why:
        reason = f"PostgreSQL server cannot start: {why}"
        if os.environ.get("GENRELENS_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        server.make_template()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def library_db(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """A fresh library on each backend: an SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "library.sqlite3"
    return request.getfixturevalue("pg_server").fresh_library()
