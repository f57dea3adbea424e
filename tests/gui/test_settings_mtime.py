"""The remembered "keep the files' times" choice after the default flipped to a new mtime:
the old key held the old default for everyone who ever wrote tags, so it is not read."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QSettings

from gui.settings import AppSettings


def test_an_old_stored_keep_mtime_default_does_not_keep_times_but_a_new_choice_does(
        tmp_path: Path) -> None:
    ini = str(tmp_path / "settings.ini")
    old = QSettings(ini, QSettings.Format.IniFormat)
    old.setValue("tags/keep_mtime", True)  # what every saved write stored before the flip
    old.setValue("tags/max_genres", 3)
    old.sync()

    settings = AppSettings(QSettings(ini, QSettings.Format.IniFormat))
    options = settings.tag_options()
    assert options.keep_mtime is False and options.max_genres == 3

    settings.save_tag_options(replace(options, keep_mtime=True))
    again = AppSettings(QSettings(ini, QSettings.Format.IniFormat)).tag_options()
    assert again.keep_mtime is True  # chosen in the dialog now: remembered, not inverted
    settings.save_tag_options(replace(again, keep_mtime=False))
    assert AppSettings(QSettings(ini, QSettings.Format.IniFormat)).tag_options().keep_mtime \
        is False
