"""50,000 tracks: loaded through the loader worker, counted and filtered correctly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from gui.item_models.track_filter import matches
from library import categories
from library.categories import Category
from tests.gui.conftest import wait_idle
from tests.gui.test_main_window import db_rows
from tools.demo_library import populate

TRACKS = 50_000


@pytest.mark.slow
def test_fifty_thousand_tracks_load_count_and_filter(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path
) -> None:
    populate(db_path, TRACKS)
    rows = db_rows(db_path)
    window = make_window(db_path)
    wait_idle(qtbot, window, timeout=300000)
    assert window.table.rowCount() == TRACKS
    expected = categories.count_sidebar(rows)
    assert window.table.tally.counts() == expected
    assert window.sidebar_model.entries()[(Category.ALL, None)] == TRACKS

    for kind, value in ((Category.GENRE, "Jazz"), (Category.UNCERTAIN, None), (Category.ERRORS, None),
                        (Category.TAG, "Rock")):
        window.proxy.set_category(kind, value)
        assert window.proxy.rowCount() == sum(categories.in_category(r, kind, value) for r in rows)
    window.proxy.set_category(Category.GENRE, "Jazz")
    window.proxy.set_search("midnight")
    want = sum(matches(r, ("midnight",), (Category.GENRE, "Jazz")) for r in rows)
    assert 0 < window.proxy.rowCount() == want
