"""The share another computer added, added here under another path: the window asks whether
to use it as that root instead of listing every track twice, and then it is the same library
(same track ids, nothing new, nothing missing). Real CLI scan as "machine A", real window,
workers, scanner and SQLite file as "machine B", a symlink as the second mount point."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

import main
from gui.settings import AppSettings
from library.categories import Category
from library.roots import ROOTS_ENV_VAR
from tests.gui.conftest import wait_idle

SLOW_JOB_MS = 300_000


@pytest.fixture(autouse=True)
def _own_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No roots file of the user's; no mapping in the environment."""
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.delenv(ROOTS_ENV_VAR, raising=False)


def test_adding_the_same_share_elsewhere_offers_its_root(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, tmp_path: Path,
    quick_classify: AppSettings,
) -> None:
    at_a = tmp_path / "mnt" / "music"  # where machine A mounts the share
    at_a.parent.mkdir()
    at_a.symlink_to(music, target_is_directory=True)
    assert main.main(["--db", str(db_path), "scan", str(at_a), "-q"]) == 1  # one broken file
    at_a.unlink()  # machine B: A's mount point does not exist here

    window = make_window(db_path)
    ids = {r.id: Path(r.path).relative_to(at_a) for r in window.table.rows()}
    assert len(ids) == 8
    window.add_folders([str(music)])  # B's mount of the same share
    qtbot.waitUntil(lambda: window.same_share_question is not None
                    and window.same_share_question.isVisible(), timeout=SLOW_JOB_MS)
    question = window.same_share_question
    assert "“music”" in question.text() and str(at_a) in question.text()
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    assert [f.path for f in window.folders] == [str(at_a)]  # nothing added while it asks
    # the classify that follows an add left the tracks of the share not found here alone
    assert window.away_label.isVisible()
    assert window.away_label.text() == "“music” not found here: 7 tracks wait"
    assert sum(r.status == "ok" for r in window.table.rows()) == 7  # none marked unreadable

    question.use_button.click()
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    assert [f.path for f in window.folders] == [str(music)]
    rows = window.table.rows()
    assert {r.id: Path(r.path).relative_to(music) for r in rows} == ids  # same tracks, here
    assert sum(r.status == "ok" for r in rows) == 7
    assert window.table.tally.counts()[Category.UNCLASSIFIED] == 0  # and classified through B's mount
    assert not window.away_label.isVisible()
    assert (tmp_path / "config/GenreLens/roots").read_text() == f"music={music}\n"


def test_the_same_folder_under_another_name_is_offered_too(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, tmp_path: Path,
    quick_classify: AppSettings,
) -> None:
    link = tmp_path / "link-to-music"  # the library knows the folder by this name
    link.symlink_to(music, target_is_directory=True)
    assert main.main(["--db", str(db_path), "scan", str(link), "-q"]) == 1  # one broken file
    window = make_window(db_path)
    window.add_folders([str(music)])  # the folder itself: its tracks are in the library
    qtbot.waitUntil(lambda: window.same_share_question is not None
                    and window.same_share_question.isVisible(), timeout=SLOW_JOB_MS)
    assert "reached another way" in window.same_share_question.text()
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    assert len(window.table.rows()) == 8  # nothing listed twice
