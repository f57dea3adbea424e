"""The format registry: one entry per audio container, the one place that knows it.

An entry says which file names the scanner looks at, how the content is recognised (the
extension may lie), how to tell a cut-off copy, which bytes are the audio payload a tag write
must leave alone, which tag family reads and writes its tags, and which decoder the classifier
should try first (a plain name: the classifier never imports library/; the caller passes it).
Adding a container is adding an entry here (and, for a new tag family, its module).
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import BinaryIO

from library.tags import adts, asf, id3, integrity, mp4, payload, vorbis
from library.tags import sniff as sig

Check = Callable[[BinaryIO, int], None]
Walker = Callable[[BinaryIO, int, "hashlib._Hash"], None]
Identity = Callable[[BinaryIO, int], "str | None"]
_HEAD = 4096


@dataclass(frozen=True)
class Format:
    """One audio container as GenreLens handles it."""

    name: str  # as stored in Track.format
    extensions: tuple[str, ...]  # lower case, with the dot; the scanner considers these
    signature: Callable[[bytes], bool]  # the first bytes (after any ID3v2 tag) are this
    family: ModuleType  # library/tags module: read, genre_state, write_genres
    payload: Walker  # feeds the audio payload (never the tags) to a digest
    complete: Check | None = None  # raises TagError when the file is cut short
    # The classifier's first try: a classifier.audio.Decoder's text (tests/test_words.py).
    decoder: str = "libsndfile"
    holds_tags: bool = True  # False: nothing to write genres into
    after_id3: bool = False  # may follow an ID3v2 tag (MP3; FLAC and AAC written wrongly)
    # What identifies the audio from the headers alone (None when the file does not say):
    # cheaper than hashing the payload through `payload`.
    identity: Identity | None = None


def _ogg(codec: str) -> Callable[[bytes], bool]:
    return lambda head: sig.ogg_codec(head) == codec


# In the order content is tried: MP3's frame sync is the loosest signature, so it comes last.
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("flac", (".flac", ".fla"), lambda h: h[:4] == b"fLaC", vorbis, payload.flac,
           after_id3=True, identity=payload.flac_audio_identity),
    Format("ogg", (".ogg", ".oga"), _ogg("vorbis"), vorbis, payload.ogg, integrity.check_ogg),
    Format("opus", (".opus",), _ogg("opus"), vorbis, payload.ogg, integrity.check_ogg),
    # libsndfile refuses FLAC in Ogg; FFmpeg plays it.
    Format("oggflac", (".oga", ".ogg"), _ogg("flac"), vorbis, payload.ogg, integrity.check_ogg,
           decoder="ffmpeg"),
    Format("wav", (".wav", ".wave"), lambda h: h[:4] == b"RIFF" and h[8:12] == b"WAVE", id3,
           payload.wav, integrity.check_riff),
    Format("aiff", (".aif", ".aiff", ".aifc"),
           lambda h: h[:4] == b"FORM" and h[8:12] in (b"AIFF", b"AIFC"), id3, payload.aiff,
           integrity.check_form),
    Format("mp4", (".m4a", ".m4b", ".mp4", ".aac", ".alac"), lambda h: h[4:8] == b"ftyp", mp4,
           payload.mp4, integrity.check_mp4, decoder="ffmpeg"),
    Format("asf", (".wma", ".asf"), lambda h: h[:16] == sig.ASF_GUID, asf, payload.asf,
           integrity.check_asf, decoder="ffmpeg"),
    # Raw AAC: readable and playable, but it has no tags to write genres into.
    Format("adts", (".aac",), sig.is_adts, adts, payload.framed, decoder="ffmpeg",
           holds_tags=False, after_id3=True),
    Format("mp3", (".mp3", ".mp2"), lambda h: sig.is_mpeg_frame(h[:4]), id3, payload.framed,
           after_id3=True),
)}

AUDIO_EXTENSIONS: frozenset[str] = frozenset(e for f in FORMATS.values() for e in f.extensions)


def sniff_bytes(head: bytes) -> str | None:
    """The container of a file starting with `head` (after any ID3v2 tag), or None."""
    return next((f.name for f in FORMATS.values() if f.signature(head)), None)


def sniff(path: str) -> str | None:
    """The container of the file at `path` judged by content (a FORMATS name), or None."""
    with open(path, "rb") as handle:
        return sniff_open(handle)


def sniff_open(handle: BinaryIO) -> str | None:
    """sniff() of a file already open (binary, seekable), read from its start."""
    handle.seek(0)
    head = handle.read(_HEAD)
    skip = sig.id3v2_size(head)
    if skip:
        handle.seek(skip)
        head = handle.read(_HEAD)
        kind = sniff_bytes(head)
        if kind is not None and FORMATS[kind].after_id3:
            return kind
        return "mp3" if sig.find_mpeg(head) else None  # padding or junk the size missed
    return sniff_bytes(head) or ("mp3" if sig.find_mpeg(head) else None)


def check_complete(path: str, fmt: str) -> None:
    """Raise TagError when the file is shorter than its header says (a cut-off copy)."""
    with open(path, "rb") as handle:
        check_complete_open(handle, fmt)


def check_complete_open(handle: BinaryIO, fmt: str) -> None:
    """check_complete() of a file already open (binary, seekable)."""
    check = FORMATS[fmt].complete
    if check is not None:  # MP3, FLAC and raw AAC do not declare their length up front
        check(handle, os.fstat(handle.fileno()).st_size)


def payload_hash(path: str, fmt: str) -> str:
    """sha256 of the audio payload of a `fmt` file, none of its tags; raises TagError."""
    digest = hashlib.sha256(fmt.encode())
    with open(path, "rb") as handle:
        FORMATS[fmt].payload(handle, os.fstat(handle.fileno()).st_size, digest)
    return digest.hexdigest()


def header_identity(path: str, fmt: str) -> str | None:
    """The format's audio identity read from the headers (Format.identity); None when the
    format has none or the file does not say; raises TagError."""
    reader = FORMATS[fmt].identity
    if reader is None:
        return None
    with open(path, "rb") as handle:
        return reader(handle, os.fstat(handle.fileno()).st_size)


def holds_tags(fmt: str | None) -> bool:
    """False for a container known to have nowhere to keep genres (the writer decides the rest)."""
    return fmt not in FORMATS or FORMATS[fmt].holds_tags


def preferred_decoder(fmt: str | None) -> str | None:
    """The decoder the classifier should try first for this container (None: unknown)."""
    return FORMATS[fmt].decoder if fmt in FORMATS else None
