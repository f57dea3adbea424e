"""Vorbis comments and ASF attributes are looked up from one pass over the tag (scan speed):
the same answers as mutagen's own per-key lookup, on real files with awkward tags."""

from __future__ import annotations

from pathlib import Path

from mutagen.asf import ASF
from mutagen.flac import FLAC
from mutagen.oggopus import OggOpus

from library.tags import read_file
from tests.audio_factory import load_clip, write_audio


def test_vorbis_keys_any_case_first_nonempty_value_and_fallback_keys(
        tmp_path: Path, shared_data: Path) -> None:
    samples, rate = load_clip(shared_data, 1.0)
    for kind, opener in (("flac", FLAC), ("opus", OggOpus)):
        path = write_audio(tmp_path / f"odd.{kind}", kind, samples, rate)
        audio = opener(path)
        assert audio.tags is not None
        # Written as other taggers do: upper and mixed case, an empty first value, the
        # album artist only under its spaced spelling, genres split over two comments.
        audio.tags.extend([("TITLE", ""), ("Title", "Second Title"), ("ARTIST", "Someone"),
                           ("ALBUM ARTIST", "Band"), ("Date", "1999-04-01"),
                           ("TrackNumber", "7/12"), ("GENRE", "Rock"), ("genre", "Jazz;Rock")])
        audio.save()
        info = read_file(str(path))
        assert (info.title, info.artist, info.album, info.album_artist) == (
            "Second Title", "Someone", None, "Band"), kind
        assert (info.year, info.track_number, info.genres) == (1999, 7, ("Rock", "Jazz")), kind


def test_asf_repeated_attributes_and_missing_ones(tmp_path: Path, shared_data: Path) -> None:
    samples, rate = load_clip(shared_data, 1.0)
    path = write_audio(tmp_path / "odd.wma", "wma", samples, rate)
    audio = ASF(path)
    assert audio.tags is not None
    audio.tags["Author"] = ["", "Someone"]
    audio.tags["WM/Genre"] = ["Blues", "Soul; Blues"]
    audio.tags["WM/Year"] = ["2004"]
    audio.save()
    info = read_file(str(path))
    assert (info.title, info.artist, info.album, info.year, info.track_number) == (
        None, "Someone", None, 2004, None)
    assert info.genres == ("Blues", "Soul")
