"""Embed a cover picture in a real audio file, the way taggers do for each tag family, and
make a small real PNG to embed (plain zlib: no imaging library needed)."""

from __future__ import annotations

import base64
import struct
import zlib
from pathlib import Path

from mutagen.asf import ASF, ASFByteArrayAttribute
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3, ID3NoHeaderError
from mutagen.mp4 import MP4, MP4Cover
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

FRONT = 3


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A plain one-colour PNG."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))
    row = b"\0" + bytes(rgb) * width
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2,
                                                               0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b""))


def _picture(data: bytes, kind: int) -> Picture:
    picture = Picture()
    picture.type, picture.mime, picture.data = kind, "image/png", data
    picture.width, picture.height, picture.depth = 1, 1, 24
    return picture


def embed_cover(path: Path, kind: str, data: bytes, picture_type: int = FRONT) -> None:
    """Add a PNG picture to a file of `kind` (tests/audio_factory.KINDS' keys)."""
    if kind == "flac":
        flac = FLAC(path)
        flac.add_picture(_picture(data, picture_type))
        flac.save()
    elif kind in ("ogg", "opus"):
        ogg = {"ogg": OggVorbis, "opus": OggOpus}[kind](path)
        block = base64.b64encode(_picture(data, picture_type).write()).decode("ascii")
        ogg["metadata_block_picture"] = list(ogg.get("metadata_block_picture", [])) + [block]
        ogg.save()
    elif kind in ("aac", "alac"):
        mp4 = MP4(path)
        mp4["covr"] = list(mp4.get("covr", [])) + [MP4Cover(data, MP4Cover.FORMAT_PNG)]
        mp4.save()
    elif kind == "wma":
        asf = ASF(path)
        mime = "image/png".encode("utf-16-le") + b"\0\0"
        blob = bytes([picture_type]) + struct.pack("<I", len(data)) + mime + b"\0\0" + data
        asf["WM/Picture"] = [ASFByteArrayAttribute(blob)]
        asf.save()
    else:
        _embed_id3(path, kind, data, picture_type)


def _embed_id3(path: Path, kind: str, data: bytes, picture_type: int) -> None:
    frame = APIC(encoding=3, mime="image/png", type=picture_type, desc=f"p{picture_type}",
                 data=data)
    if kind == "mp3":
        try:
            tags = ID3(path)
        except ID3NoHeaderError:
            tags = ID3()
        tags.add(frame)
        tags.save(path)
        return
    from mutagen.aiff import AIFF
    from mutagen.wave import WAVE

    audio = {"wav": WAVE, "aiff": AIFF}[kind](path)
    if audio.tags is None:
        audio.add_tags()
    audio.tags.add(frame)
    audio.save()
