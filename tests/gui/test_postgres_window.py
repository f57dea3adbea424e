"""The app on a library kept on a real PostgreSQL server: it opens by URL and loads the
tracks a scan from the command line put there, with their sidebar counts."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from library import categories
from library.categories import Category
from main import main
from tests.gui.conftest import wait_idle
from tests.postgres_server import PgServer


def test_the_window_browses_a_postgresql_library(  # type: ignore[no-untyped-def]
        pg_server: PgServer, music: Path, make_window: Callable, qtbot) -> None:
    url = pg_server.empty_database()
    assert main(["--db", url, "scan", str(music), "-q"]) == 1  # the broken file
    window = make_window(url)
    rows = window.table.rows()
    assert len(rows) == len([p for p in music.rglob("*") if p.is_file()])
    assert {Path(r.path).name for r in rows} >= {"jazz.00000.flac", "metal.00000.flac"}
    assert window.table.rows() and any(r.status == "error" for r in rows)
    assert categories.count_sidebar(rows)[Category.ERRORS] == 1
    wait_idle(qtbot, window)
