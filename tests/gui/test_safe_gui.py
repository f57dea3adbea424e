"""Safe by default in the window: the write dialog's defaults leave the user's genres and
bytes alone and leave classify nothing to do; its rows can be unticked and edited; one genre
spelling in the sidebar; learned bundles in Settings; undo of any batch from the history.
Real workers and threads, the real scanner and default model, real files and SQLite."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

import classifier.bundle as bundle_module
import classifier.bundle_spec as bundle_spec
import gui.main_window as main_window_module
from classifier.training.heads_train import HeadConfig, _layers, save_head_bundle
from library.records import PlanRow
from workflows.tags import TagOptions
from gui.dialogs.settings_dialog import SettingsDialog
from gui.dialogs.tag_write import AFTER, FILE, TagWriteDialog
from gui.settings import GUI_TAG_DEFAULTS, AppSettings
from gui.track_scope import scope_of
from gui.workers import Outcome
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.predictions import stat_on_disk, tracks_needing_prediction
from library.tagplan import DEFAULT_MIN_CONFIDENCE, TagSelection, plan_tags
from workflows.tags import apply_plan
from tests.audio_factory import Tags, write_tags
from tests.gui.conftest import wait_idle
from tests.tagging_support import label, plain_genres, scan_into

SLOW_JOB_MS = 300_000
WRITES = ("write-tags", "classify")
TYPED = {"jazz": ["Hiphop"], "metal": ["Heavy Metal"], "blues": ["Hip Hop"]}


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def writable(music: Path) -> None:
    """The shared excerpts are copied read-only; the user's own files are writable."""
    for path in music.rglob("*.*"):
        path.chmod(0o644)


def flac(music: Path, genre: str) -> Path:
    return music / genre / f"{genre}.00000.flac"


def test_default_write_keeps_typed_genres_and_leaves_nothing_to_classify(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings
) -> None:
    writable(music)
    for genre, typed in TYPED.items():  # genres the user typed into their files
        write_tags(flac(music, genre), "flac", Tags(title=genre), raw_genres=typed)
    typed_md5 = {flac(music, g): md5(flac(music, g)) for g in TYPED}
    quick_classify.save_tag_options(TagOptions(policy="replace"))  # once picked, not remembered
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    country = next(r.id for r in window.table.rows() if r.path == str(flac(music, "country")))
    window.set_genre_of([country], ["Country"])  # a sure write, whatever the model says
    wait_idle(qtbot, window)
    tags_group = {v: n for (k, v), n in window.sidebar_model.entries().items() if k == Category.TAG}
    assert tags_group["Hip-Hop"] == 2 and "Hiphop" not in tags_group  # one spelling

    dialog = window.open_write_dialog()
    assert dialog.policy.currentData() == "fill-empty"
    assert not dialog.keep_times.isChecked()  # a write is a modification: new mtime by default
    country_mtime = flac(music, "country").stat().st_mtime_ns
    assert dialog.min_confidence.value() == DEFAULT_MIN_CONFIDENCE
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 8 and dialog.apply.isEnabled(),
                    timeout=20000)
    chosen = dialog.model.chosen_rows()
    assert {Path(r.path).stem for r in chosen} >= {"country.00000"}
    assert not {Path(r.path).parent.name for r in chosen} & set(TYPED)
    assert dialog.summary.text().startswith(f"{len(chosen)} of 8 tracks get a genre")
    finished: list[Outcome] = []
    window.runner.job_finished.connect(finished.append)
    dialog.apply.click()
    wait_idle(qtbot, window)
    assert [(o.name, o.error) for o in finished if o.name in WRITES] == [("write-tags", None)]
    assert plain_genres(flac(music, "country")) == ["Country"]
    assert flac(music, "country").stat().st_mtime_ns != country_mtime
    assert {p: md5(p) for p in typed_md5} == typed_md5  # not a byte of the typed files changed
    assert window.settings.tag_options().policy == "fill-empty"

    assert window.table.tally.counts()[Category.UNCLASSIFIED] == 0
    assert not any(r.stale for r in window.table.rows())
    sessions = session_factory(create_db_engine(db_path))
    with sessions() as session:
        assert tracks_needing_prediction(session, "broad", _broad_version(), None, False,
                                         stat_on_disk) == []
    window.classify()
    wait_idle(qtbot, window)
    assert [(o.name, o.done) for o in finished if o.name in WRITES][1:] == [("classify", 0)]


def test_the_keep_times_box_means_keep_mtime_and_is_remembered(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, music: Path, quick_classify: AppSettings
) -> None:
    """Ticked: the written file keeps its time; unticked: it gets a new one. Either way the
    choice is the next dialog's, under its own key (not the old default's)."""
    writable(music)
    window = make_window(db_path)
    window.add_folders([str(music)])
    wait_idle(qtbot, window, timeout=SLOW_JOB_MS)
    for keep, genre in ((True, "jazz"), (False, "metal")):
        track = next(r.id for r in window.table.rows() if r.path == str(flac(music, genre)))
        window.set_genre_of([track], [genre.title()])
        wait_idle(qtbot, window)
        window.track_view.selectRow(window.proxy.row_of(track))  # write just this one
        before = flac(music, genre).stat().st_mtime_ns
        dialog = window.open_write_dialog()
        dialog.keep_times.setChecked(keep)
        qtbot.waitUntil(lambda: dialog.apply.isEnabled()
                        and dialog.options().keep_mtime == keep, timeout=20000)  # noqa: B023
        dialog.apply.click()
        wait_idle(qtbot, window)
        assert plain_genres(flac(music, genre)) == [genre.title()]
        assert (flac(music, genre).stat().st_mtime_ns == before) == keep
        assert window.open_write_dialog().keep_times.isChecked() == keep  # a preference
        assert window.settings.store.value("tags/keep_modification_times") in (keep, str(keep).lower())


def _broad_version() -> str:
    return str(bundle_module.read_spec(bundle_module.find_bundle("broad"))["version"])


def test_rows_can_be_unticked_and_edited(qtbot: QtBot) -> None:
    plan = [PlanRow(1, "/m/a.mp3", "mp3", ("Rock",), None, "skip", "already has genres"),
            PlanRow(2, "/m/b.mp3", "mp3", (), ("Jazz",), "write", "predicted"),
            PlanRow(3, "/m/c.mp3", "mp3", (), ("Pop",), "write", "predicted"),
            PlanRow(4, "/m/d.mp3", "mp3", (), None, "skip", "no prediction")]
    dialog = TagWriteDialog(GUI_TAG_DEFAULTS, [scope_of([1, 2, 3, 4], [], (Category.ALL, None))])
    qtbot.addWidget(dialog)
    dialog.set_plan(dialog.options(), plan)
    model = dialog.model
    assert [r.track_id for r in model.plan] == [2, 3, 1, 4]  # real changes first
    assert dialog.summary.text() == "2 of 4 selected tracks get a genre; 2 are left as they are"
    model.setData(model.index(1, FILE), Qt.CheckState.Unchecked.value,  # as a view sends it
                  Qt.ItemDataRole.CheckStateRole)  # reject c.mp3
    model.setData(model.index(0, AFTER), "Free Jazz; Bebop")  # edit b.mp3
    model.setData(model.index(3, AFTER), "Ambient")  # give d.mp3 a genre by hand
    assert model.index(0, AFTER).data() == "Free Jazz; Bebop"
    assert dialog.summary.text() == "2 of 4 selected tracks get a genre; 2 are left as they are"
    with qtbot.waitSignal(dialog.apply_requested) as applied:
        dialog.apply.click()
    rows = applied.args[1]
    assert [(r.track_id, r.new_genres, r.action) for r in rows] == [
        (2, ("Free Jazz", "Bebop"), "write"), (4, ("Ambient",), "write")]


def test_settings_offers_a_learned_bundle(  # type: ignore[no-untyped-def]
    make_window, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = tmp_path / "user-bundles"
    monkeypatch.setattr(bundle_spec, "user_bundles_dir", lambda: user)  # find_bundle looks there
    config = HeadConfig()
    save_head_bundle(user / "my-library", name="my-library", description="learned",
                     labels=["Jazz", "Rock"], head=_layers(config.kind, 200, 8, 2),
                     config=config)
    shown: list[list[str]] = []

    class Recording(SettingsDialog):
        def exec(self) -> int:
            shown.append([self.bundle.itemData(i) for i in range(self.bundle.count())])
            return 0

    monkeypatch.setattr(main_window_module, "SettingsDialog", Recording)
    window = make_window(db_path)
    window.edit_settings()
    assert "my-library" in shown[0] and "broad" in shown[0] and "tags" not in shown[0]


@pytest.fixture
def two_batches(music: Path, db_path: Path) -> tuple[Path, Path]:
    """Two applied batches: jazz gets "Jazz" first, then metal gets "Metal"."""
    writable(music)
    sessions: sessionmaker[Session] = session_factory(create_db_engine(db_path))
    scan_into(sessions, music)
    first, second = flac(music, "jazz"), flac(music, "metal")
    for path, genre in ((first, "Jazz"), (second, "Metal")):
        label(sessions, str(path), [genre])
        with sessions() as session:
            rows = plan_tags(session, TagOptions(), TagSelection(paths=(str(path),)))
        assert apply_plan(sessions, rows, TagOptions()).count("applied") == 1
    return first, second


def test_history_undoes_a_chosen_batch(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, two_batches: tuple[Path, Path]
) -> None:
    first, second = two_batches
    window = make_window(db_path)
    dialog = window.show_history()
    qtbot.waitUntil(lambda: dialog.model.rowCount() == 2, timeout=20000)
    assert [dialog.model.index(r, 0).data() for r in range(2)] == ["2", "1"]  # newest first
    assert dialog.model.index(1, 2).data() == "1 written"
    assert not dialog.undo_button.isEnabled()
    dialog.table.selectRow(1)  # the older batch, not the last
    assert dialog.undo_button.isEnabled()
    dialog.undo_button.click()
    wait_idle(qtbot, window)
    qtbot.waitUntil(lambda: dialog.model.batches[1].state == "undone", timeout=20000)
    assert plain_genres(first) == [] and plain_genres(second) == ["Metal"]
    assert dialog.model.index(1, 4).data() == "undone"
    assert dialog.model.batches[0].state == "done"
    dialog.table.selectRow(1)
    assert not dialog.undo_button.isEnabled()  # undone already


def test_search_finds_a_genre_in_any_spelling(qtbot: QtBot) -> None:
    from gui.item_models.track_filter import TrackFilterModel
    from gui.item_models.track_table import TrackTableModel
    from library.records import BrowseRow

    table = TrackTableModel()
    proxy = TrackFilterModel(table)
    table.upsert_rows([
        BrowseRow(1, "/m/a.mp3", "ok", title="a", tag_genres=("Hiphop",)),
        BrowseRow(2, "/m/b.mp3", "ok", title="b", predicted=("Hip-Hop",), confidence=0.9),
        BrowseRow(3, "/m/c.mp3", "ok", title="c", tag_genres=("Rock",))])
    for text in ("hip-hop", "hiphop", "Hip Hop", "HIPHOP"):
        proxy.set_search(text)
        assert sorted(proxy.row(r).id for r in range(proxy.rowCount())) == [1, 2], text
