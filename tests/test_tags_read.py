"""Tag reading over a real generated library: every format, every genre spelling, bad files."""

from __future__ import annotations

import builtins
import re
from pathlib import Path

import pytest

from library.tags import FileInfo, TagError, read_file, sniff
from library.tags.genres import parse_genres
from tests.audio_factory import KINDS, Made, can_bypass_permissions, make_library

ID3_VARIANTS = ["v24_multi", "v23_slash", "v23_semicolon", "v23_numeric_refined", "v23_numeric",
                "v1_and_v2", "v1_only", "untagged"]
READABLE = [*KINDS, *ID3_VARIANTS, "truncated_flac", "really_flac", "latin1_name"]
UNREADABLE = ["empty", "text", "noise", "truncated_wav", "truncated_ogg", "truncated_aac"]


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> dict[str, Made]:
    return make_library(tmp_path_factory.mktemp("lib"), shared_data)


def _tags_of(info: FileInfo) -> tuple[object, ...]:
    return (info.title, info.artist, info.album, info.album_artist, info.year,
            info.track_number, info.genres)


@pytest.mark.parametrize("name", READABLE)
def test_readable_file_reports_format_codec_and_tags(made: dict[str, Made], name: str) -> None:
    expected = made[name]
    info = read_file(str(expected.path))
    tags = expected.tags
    assert (info.format, info.codec) == (expected.format, expected.codec)
    assert _tags_of(info) == (tags.title, tags.artist, tags.album, tags.album_artist, tags.year,
                              tags.track_number, tags.genres)
    assert info.duration is not None and 1.9 < info.duration < 2.2  # the 2 s clip
    assert info.channels == 1 and info.sample_rate in (22050, 48000) and info.bitrate


@pytest.mark.parametrize("name", UNREADABLE)
def test_unreadable_file_raises_a_readable_tag_error(made: dict[str, Made], name: str) -> None:
    expected = made[name]
    assert expected.error
    with pytest.raises(TagError, match=re.escape(expected.error)):
        read_file(str(expected.path))


def test_content_wins_over_extension(made: dict[str, Made]) -> None:
    assert made["really_flac"].path.suffix == ".mp3"
    assert sniff(str(made["really_flac"].path)) == "flac"
    assert sniff(str(made["text"].path)) is None


def test_locked_file_is_a_permission_error(made: dict[str, Made]) -> None:
    path = str(made["locked"].path)
    if can_bypass_permissions():
        # Running as root: mode 000 does not stop reads, so the honest outcome is success.
        assert read_file(path).format == "flac"
    else:
        with pytest.raises(TagError, match="Permission denied"):
            read_file(path)


def test_permission_error_from_open_becomes_tag_error(
    made: dict[str, Made], monkeypatch: pytest.MonkeyPatch
) -> None:
    target = str(made["flac"].path)
    real_open = builtins.open

    def refusing_open(file: object, *args: object, **kwargs: object) -> object:
        if str(file) == target:
            raise PermissionError(13, "Permission denied", target)
        return real_open(file, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(builtins, "open", refusing_open)
    with pytest.raises(TagError, match="cannot read: Permission denied"):
        read_file(target)


def test_missing_file_is_a_tag_error(tmp_path: Path) -> None:
    with pytest.raises(TagError, match="No such file"):
        read_file(str(tmp_path / "gone.flac"))


@pytest.mark.parametrize(
    ("values", "slash", "expected"),
    [
        (["Rock\x00Jazz"], False, ("Rock", "Jazz")),
        (["Rock/Pop"], True, ("Rock", "Pop")),
        (["AC/DC Tribute"], False, ("AC/DC Tribute",)),
        (["(17)Rock/(31)"], True, ("Rock", "Trance")),
        (["(17)(31)"], False, ("Rock", "Trance")),
        (["17", "(RX)", "(CR)"], False, ("Rock", "Remix", "Cover")),
        (["(4)Eurodisco"], False, ("Eurodisco",)),
        (["((Foo)"], False, ("(Foo)",)),
        (["Rock; Pop", "rock", " ", ""], False, ("Rock", "Pop")),
    ],
)
def test_parse_genres(values: list[str], slash: bool, expected: tuple[str, ...]) -> None:
    assert parse_genres(values, slash_separates=slash) == expected


def test_mp3_after_leading_junk_is_still_mp3(made: dict[str, Made], tmp_path: Path) -> None:
    from mutagen.id3 import ID3, TIT2

    plain = tmp_path / "plain.mp3"
    plain.write_bytes(made["untagged"].path.read_bytes())
    junky = tmp_path / "junky.mp3"
    junky.write_bytes(b"\x00junk\xff\x00" * 50 + plain.read_bytes())
    assert sniff(str(junky)) == "mp3"
    assert read_file(str(junky)).duration
    tags = ID3()
    tags.add(TIT2(encoding=3, text=["Junk Ahead"]))
    tags.save(junky)  # an ID3v2 tag in front of the junk
    assert sniff(str(junky)) == "mp3"
    assert read_file(str(junky)).title == "Junk Ahead"


def test_empty_genre_values_give_no_genres(made: dict[str, Made], tmp_path: Path) -> None:
    from mutagen.flac import FLAC

    path = tmp_path / "blank.flac"
    path.write_bytes(made["flac"].path.read_bytes())
    audio = FLAC(path)
    audio["genre"] = ["", "  "]
    audio.save()
    assert read_file(str(path)).genres == ()


def test_wav_written_to_a_pipe_is_not_called_truncated(
    made: dict[str, Made], tmp_path: Path
) -> None:
    data = bytearray(made["wav"].path.read_bytes())
    data[4:8] = b"\xff\xff\xff\xff"  # what a streaming encoder leaves in the RIFF size
    path = tmp_path / "streamed.wav"
    path.write_bytes(bytes(data))
    assert read_file(str(path)).format == "wav"
