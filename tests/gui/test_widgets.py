"""Widgets and dialogs: player with and without QtMultimedia, charts, settings, write dialog."""

from __future__ import annotations

from dataclasses import replace

import importlib
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings
from PySide6.QtTest import QAbstractItemModelTester
from pytestqt.qtbot import QtBot

from gui import colormap, jobs
from library.records import PlanRow
from workflows.classify_run import ClassifyOptions
from workflows.tags import TagOptions
from gui.settings import GUI_TAG_DEFAULTS
from gui.dialogs.set_genre import SetGenreDialog, parse_genres
from gui.dialogs.settings_dialog import SettingsDialog
from gui.dialogs.tag_write import TagWriteDialog, summarize
from gui.settings import AppSettings, available_bundles, device_choices
from gui.track_scope import whole_library
from gui.widgets import player as player_module
from gui.widgets.charts import GenreTimeline, clip_winners
from gui.widgets.details_pane import rgb_to_image
from gui.widgets.player import Player
from gui.widgets.progress import describe
from gui.workers import Progress


def test_player_without_qtmultimedia_is_disabled_with_a_reason(
    qtbot: QtBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_import = importlib.import_module

    def no_multimedia(name: str, *args: object) -> object:
        if name == "PySide6.QtMultimedia":
            raise ImportError("libpulse.so.0: cannot open shared object file")
        return real_import(name, *args)

    monkeypatch.setattr(player_module.importlib, "import_module", no_multimedia)
    player = Player()
    qtbot.addWidget(player)
    player.set_source("/music/a.flac")
    assert player.media is None and not player.button.isEnabled()
    assert "libpulse0" in player.button.toolTip() and "libpulse.so.0" in player.button.toolTip()
    player.toggle()  # harmless


def test_player_with_qtmultimedia_enables_for_a_track(
    qtbot: QtBot, shared_data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A machine with a sound card (CI has none: tests/gui/test_preview_player.py covers that).
    monkeypatch.setattr(player_module, "audio_outputs", lambda module: [object()])
    player = Player()
    qtbot.addWidget(player)
    assert not player.button.isEnabled()  # nothing selected yet
    player.set_source(str(shared_data / "gtzan-mini" / "blues" / "blues.00000.flac"))
    assert player.media is not None and player.button.isEnabled()
    assert player.media.source().isEmpty()  # opened only when played


def test_timeline_places_each_clip_winner() -> None:
    assert clip_winners(("rock", "jazz"), [(0.2, 0.8), (0.9, 0.1)]) == ["jazz", "rock"]
    timeline = GenreTimeline()
    timeline.set_timeline(30.0, ("rock", "jazz"), [(0.2, 0.8), (0.9, 0.1)], (0.0, 15.0))
    assert timeline.segments == [(0.0, "jazz"), (15.0, "rock")]
    timeline.set_timeline(30.0, ("rock", "jazz"), [(0.2, 0.8)] * 3, ())  # starts unknown
    assert [s for s, _ in timeline.segments] == [0.0, 10.0, 20.0]
    assert not timeline.grab().isNull()


def test_mel_picture_colours_and_qimage() -> None:
    rgb = colormap.colorize(np.linspace(0, 1, 96 * 40).reshape(96, 40))
    assert rgb.shape == (96, 40, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == (0, 0, 4) and tuple(rgb[-1, -1]) == (252, 253, 191)
    image = rgb_to_image(rgb)
    assert (image.width(), image.height()) == (40, 96)
    assert image.pixelColor(39, 95).red() == 252


def test_progress_text() -> None:
    assert describe(Progress(jobs.CLASSIFY, 120, 2000, 14.2, 132.4)) == \
        "Classifying 120 / 2,000 · 14.2/s · 2 min left"
    assert describe(Progress(jobs.SCAN, 0, None, 0.0, None)) == "Scanning 0"


def test_settings_round_trip_and_devices(tmp_path: Path, qtbot: QtBot) -> None:
    store = QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)
    settings = AppSettings(store)
    assert settings.classify_options() == ClassifyOptions()
    settings.save_classify_options(ClassifyOptions("broad", "cpu", 4, 0.5))
    assert settings.tag_options() == GUI_TAG_DEFAULTS
    options = TagOptions(policy="merge", max_genres=3, album_consistent=True, id3v23=True,
                         mapping={"hiphop": "Hip-Hop"})
    settings.save_tag_options(options)
    again = AppSettings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    assert again.classify_options() == ClassifyOptions("broad", "cpu", 4, 0.5)
    # everything but the policy: a replacing policy is picked for one write, not remembered
    assert again.tag_options() == replace(options, policy="fill-empty")
    assert GUI_TAG_DEFAULTS == TagOptions()  # the CLI's defaults
    assert [v for v, _ in device_choices(False)] == ["auto", "cpu"]
    assert [v for v, _ in device_choices(True)] == ["auto", "cpu", "cuda"]
    assert "broad" in available_bundles() and "tags" not in available_bundles()
    dialog = SettingsDialog(again.classify_options(), False, ["broad"])
    qtbot.addWidget(dialog)
    assert dialog.device.count() == 2 and dialog.options() == ClassifyOptions("broad", "cpu", 4, 0.5)


def test_set_genre_dialog(qtbot: QtBot) -> None:
    assert parse_genres(" Jazz; Blues, jazz ,Jazz") == ["Jazz", "Blues", "jazz"]
    dialog = SetGenreDialog(3, ["blues", "rock"], "rock")
    qtbot.addWidget(dialog)
    dialog.combo.setCurrentText("Post-Rock, Ambient")
    assert dialog.genres() == ["Post-Rock", "Ambient"]
    dialog._clear()
    assert dialog.genres() == []


def plan() -> list[PlanRow]:
    return [PlanRow(1, "/m/a.mp3", "mp3", (), ("Jazz",), "write", "predicted"),
            PlanRow(2, "/m/b.mp3", "mp3", ("Rock",), None, "skip", "already has these genres")]


def test_write_dialog_applies_only_the_plan_it_showed(qtbot: QtBot) -> None:
    dialog = TagWriteDialog(GUI_TAG_DEFAULTS, [whole_library(2)])
    qtbot.addWidget(dialog)
    QAbstractItemModelTester(dialog.model, QAbstractItemModelTester.FailureReportingMode.Fatal)
    assert not dialog.apply.isEnabled()  # no diff seen yet
    with qtbot.waitSignal(dialog.replan_requested) as asked:
        dialog.max_genres.setValue(3)
    assert asked.args[0].max_genres == 3
    dialog.set_plan(GUI_TAG_DEFAULTS, plan())  # a stale plan (other max): ignored
    assert not dialog.apply.isEnabled()
    dialog.set_plan(dialog.options(), plan())
    assert dialog.apply.isEnabled()
    assert dialog.summary.text() == summarize(plan(), None, "tracks in the library")
    assert dialog.model.index(0, 1).data() == "(no genre)"
    assert dialog.model.index(0, 2).data() == "Jazz"
    assert dialog.model.index(1, 2).data() == "(unchanged)"
    with qtbot.waitSignal(dialog.apply_requested) as applied:
        dialog.apply.click()
    assert applied.args[0].max_genres == 3 and len(applied.args[1]) == 1  # only the write
    assert summarize(plan()) == "1 of 2 tracks get a genre; 1 is left as it is"
