"""Helpers for the tag-writing tests: a scanned library, stored predictions, and a plain
mutagen view of every tag (to prove nothing but the genre changed)."""

from __future__ import annotations

from pathlib import Path

from mutagen import File as MutagenFile
from mutagen.aiff import AIFF
from mutagen.wave import WAVE
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, COMM, ID3, ID3NoHeaderError
from mutagen.mp4 import MP4, MP4Cover
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from library.folders import add_folder
from library.models import Prediction, Track, UserLabel
from library.roots import at_path
from library.scanner import scan
from library.tags import audio_payload_hash, sniff

COVER = bytes.fromhex("89504e470d0a1a0a") + b"not really a png, but bytes a tagger keeps" * 20


def scan_into(sessions: sessionmaker[Session], root: Path) -> None:
    """Watch `root` and scan it."""
    with sessions() as session:
        folder = add_folder(session, str(root))
    for _ in scan(sessions, [folder]):
        pass


def predict(sessions: sessionmaker[Session], genres: dict[str, dict[str, float]],
            bundle: str = "broad") -> None:
    """Store a prediction (label -> probability) per track path; top genre = the argmax."""
    with sessions() as session:
        for path, probabilities in genres.items():
            track = session.scalars(select(Track).where(at_path(session, Track, path))).one()
            top = max(probabilities, key=probabilities.__getitem__)
            session.add(Prediction(
                track_id=track.id, bundle=bundle, bundle_version="1", probabilities=probabilities,
                top_genres=[top], confidence=probabilities[top], uncertain=False,
                clip_probabilities=[], track_size=track.size, track_mtime_ns=track.mtime_ns))
        session.commit()


def label(sessions: sessionmaker[Session], path: str, genres: list[str]) -> None:
    """Store a user label for the track at `path`."""
    with sessions() as session:
        track = session.scalars(select(Track).where(at_path(session, Track, path))).one()
        session.add(UserLabel(track_id=track.id, genres=genres))
        session.commit()


def add_extras(path: Path, kind: str) -> None:
    """A picture and a comment, which a genre write must leave exactly as they are."""
    if kind in ("mp3", "wav", "aiff"):
        audio = MutagenFile(path)
        if audio.tags is None:
            audio.add_tags()
        audio.tags.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=COVER))
        audio.tags.add(COMM(encoding=3, lang="eng", desc="", text=["kept ✓"]))
        version = audio.tags.version[1] if audio.tags.version[1] in (3, 4) else 4
        audio.save(v2_version=version, **({"v1": 1} if kind == "mp3" else {}))
    elif kind == "flac":
        audio = FLAC(path)
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/png", COVER
        audio.add_picture(picture)
        audio["comment"] = ["kept ✓"]
        audio.save()
    elif kind in ("aac", "alac"):
        audio = MP4(path)
        audio["covr"] = [MP4Cover(COVER, imageformat=MP4Cover.FORMAT_PNG)]
        audio["\xa9cmt"] = ["kept ✓"]
        audio.save()
    else:
        audio = MutagenFile(path)
        audio["Description"] = ["kept ✓"]
        audio.save()


def _id3_dump(path: Path) -> list[str]:
    if sniff(str(path)) == "mp3":
        try:
            tags = ID3(path, translate=False, load_v1=False)
        except ID3NoHeaderError:
            return []
    else:
        opener = {"wav": WAVE, "aiff": AIFF}[sniff(str(path)) or "wav"]
        tags = opener(path, translate=False).tags
    return [] if tags is None else sorted(
        repr(frame) for key, frame in tags.items() if not key.startswith("TCON"))


def other_tags(path: Path) -> list[str]:
    """Every tag but the genre, through plain mutagen (ID3v1 without its genre byte)."""
    fmt = sniff(str(path))
    if fmt in ("mp3", "wav", "aiff"):
        dump = _id3_dump(path)
        data = path.read_bytes()
        if fmt == "mp3" and data[-128:-125] == b"TAG":
            dump.append(repr(data[-128:-1]))
        return dump
    audio = MutagenFile(path)
    if audio.tags is None:
        return []
    if fmt == "mp4":
        return sorted(repr((k, v)) for k, v in audio.tags.items() if k not in ("\xa9gen", "gnre"))
    pictures = [repr(p.data) for p in getattr(audio, "pictures", [])]
    items = audio.tags.items() if fmt == "asf" else list(audio.tags)
    genre_keys = ("genre", "wm/genre")
    return pictures + [repr((k, str(v))) for k, v in items if k.lower() not in genre_keys]


def plain_genres(path: Path) -> list[str]:
    """The genre field's values as plain mutagen returns them."""
    fmt = sniff(str(path))
    if fmt == "mp3":
        try:
            tags = ID3(path, load_v1=False)
        except ID3NoHeaderError:
            return []
        return list(tags["TCON"].text) if "TCON" in tags else []
    audio = MutagenFile(path)
    if audio.tags is None:
        return []
    key = {"wav": "TCON", "aiff": "TCON", "mp4": "\xa9gen", "asf": "WM/Genre"}.get(fmt, "genre")
    if fmt in ("wav", "aiff"):
        return list(audio.tags[key].text) if key in audio.tags else []
    return [str(v) for v in audio.tags.get(key, [])]


def payload(path: Path) -> str:
    """The audio payload hash of a file."""
    return audio_payload_hash(str(path), sniff(str(path)) or "")


def copy_real_music(shared_data: Path, root: Path) -> list[Path]:
    """Six real files without genre tags (GTZAN FLACs, Creative Commons Oggs) copied into
    `root`, made writable (the shared originals are read-only). The FLACs get the 4 KiB of
    padding taggers usually leave, so a genre fits without changing the file's size (what
    a backup's size-and-time check cannot see), and keep the originals' times."""
    import os
    import shutil

    root.mkdir(parents=True, exist_ok=True)
    sources = [shared_data / "gtzan-mini" / g / f"{g}.00000.flac"
               for g in ("blues", "country", "jazz", "metal")]
    sources += sorted((shared_data / "cc-music").glob("*.ogg"))[:2]
    for source in sources:
        target = root / source.name
        shutil.copy2(source, target)
        os.chmod(target, 0o644)
        if target.suffix == ".flac":
            FLAC(target).save(padding=lambda info: 4096)
            times = source.stat()
            os.utime(target, ns=(times.st_atime_ns, times.st_mtime_ns))
    return [root / source.name for source in sources]
