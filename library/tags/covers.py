"""Embedded cover art, read from every tag family mutagen knows: FLAC pictures, Vorbis
comments' METADATA_BLOCK_PICTURE, ID3 APIC frames (MP3, WAV, AIFF), MP4 `covr` atoms and
ASF's WM/Picture. Read only: GenreLens never writes pictures.

A front cover (picture type 3) wins over any other picture. A file that cannot be read, or
holds none, has no cover (None): a missing thumbnail is never an error worth a word.
"""

from __future__ import annotations

import base64
import binascii
import logging
import struct

import mutagen
from mutagen.flac import Picture
from mutagen.mp4 import MP4Cover

from library.records import Cover

log = logging.getLogger(__name__)
FRONT_COVER = 3  # the picture type ID3 and FLAC give a front cover
_MP4_MIME = {MP4Cover.FORMAT_JPEG: "image/jpeg", MP4Cover.FORMAT_PNG: "image/png"}


def read_cover(path: str) -> Cover | None:
    """The file's front cover (else its first picture); None when it has none or cannot be
    read."""
    try:
        audio = mutagen.File(path)
    except (mutagen.MutagenError, OSError, ValueError) as exc:
        log.debug("no cover read from %s: %s", path, exc)
        return None
    if audio is None:
        return None
    pictures = _flac_pictures(audio) + _tag_pictures(audio.tags)
    if not pictures:
        return None
    pictures.sort(key=lambda typed: typed[0] != FRONT_COVER)  # stable: front covers first
    return pictures[0][1]


Typed = tuple[int, Cover]  # (picture type, the picture)


def _flac_pictures(audio: object) -> list[Typed]:
    return [(p.type, Cover(p.data, p.mime)) for p in getattr(audio, "pictures", ()) or ()]


def _tag_pictures(tags: object) -> list[Typed]:
    """Pictures in an ID3, Vorbis comment, MP4 or ASF tag (whichever `tags` is)."""
    if tags is None:
        return []
    if hasattr(tags, "getall"):  # ID3
        return [(frame.type, Cover(frame.data, frame.mime)) for frame in tags.getall("APIC")]
    found: list[Typed] = []
    for value in _values(tags, "metadata_block_picture"):
        found.extend(_vorbis_picture(value))
    for value in _values(tags, "covr"):
        if isinstance(value, MP4Cover):
            found.append((FRONT_COVER, Cover(bytes(value), _MP4_MIME.get(value.imageformat, ""))))
    for value in _values(tags, "WM/Picture"):
        found.extend(_asf_picture(getattr(value, "value", b"")))
    return found


def _values(tags: object, key: str) -> list[object]:
    try:
        return list(tags.get(key) or ())  # type: ignore[attr-defined]
    except (KeyError, ValueError, TypeError):  # a tag family without that key's kind
        return []


def _vorbis_picture(value: object) -> list[Typed]:
    try:
        picture = Picture(base64.b64decode(str(value)))
    except (binascii.Error, mutagen.MutagenError, ValueError, struct.error):
        return []
    return [(picture.type, Cover(picture.data, picture.mime))]


def _asf_picture(blob: object) -> list[Typed]:
    """WM/Picture: type byte, data length, UTF-16 MIME and description (NUL-ended), data."""
    if not isinstance(blob, bytes) or len(blob) < 5:
        return []
    kind, size = blob[0], struct.unpack_from("<I", blob, 1)[0]
    at = 5
    texts = []
    for _ in range(2):  # the MIME type, then the description
        end = at
        while end + 1 < len(blob) and blob[end:end + 2] != b"\0\0":
            end += 2
        texts.append(blob[at:end].decode("utf-16-le", "replace"))
        at = end + 2
    data = blob[at:at + size]
    return [(kind, Cover(data, texts[0]))] if data else []
