"""The Artists | Albums browser above the track table, on a real scanned library: real FLAC
files with real tags and embedded covers, some untagged under Artist/Album folders."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mutagen.flac import FLAC
from pytestqt.qtbot import QtBot

from gui.main_window import MainWindow
from library.categories import Category
from library.db import create_db_engine, session_factory
from tests.cover_art import embed_cover, png
from tests.gui.conftest import wait_idle
from tests.tagging_support import scan_into

# (source genre, id, folder under Music, artist tag, album tag, genre tag); None: untagged
FILES = (
    ("jazz", 0, "a", "Miles Davis", "Kind of Blue", "Jazz"),
    ("jazz", 1, "a", "Miles Davis", "Kind of Blue", "Jazz"),
    ("jazz", 2, "a", "Miles Davis", "Bitches Brew", "Jazz"),
    ("blues", 0, "a", "Muddy Waters", "Folk Singer", "Blues"),
    ("blues", 1, "a", "Muddy Waters", "Folk Singer", "Blues"),
    ("jazz", 3, "a", "Muddy Waters", "Jazz Night", "Jazz"),
    ("rock", 0, "Garage Band/First Demo", None, None, None),
    ("rock", 1, "Garage Band/First Demo", None, None, None),
)
COVER = png(64, 48, (200, 30, 30))


@pytest.fixture
def albums_music(tmp_path: Path, shared_data: Path) -> Path:
    root = tmp_path / "Music"
    for genre, number, folder, artist, album, tag in FILES:
        (root / folder).mkdir(parents=True, exist_ok=True)
        name = f"{genre}.{number:05d}.flac"
        path = root / folder / name
        shutil.copy(shared_data / "gtzan-mini" / genre / name, path)
        if artist:
            flac = FLAC(path)
            flac.update({"artist": [artist], "album": [album], "genre": [tag]})
            flac.save()
    embed_cover(root / "a" / "jazz.00000.flac", "flac", COVER)  # Kind of Blue's first track
    return root


@pytest.fixture
def window(make_window, db_path: Path, albums_music: Path, qtbot: QtBot) -> MainWindow:  # type: ignore[no-untyped-def]
    scan_into(session_factory(create_db_engine(db_path)), albums_music)
    made: MainWindow = make_window(db_path)
    settle(qtbot, made)
    return made


def settle(qtbot: QtBot, window: MainWindow) -> None:
    """Until the browser's tree counts what the table and its filters hold now."""
    qtbot.waitUntil(lambda: not window.browser._timer.isActive()
                    and window.browser.runner.settled() and window.browser.tree.tracks > 0,
                    timeout=20000)
    wait_idle(qtbot, window)


def artists(window: MainWindow) -> list[tuple[str, int]]:
    model = window.browser.artists
    return [(e.name, e.count) for e in model.entries]


def shown_files(window: MainWindow) -> set[str]:
    return {Path(r.path).name for r in window.proxy.shown_rows()}


def test_the_lists_show_every_artist_and_untagged_folders(window: MainWindow) -> None:
    assert artists(window) == [("Garage Band", 2), ("Miles Davis", 3), ("Muddy Waters", 3)]
    assert window.browser.artist_view.model().index(0, 0).data() == "All artists (3)"
    assert window.browser.artist_view.currentIndex().row() == 0
    assert window.proxy.rowCount() == len(FILES)


def test_choosing_an_artist_then_an_album_narrows_the_table(window: MainWindow) -> None:
    browser = window.browser
    browser.artist_view.setCurrentIndex(browser.artists.index(2))  # a click's selection
    assert shown_files(window) == {"jazz.00000.flac", "jazz.00001.flac", "jazz.00002.flac"}
    assert [(a.name, a.count) for a in browser.albums.entries] == [
        ("Bitches Brew", 1), ("Kind of Blue", 2)]
    assert browser.albums.index(2).data() == "Kind of Blue"  # one artist's: no need to say
    browser.album_view.setCurrentIndex(browser.albums.index(2))
    assert shown_files(window) == {"jazz.00000.flac", "jazz.00001.flac"}
    assert window.count_label.text().startswith("2 of 8 tracks")
    browser.artist_view.setCurrentIndex(browser.artists.index(0))  # All artists
    assert window.proxy.rowCount() == len(FILES)
    names = [browser.albums.index(r).data() for r in range(1, browser.albums.rowCount())]
    assert "Kind of Blue — Miles Davis" in names  # every artist's albums: each says whose


def test_untagged_tracks_are_found_under_their_folder_names(window: MainWindow) -> None:
    browser = window.browser
    browser.choose_artist("garage band")
    assert [a.name for a in browser.albums.entries] == ["First Demo"]
    browser.album_view.setCurrentIndex(browser.albums.index(1))
    assert shown_files(window) == {"rock.00000.flac", "rock.00001.flac"}


def test_a_genre_narrows_the_artists_with_their_counts(window: MainWindow, qtbot: QtBot
                                                       ) -> None:
    browser = window.browser
    browser.choose_artist("muddy waters")
    with qtbot.waitSignal(browser.tree_shown, timeout=20000):
        window.proxy.set_category(Category.TAG, "Jazz")  # the sidebar's "Jazz" in the tags
    assert artists(window) == [("Miles Davis", 3), ("Muddy Waters", 1)]
    assert browser.artists.tracks == 4
    # Muddy Waters has jazz too: still chosen, narrowed to his one jazz track and album.
    assert shown_files(window) == {"jazz.00003.flac"}
    assert [(a.name, a.count) for a in browser.albums.entries] == [("Jazz Night", 1)]
    with qtbot.waitSignal(browser.tree_shown, timeout=20000):
        window.search.setText("bitches")  # and the search narrows them further
    assert artists(window) == [("Miles Davis", 1)]
    assert browser.chosen == (None, None)  # his jazz is not in view: back to all artists
    assert shown_files(window) == {"jazz.00002.flac"}


def test_activating_an_album_selects_its_tracks_and_plays_the_first(window: MainWindow,
                                                                    qtbot: QtBot) -> None:
    browser = window.browser
    browser.choose_artist("miles davis")
    index = browser.albums.index(browser.albums.row_of("miles davis\nkind of blue") or 0)
    browser.album_view.setCurrentIndex(index)
    browser.album_view.activated.emit(index)  # double-click or Enter
    assert sorted(window.track_view.selected_ids()) == sorted(
        r.id for r in window.proxy.shown_rows())
    assert len(window.track_view.selected_ids()) == 2
    player, first = window.details.player, window.proxy.shown_rows()[0]
    qtbot.waitUntil(lambda: player.is_playing() and player.media is not None
                    and player.media.source().toLocalFile() == first.path, timeout=10000)


def test_album_cover_thumbnail_and_details_cover(window: MainWindow, qtbot: QtBot) -> None:
    browser = window.browser
    browser.choose_artist("miles davis")
    kind_of_blue = browser.albums.index(browser.albums.row_of("miles davis\nkind of blue") or 0)
    other = browser.albums.index(browser.albums.row_of("miles davis\nbitches brew") or 0)
    assert kind_of_blue.data() == "Kind of Blue"
    kind_of_blue.data(1)  # DecorationRole: the view asks; the worker reads the file
    other.data(1)
    cover_path = browser.albums.entries[kind_of_blue.row() - 1].cover_path
    qtbot.waitUntil(lambda: browser.covers.known(cover_path), timeout=20000)
    thumb = kind_of_blue.data(1)
    assert thumb is not None and (thumb.width(), thumb.height()) == (28, 21)  # 64x48 scaled
    assert thumb.toImage().pixelColor(14, 10).red() == 200
    qtbot.waitUntil(lambda: browser.covers.known(
        browser.albums.entries[other.row() - 1].cover_path), timeout=20000)
    blank = other.data(1)  # no picture in that file: a transparent square keeps the rows even
    assert blank.toImage().pixelColor(14, 14).alpha() == 0
    # The details pane: the selected track's cover.
    browser.album_view.setCurrentIndex(kind_of_blue)
    row = next(r for r in window.proxy.shown_rows() if r.path.endswith("jazz.00000.flac"))
    window.track_view.selectRow(window.proxy.row_of(row.id) or 0)
    qtbot.waitUntil(lambda: window.details.cover.isVisibleTo(window.details), timeout=20000)
    assert window.details.cover.pixmap().width() == 64  # smaller than the pane's size: as is
    untagged = next(r for r in window.proxy.shown_rows() if r.path.endswith("jazz.00001.flac"))
    window.track_view.selectRow(window.proxy.row_of(untagged.id) or 0)
    qtbot.waitUntil(lambda: window.details.shown_path == untagged.path, timeout=5000)
    qtbot.waitUntil(lambda: browser.covers.known(untagged.path), timeout=20000)
    assert not window.details.cover.isVisibleTo(window.details)
