"""Make a small REAL music library in a temporary folder: every supported format, tagged
through mutagen, plus the broken files a real collection contains.

Audio comes from ../shared/data (a few seconds, transcoded with soundfile or PyAV); nothing is
synthesised and nothing is copied into the repository. Use `make_library(root, shared_data)`
for the whole set, or `write_audio` + `write_tags` for one file.
"""

from __future__ import annotations

import os
import random
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import soundfile as sf
import soxr
from mutagen.asf import ASF
from mutagen.flac import FLAC
from mutagen.id3 import ID3, TALB, TCON, TDRC, TIT2, TPE1, TPE2, TRCK
from mutagen.mp4 import MP4
from mutagen.oggopus import OggOpus
from mutagen.oggvorbis import OggVorbis

SOURCE = "gtzan-mini/rock/rock.00000.flac"
SECONDS = 2.0

# kind -> (extension, container as detected, codec as reported)
KINDS: dict[str, tuple[str, str, str]] = {
    "mp3": (".mp3", "mp3", "mp3"),
    "flac": (".flac", "flac", "flac"),
    "ogg": (".ogg", "ogg", "vorbis"),
    "opus": (".opus", "opus", "opus"),
    "wav": (".wav", "wav", "pcm"),
    "aiff": (".aiff", "aiff", "pcm"),
    "aac": (".m4a", "mp4", "aac"),
    "alac": (".m4a", "mp4", "alac"),
    "wma": (".wma", "asf", "wmav2"),
}
_SOUNDFILE = {"mp3": ("MP3", None), "flac": ("FLAC", None), "ogg": ("OGG", "VORBIS"),
              "opus": ("OGG", "OPUS"), "wav": ("WAV", "PCM_16"), "aiff": ("AIFF", "PCM_16")}
# kind -> (PyAV container format, codec, sample format)
_PYAV = {"aac": ("ipod", "aac", "fltp"), "alac": ("ipod", "alac", "s16p"),
         "wma": ("asf", "wmav2", "fltp"),
         # Not in KINDS (no tags to fill): raw AAC and FLAC in Ogg, for tests/test_formats.py.
         "adts": ("adts", "aac", "fltp"), "oggflac": ("ogg", "flac", "s16")}


@dataclass(frozen=True)
class Tags:
    """The tags a generated file carries."""

    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    year: int | None = None
    track_number: int | None = None
    genres: tuple[str, ...] = ()


@dataclass(frozen=True)
class Made:
    """A generated file and what a correct reader must report for it."""

    path: Path
    format: str | None = None  # None: not readable audio
    codec: str | None = None
    tags: Tags = field(default_factory=Tags)
    error: str | None = None  # a fragment of the expected TagError message


def load_clip(shared_data: Path, seconds: float = SECONDS) -> tuple[np.ndarray, int]:
    """The first `seconds` of a real GTZAN recording, float32 mono."""
    with sf.SoundFile(shared_data / SOURCE) as source:
        samples = source.read(int(seconds * source.samplerate), dtype="float32")
        return samples, source.samplerate


def write_audio(path: Path, kind: str, samples: np.ndarray, rate: int) -> Path:
    """Encode mono float samples as `kind` (a key of KINDS) at `path`, without tags."""
    if kind == "opus":  # libopus only takes 8/12/16/24/48 kHz
        samples, rate = soxr.resample(samples, rate, 48000).astype("float32"), 48000
    if kind in _SOUNDFILE:
        fmt, subtype = _SOUNDFILE[kind]
        sf.write(path, samples, rate, format=fmt, subtype=subtype)
    else:
        _write_pyav(path, kind, samples, rate)
    return path


def _write_pyav(path: Path, kind: str, samples: np.ndarray, rate: int) -> None:
    container_format, codec, sample_format = _PYAV[kind]
    with av.open(str(path), "w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        stream.time_base = Fraction(1, rate)
        stream.bit_rate = 64000  # wmav2 refuses to open without one
        data = samples if sample_format == "fltp" else (samples * 32767).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(data.reshape(1, -1), format=sample_format, layout="mono")
        frame.sample_rate, frame.pts = rate, 0
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)


def write_tags(path: Path, kind: str, tags: Tags, *, id3_version: int = 4,
               id3v1: bool = False, raw_genres: Sequence[str] | None = None) -> None:
    """Write `tags` the way common taggers do; `raw_genres` overrides the genre values."""
    genres = list(raw_genres) if raw_genres is not None else list(tags.genres)
    if kind in ("mp3", "wav", "aiff"):
        _write_id3(path, kind, tags, genres, id3_version, id3v1)
    elif kind in ("flac", "ogg", "opus"):
        _write_vorbis(path, kind, tags, genres)
    elif kind in ("aac", "alac"):
        _write_mp4(path, tags, genres)
    else:
        _write_asf(path, tags, genres)


def _write_id3(path: Path, kind: str, tags: Tags, genres: list[str], version: int,
               v1: bool) -> None:
    from mutagen.aiff import AIFF
    from mutagen.wave import WAVE

    frames = ID3()
    for frame, value in ((TIT2, tags.title), (TPE1, tags.artist), (TALB, tags.album),
                         (TPE2, tags.album_artist), (TDRC, tags.year), (TRCK, tags.track_number)):
        if value is not None:
            frames.add(frame(encoding=3, text=[str(value)]))
    if genres:
        frames.add(TCON(encoding=3, text=genres))
    if kind == "mp3":
        frames.save(path, v2_version=version, v1=2 if v1 else 0)
        return
    audio = {"wav": WAVE, "aiff": AIFF}[kind](path)
    audio.add_tags()
    audio.tags.update(frames)
    audio.save(v2_version=version)


def _write_vorbis(path: Path, kind: str, tags: Tags, genres: list[str]) -> None:
    audio = {"flac": FLAC, "ogg": OggVorbis, "opus": OggOpus}[kind](path)
    if audio.tags is None:
        audio.add_tags()
    for key, value in (("title", tags.title), ("artist", tags.artist), ("album", tags.album),
                       ("albumartist", tags.album_artist), ("date", tags.year),
                       ("tracknumber", tags.track_number)):
        if value is not None:
            audio[key] = [str(value)]
    if genres:
        audio["genre"] = genres  # repeated GENRE fields
    audio.save()


def _write_mp4(path: Path, tags: Tags, genres: list[str]) -> None:
    audio = MP4(path)
    if audio.tags is None:
        audio.add_tags()
    for key, value in (("\xa9nam", tags.title), ("\xa9ART", tags.artist),
                       ("\xa9alb", tags.album), ("aART", tags.album_artist),
                       ("\xa9day", tags.year)):
        if value is not None:
            audio[key] = [str(value)]
    if tags.track_number is not None:
        audio["trkn"] = [(tags.track_number, 0)]
    if genres:
        audio["\xa9gen"] = genres
    audio.save()


def _write_asf(path: Path, tags: Tags, genres: list[str]) -> None:
    audio = ASF(path)
    for key, value in (("Title", tags.title), ("Author", tags.artist),
                       ("WM/AlbumTitle", tags.album), ("WM/AlbumArtist", tags.album_artist),
                       ("WM/Year", tags.year), ("WM/TrackNumber", tags.track_number)):
        if value is not None:
            audio[key] = [str(value)]
    if genres:
        audio["WM/Genre"] = genres
    audio.save()


def _tags_for(kind: str) -> Tags:
    """Distinct, partly non-ASCII tags per kind, two genres each."""
    return Tags(title=f"Grüße {kind} ♪", artist=f"Artíst {kind}", album="Ålbum",
                album_artist="Various", year=1999, track_number=3,
                genres=("Rock", f"Genre {kind}"))


def make_good_files(root: Path, shared_data: Path) -> dict[str, Made]:
    """One tagged file per kind in KINDS (ID3v2.4 for the ID3 family), under root/good."""
    folder = root / "good"
    folder.mkdir(parents=True, exist_ok=True)
    samples, rate = load_clip(shared_data)
    made: dict[str, Made] = {}
    for kind, (ext, fmt, codec) in KINDS.items():
        path = write_audio(folder / f"{kind}{ext}", kind, samples, rate)
        write_tags(path, kind, _tags_for(kind))
        made[kind] = Made(path, fmt, codec, _tags_for(kind))
    return made


def make_id3_variants(root: Path, source_mp3: Path) -> dict[str, Made]:
    """MP3s whose genres are written the many ways ID3 allows, under root/id3."""
    folder = root / "id3"
    folder.mkdir(parents=True, exist_ok=True)
    variants = {  # name -> (id3 version, v1 too, raw TCON values, expected genres)
        "v24_multi": (4, False, ["Rock", "Jazz"], ("Rock", "Jazz")),
        "v23_slash": (3, False, ["Rock", "Pop"], ("Rock", "Pop")),  # mutagen joins with "/"
        "v23_semicolon": (3, False, ["Rock; Blues"], ("Rock", "Blues")),
        "v23_numeric_refined": (3, False, ["(17)Rock", "(31)"], ("Rock", "Trance")),
        "v23_numeric": (3, False, ["(17)"], ("Rock",)),
        "v1_and_v2": (3, True, ["Jazz"], ("Jazz",)),
    }
    made: dict[str, Made] = {}
    for name, (version, v1, raw, expected) in variants.items():
        path = _untagged_copy(source_mp3, folder / f"{name}.mp3")
        tags = Tags(title=name, genres=expected)
        write_tags(path, "mp3", tags, id3_version=version, id3v1=v1, raw_genres=raw)
        made[name] = Made(path, "mp3", "mp3", tags)
    made["v1_only"] = _make_v1_only(folder / "v1_only.mp3", source_mp3)
    untagged = _untagged_copy(source_mp3, folder / "untagged.mp3")
    made["untagged"] = Made(untagged, "mp3", "mp3", Tags())
    return made


def _untagged_copy(source_mp3: Path, path: Path) -> Path:
    """A copy of an MP3 with every ID3 tag removed."""
    shutil.copyfile(source_mp3, path)
    ID3(path).delete(path)
    return path


def _make_v1_only(path: Path, source_mp3: Path) -> Made:
    """An MP3 with nothing but a 128-byte ID3v1 tag: genre stored as number 17."""
    _untagged_copy(source_mp3, path)
    write_tags(path, "mp3", Tags(title="Old Tag", artist="Old Artist"), id3_version=3,
               id3v1=True, raw_genres=["17"])
    ID3(path).delete(path, delete_v1=False, delete_v2=True)
    return Made(path, "mp3", "mp3", Tags(title="Old Tag", artist="Old Artist", genres=("Rock",)))


def make_broken_files(root: Path, good: dict[str, Made]) -> dict[str, Made]:
    """Files a scan must record as errors (or read despite a lying name), under root/broken."""
    folder = root / "broken"
    folder.mkdir(parents=True, exist_ok=True)
    made: dict[str, Made] = {}
    empty = folder / "empty.mp3"
    empty.write_bytes(b"")
    made["empty"] = Made(empty, error="empty file (0 bytes)")
    text = folder / "notes.mp3"
    text.write_text("these are my notes, not a song\n")
    made["text"] = Made(text, error="not audio: the file is text")
    noise = folder / "noise.flac"
    noise.write_bytes(b"\x00" + random.Random(7).randbytes(20_000))
    made["noise"] = Made(noise, error="not a recognised audio format")
    for kind in ("wav", "ogg", "aac"):
        made[f"truncated_{kind}"] = _truncated(folder, good[kind], error="truncated")
    # FLAC does not declare its length: a cut-off FLAC still has readable tags.
    made["truncated_flac"] = _truncated(folder, good["flac"], error=None)
    lying = folder / "really_flac.mp3"
    shutil.copyfile(good["flac"].path, lying)
    made["really_flac"] = Made(lying, "flac", "flac", good["flac"].tags)
    locked = folder / "locked.flac"
    shutil.copyfile(good["flac"].path, locked)
    locked.chmod(0)
    made["locked"] = Made(locked, error="Permission denied")
    return made


def _truncated(folder: Path, source: Made, error: str | None) -> Made:
    data = source.path.read_bytes()
    path = folder / f"truncated_{source.path.name}"
    path.write_bytes(data[: len(data) // 2])
    if error:
        return Made(path, error=error)
    return Made(path, source.format, source.codec, source.tags)


def make_odd_names(root: Path, good: dict[str, Made]) -> dict[str, Made]:
    """A file whose name is not UTF-8, and a symbolic link looping back to an ancestor."""
    folder = root / "odd"
    folder.mkdir(parents=True, exist_ok=True)
    name = os.fsdecode(os.path.join(os.fsencode(folder), b"caf\xe9 \xff.flac"))
    shutil.copyfile(good["flac"].path, name)
    os.symlink("..", folder / "loop")
    return {"latin1_name": Made(Path(name), "flac", "flac", good["flac"].tags)}


def make_library(root: Path, shared_data: Path) -> dict[str, Made]:
    """The whole set: good files, ID3 variants, broken files and odd names under `root`."""
    good = make_good_files(root, shared_data)
    made = dict(good)
    made.update(make_id3_variants(root, good["mp3"].path))
    made.update(make_broken_files(root, good))
    made.update(make_odd_names(root, good))
    return made


def can_bypass_permissions() -> bool:
    """Root reads files whatever their mode, so chmod 000 proves nothing there."""
    return hasattr(os, "geteuid") and os.geteuid() == 0
