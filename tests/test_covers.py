"""Embedded cover art read from real files of every tag family (library/tags/covers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from library.tags.covers import read_cover
from tests.audio_factory import KINDS, make_good_files
from tests.cover_art import embed_cover, png

BACK = 4  # ID3/FLAC picture type: back cover


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Path]:
    made = make_good_files(tmp_path_factory.mktemp("covers"), shared_data)
    return {kind: m.path for kind, m in made.items()}


@pytest.mark.parametrize("kind", list(KINDS))
def test_no_picture_no_cover(good: dict[str, Path], kind: str) -> None:
    assert read_cover(str(good[kind])) is None


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_front_cover_is_read_from_every_family(good: dict[str, Path], kind: str,
                                                   tmp_path: Path) -> None:
    path = tmp_path / good[kind].name
    path.write_bytes(good[kind].read_bytes())
    back, front = png(3, 2, (0, 0, 255)), png(4, 4, (255, 0, 0))
    embed_cover(path, kind, back, BACK)  # first in the file: the front cover still wins
    embed_cover(path, kind, front)
    cover = read_cover(str(path))
    assert cover is not None
    assert cover.data == (back if kind in ("aac", "alac") else front)  # MP4 has no type: the first
    assert cover.mime == "image/png"


def test_unreadable_files_have_no_cover(tmp_path: Path) -> None:
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + b"\0" * 100)
    assert read_cover(str(broken)) is None
    assert read_cover(str(tmp_path / "gone.mp3")) is None
