"""The write and Set genre dialogs speak words: labels a user reads, check boxes one can see on
the dark theme, files told apart by their folder, room for ~15 rows, the modification-time box
meaning what it says; Set genre opens with the current genre and says when a file's own tags
will not change. Real Qt widgets offscreen; real files and SQLite where the window is used."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel, QSettings, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QStyle, QStyleOptionButton
from pytestqt.qtbot import QtBot
from sqlalchemy.orm import Session, sessionmaker

import gui.main_window as main_window_module
from library.records import PlanRow
from workflows.tags import TagOptions
from gui.dialogs.set_genre import SetGenreDialog
from gui.dialogs.tag_write import FILE, ROWS_SHOWN, TagWriteDialog
from gui.main_window import MainWindow
from gui.settings import GUI_TAG_DEFAULTS, AppSettings
from gui.theme import apply_theme
from gui.track_scope import scope_of, whole_library
from library.categories import Category
from library.db import create_db_engine, session_factory
from tests.audio_factory import Tags, write_tags
from tests.tagging_support import label, scan_into

WINDOW = QColor("#17191f")  # the theme's window colour (gui/theme.py)


def a_plan(count: int) -> list[PlanRow]:
    """Files of the same name in different album folders: what a real library holds."""
    return [PlanRow(i, f"/music/Album {i}/01 Intro.flac", "flac", (), ("Jazz",), "write",
                    "predicted") for i in range(count)]


@pytest.fixture
def dark_theme(qapp: QApplication) -> Iterator[None]:
    """The app's own theme, as the real app applies it; the test app's look put back after."""
    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    apply_theme(qapp)
    yield
    qapp.setStyleSheet(sheet)
    qapp.setPalette(palette)
    qapp.setStyle(style)


def contrast(image: QImage, left: int, top: int, width: int, height: int) -> int:
    """The largest difference in lightness from the window colour inside a rectangle."""
    return max(abs(image.pixelColor(x, y).lightness() - WINDOW.lightness())
               for x in range(left, left + width) for y in range(top, top + height))


def test_the_write_dialog_says_things_in_words_and_shows_folders(qtbot: QtBot) -> None:
    dialog = TagWriteDialog(GUI_TAG_DEFAULTS, [scope_of([], [1, 2], (Category.GENRE, "Jazz")),
                                               whole_library(10)])
    qtbot.addWidget(dialog)
    assert dialog.max_genres.text() == "At most 5 genres per file"
    assert dialog.policy.currentText() == "Only fill tracks without a genre"
    labels = {w.text() for w in dialog.findChildren(QLabel)}
    assert not {t for t in labels if "ID3v" in t or "--" in t}  # no flag-like labels
    assert [dialog.scope.itemText(i) for i in range(2)] == ["2 tracks in Jazz",
                                                            "Whole library (10 tracks)"]
    dialog.set_plan(dialog.options(), a_plan(3))
    shown = [dialog.model.index(r, FILE).data() for r in range(3)]
    assert shown == [f"Album {i}/01 Intro.flac" for i in range(3)]  # told apart by folder
    assert dialog.model.index(0, FILE).data(Qt.ItemDataRole.ToolTipRole) == \
        "/music/Album 0/01 Intro.flac"


def test_the_write_dialog_opens_with_room_for_fifteen_rows(
    qtbot: QtBot, dark_theme: None
) -> None:
    dialog = TagWriteDialog(GUI_TAG_DEFAULTS, [whole_library(40)])
    qtbot.addWidget(dialog)
    dialog.set_plan(dialog.options(), a_plan(40))
    dialog.show()
    qtbot.waitExposed(dialog)
    row = dialog.table.rowHeight(0)
    assert dialog.table.viewport().height() >= ROWS_SHOWN * row
    assert dialog.height() <= 760  # and it still fits a 1280×800 screen


def test_check_boxes_are_visible_on_the_dark_theme(qtbot: QtBot, dark_theme: None) -> None:
    box = QCheckBox("Same genre for a whole album")
    qtbot.addWidget(box)
    box.show()
    option = QStyleOptionButton()
    option.initFrom(box)
    frame = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
    unticked = box.grab().toImage()
    assert contrast(unticked, frame.left(), frame.top(), frame.width(), frame.height()) > 60
    box.setChecked(True)
    assert box.grab().toImage() != unticked  # ticked looks different

    dialog = TagWriteDialog(GUI_TAG_DEFAULTS, [whole_library(2)])
    qtbot.addWidget(dialog)
    dialog.set_plan(dialog.options(), a_plan(2))
    dialog.model.setData(dialog.model.index(1, FILE), Qt.CheckState.Unchecked.value,
                         Qt.ItemDataRole.CheckStateRole)
    dialog.show()
    qtbot.waitExposed(dialog)
    image = dialog.table.viewport().grab().toImage()
    ratio = image.devicePixelRatio()
    for at in (0, 1):  # the ticked and the unticked row's box, left of the file's name
        cell = dialog.table.visualRect(dialog.model.index(at, FILE))
        assert contrast(image, int(cell.left() * ratio) + 2, int(cell.top() * ratio) + 2,
                        int(22 * ratio), int((cell.height() - 4) * ratio)) > 60, at


def test_the_modification_time_box_is_keep_mtime_under_a_new_key(
    qtbot: QtBot, settings: AppSettings, tmp_path: Path
) -> None:
    for keep in (True, False):
        dialog = TagWriteDialog(TagOptions(keep_mtime=keep), [whole_library(1)])
        qtbot.addWidget(dialog)
        assert dialog.keep_times.isChecked() == keep == dialog.options().keep_mtime
        assert "Keep the files' modification times" in dialog.keep_times.text()
        assert "backups" in dialog.keep_times.text()
    # The old key holds what every Apply saved as the old default, not a choice.
    old = QSettings(str(tmp_path / "old.ini"), QSettings.Format.IniFormat)
    old.setValue("tags/keep_mtime", not TagOptions().keep_mtime)
    assert AppSettings(old).tag_options().keep_mtime == TagOptions().keep_mtime
    settings.save_tag_options(TagOptions(keep_mtime=not TagOptions().keep_mtime))
    assert settings.tag_options().keep_mtime == (not TagOptions().keep_mtime)


@pytest.fixture
def two_files(tmp_path: Path, shared_data: Path, db_path: Path) -> Path:
    """Two real excerpts: rock's file holds 'Rock' in its tags; jazz's the user set to Jazz."""
    root = tmp_path / "Music"
    root.mkdir()
    for genre in ("rock", "jazz"):
        shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.00000.flac", root)
        (root / f"{genre}.00000.flac").chmod(0o644)
    write_tags(root / "rock.00000.flac", "flac", Tags(title="rock"), raw_genres=["Rock"])
    sessions: sessionmaker[Session] = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    label(sessions, str(root / "jazz.00000.flac"), ["Jazz", "Bebop"])
    return root


def test_set_genre_opens_with_the_current_genre_and_says_when_tags_stay(  # type: ignore[no-untyped-def]
    qtbot: QtBot, make_window, db_path: Path, two_files: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[SetGenreDialog] = []

    class Recording(SetGenreDialog):
        def exec(self) -> int:
            shown.append(self)
            return 0

    monkeypatch.setattr(main_window_module, "SetGenreDialog", Recording)
    window: MainWindow = make_window(db_path)

    def ask(*names: str) -> SetGenreDialog:
        selection = window.track_view.selectionModel()
        selection.clearSelection()
        for row in window.table.rows():
            if Path(row.path).name in names:
                selection.select(window.proxy.index(window.proxy.row_of(row.id), 0),
                                 QItemSelectionModel.SelectionFlag.Select
                                 | QItemSelectionModel.SelectionFlag.Rows)
        window.ask_set_genre()
        return shown[-1]

    jazz = ask("jazz.00000.flac")
    assert jazz.combo.currentText() == "Jazz, Bebop"  # the user's label
    assert jazz.tagged.isHidden()  # no genre in that file's tags
    rock = ask("rock.00000.flac")
    assert rock.combo.currentText() == "Rock"  # no label, no prediction: what its tags say
    assert not rock.tagged.isHidden()
    note = rock.tagged.text()
    assert "already has genres in its tags" in note and "Write Tags" in note
    assert "Replace the genres already there" in note and "Add to the genres" in note
    both = ask("jazz.00000.flac", "rock.00000.flac")
    assert both.combo.currentText() == ""  # they differ: nothing to apply to both by mistake
    assert "1 of these files already has genres in their tags" in both.tagged.text()
