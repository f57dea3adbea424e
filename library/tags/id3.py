"""ID3 tags: MP3, and ID3 chunks inside WAV and AIFF."""

from __future__ import annotations

from typing import BinaryIO

from mutagen import FileType
from mutagen.aiff import AIFF
from mutagen.id3 import ID3, TCON, ID3NoHeaderError
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from library.tags.base import (
    FileInfo,
    WriteOptions,
    first_text,
    leading_int,
    marker,
    split_markers,
    stream_numbers,
)
from library.tags.genres import ID3V1_GENRES, parse_genres

FORMATS: dict[str, type[FileType]] = {"mp3": MP3, "wav": WAVE, "aiff": AIFF}
CODECS = {"mp3": "mp3", "wav": "pcm", "aiff": "pcm"}


def _text(tags: ID3 | None, *frame_ids: str) -> str | None:
    """The first non-empty text among the named frames."""
    for frame_id in frame_ids:
        frame = tags.get(frame_id) if tags is not None else None
        text = first_text(frame.text) if frame is not None else None
        if text:
            return text
    return None


def genres_of(tags: ID3 | None) -> tuple[str, ...]:
    """TCON as a list; ID3v2.3 and older join several genres with '/'."""
    frame = tags.get("TCON") if tags is not None else None
    if frame is None:
        return ()
    legacy = tags.version < (2, 4, 0)  # type: ignore[union-attr]
    return parse_genres((str(t) for t in frame.text), slash_separates=legacy)


def read(path: str, fmt: str, handle: BinaryIO | None = None) -> FileInfo:
    """Stream info and tags of an ID3-tagged file (mutagen errors pass to the caller)."""
    # translate=False keeps TCON as written, so genres.py alone decodes "(17)Rock".
    audio = FORMATS[fmt](handle or path, translate=False)
    tags: ID3 | None = audio.tags
    return FileInfo(
        format=fmt,
        codec=CODECS[fmt],
        **stream_numbers(audio.info),  # type: ignore[arg-type]
        title=_text(tags, "TIT2"),
        artist=_text(tags, "TPE1"),
        album=_text(tags, "TALB"),
        album_artist=_text(tags, "TPE2"),
        year=leading_int(_text(tags, "TDRC", "TYER", "TDOR", "TORY")),
        track_number=leading_int(_text(tags, "TRCK")),
        genres=genres_of(tags),
    )


# Tag writing -------------------------------------------------------------------------------
# ID3v1 keeps one genre as a byte: the first genre's number in the ID3v1 list, 255 when it has
# none. That is mutagen's own rule (and so Picard's); GenreLens patches only that byte of an
# existing ID3v1 tag, so its other fields stay exactly as they were.



_V1 = "id3v1"


def _load_v2(path: str, fmt: str) -> tuple[ID3 | None, FileType | None]:
    """The ID3v2 tag alone (never merged with ID3v1), frames as written; and the IFF file."""
    if fmt == "mp3":
        try:
            return ID3(path, translate=False, load_v1=False), None
        except ID3NoHeaderError:
            return None, None
    audio = FORMATS[fmt](path, translate=False)
    return audio.tags, audio


def _v1_block(path: str) -> bytes | None:
    """The 128-byte ID3v1 tag at the end of the file, if there is one."""
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        if handle.tell() < 128:
            return None
        handle.seek(-128, 2)
        block = handle.read(128)
    return block if block[:3] == b"TAG" else None


def _v1_number(values: list[str] | None, legacy: bool) -> int:
    """The ID3v1 genre byte that the TCON values imply."""
    genres = parse_genres(values or [], slash_separates=legacy)
    if genres and genres[0] in ID3V1_GENRES:
        return ID3V1_GENRES.index(genres[0])
    return 255


def genre_state(path: str, fmt: str) -> list[str] | None:
    """TCON's values as written (None: no TCON), plus the ID3v1 byte when it disagrees."""
    tags, _ = _load_v2(path, fmt)
    frame = tags.get("TCON") if tags is not None else None
    values = [str(text) for text in frame.text] if frame is not None else None
    block = _v1_block(path) if fmt == "mp3" else None
    if block is not None:
        legacy = tags is not None and tags.version < (2, 4, 0)
        if block[127] != _v1_number(values, legacy):
            return (values or []) + [marker(_V1, block[127])]
    return values


def _tcon_text(genres: list[str], version: int, options: WriteOptions) -> list[str]:
    if options.exact or version == 4:
        return genres
    return [options.separator.join(genres)]  # ID3v2.3 has one string per text frame


def _set_tcon(tags: ID3, genres: list[str] | None, options: WriteOptions) -> int:
    """Put the genres in `tags`; the ID3v2 version to save with."""
    if tags.version < (2, 3, 0):
        tags.update_to_v24()  # mutagen cannot write v2.2
    version = 3 if tags.version[:2] == (2, 3) else 4
    tags.delall("TCON")
    if genres:
        encoding = 3 if version == 4 else 1  # v2.3 knows no UTF-8
        tags.add(TCON(encoding=encoding, text=_tcon_text(genres, version, options)))
    return version


def write_genres(path: str, fmt: str, genres: list[str] | None, options: WriteOptions) -> None:
    """Write TCON (None: remove it); an ID3v1 genre byte follows the first genre."""
    values, markers = split_markers(genres) if genres is not None else (None, {})
    tags, audio = _load_v2(path, fmt)
    if tags is None:
        if values is None:
            return _write_v1(path, fmt, None, True, markers)
        if audio is not None:
            audio.add_tags()  # WAV/AIFF: an ID3 chunk, not an ID3 header at the file's start
        tags = audio.tags if audio is not None else ID3()
        assert tags is not None  # add_tags just made them
        tags.version = (2, 3, 0) if options.id3v23 and not options.exact else (2, 4, 0)
    version = _set_tcon(tags, values, options)
    if fmt != "mp3":
        return _save_iff(path, audio, tags, version)
    block = _v1_block(path)
    if len(tags) == 0:
        ID3().delete(path, delete_v1=True, delete_v2=True)  # undo back to "no tag"; v1 below
    else:
        tags.save(path, v1=0, v2_version=version, v23_sep=None)  # v1 is appended below
    if block is not None:
        _append_v1(path, block, values, version < 4, markers)


def _save_iff(path: str, audio: FileType | None, tags: ID3, version: int) -> None:
    """Save or drop the ID3 chunk of a WAV/AIFF file."""
    assert audio is not None
    if len(tags) == 0:
        audio.delete()
        return
    audio.save(v2_version=version, v23_sep=None)


def _write_v1(path: str, fmt: str, values: list[str] | None, legacy: bool,
              markers: dict[str, str]) -> None:
    """Only an ID3v1 genre byte to restore (a file that had no ID3v2 tag)."""
    block = _v1_block(path) if fmt == "mp3" else None
    if block is not None:
        with open(path, "r+b") as handle:
            handle.seek(-128, 2)
            handle.truncate()
        _append_v1(path, block, values, legacy, markers)


def _append_v1(path: str, block: bytes, values: list[str] | None, legacy: bool,
               markers: dict[str, str]) -> None:
    number = int(markers[_V1]) if _V1 in markers else _v1_number(values, legacy)
    with open(path, "ab") as handle:
        handle.write(block[:127] + bytes([number]))
