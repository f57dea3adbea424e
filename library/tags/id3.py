"""ID3 tags: MP3, and ID3 chunks inside WAV and AIFF."""

from __future__ import annotations

from mutagen import FileType
from mutagen.aiff import AIFF
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from mutagen.wave import WAVE

from library.tags.base import FileInfo, first_text, leading_int, stream_numbers
from library.tags.genres import parse_genres

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


def read(path: str, fmt: str) -> FileInfo:
    """Stream info and tags of an ID3-tagged file (mutagen errors pass to the caller)."""
    # translate=False keeps TCON as written, so genres.py alone decodes "(17)Rock".
    audio = FORMATS[fmt](path, translate=False)
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
