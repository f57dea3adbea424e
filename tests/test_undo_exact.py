"""apply + undo gives every file back byte for byte (md5), in every format the factory makes
and every tag shape: no tag, one, several, Unicode, a 2,400-character genre; with the tags
packed tight (FLAC without a padding block, MP4 and ID3 without padding) so the write must
grow the header; short and long new genres; and after a file was edited since the batch
(then only the genre field is restored, the other edit stays)."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import mutagen
import pytest
from mutagen.flac import FLAC
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory
from library.tagplan import TagOptions, plan_tags
from workflows.tags import apply_plan, undo_batch
from library.undo_bytes import regions
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.tagging_support import add_extras, label, plain_genres, scan_into

LONG = "Progressive " * 200
SHAPES: dict[str, list[str]] = {
    "none": [], "one": ["Rock"], "several": ["Rock", "Jazz", "Blues"],
    "unicode": ["Música Popular Brasileira", "J-ポップ", "Ελληνικό ροκ"], "long": [LONG.strip()],
}
NEW_GENRES = {"short": ["Hip Hop", "Électronique"], "long": [LONG.strip() + " Metal", "Jazz"]}
OPTIONS = TagOptions(policy="replace")


def _pack_tight(path: Path, kind: str) -> None:
    """Drop every byte of padding, so any bigger tag has to move the audio."""
    if kind == "flac":
        _drop_flac_padding(path)
        assert not [b for b in FLAC(path).metadata_blocks if b.code == 1], "padding left"
    else:
        audio = mutagen.File(path)
        if audio is not None and audio.tags is not None and kind not in ("ogg", "opus"):
            audio.save(padding=lambda info: 0)


def _drop_flac_padding(path: Path) -> None:
    """Remove the PADDING block itself (mutagen keeps an empty one), as some taggers do."""
    data = path.read_bytes()
    assert data[:4] == b"fLaC"
    blocks, at, last = [], 4, False
    while not last:
        last, code = bool(data[at] & 0x80), data[at] & 0x7F
        length = int.from_bytes(data[at + 1:at + 4], "big")
        if code != 1:
            blocks.append((code, data[at + 4:at + 4 + length]))
        at += 4 + length
    head = b"fLaC" + b"".join(
        bytes([code | (0x80 if n == len(blocks) - 1 else 0)]) + len(body).to_bytes(3, "big")
        + body for n, (code, body) in enumerate(blocks))
    path.write_bytes(head + data[at:])


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("exact")
    samples, rate = load_clip(shared_data, seconds=1.0)
    for kind, (ext, _, _) in KINDS.items():
        source = write_audio(root / f"source{ext}", kind, samples, rate)
        for shape, genres in SHAPES.items():
            for packing in ("padded", "tight"):
                path = root / kind / f"{shape}-{packing}{ext}"
                path.parent.mkdir(exist_ok=True)
                shutil.copyfile(source, path)
                write_tags(path, kind, Tags(title=f"{kind} {shape}", artist="Ärtist"),
                           raw_genres=genres)
                add_extras(path, kind)
                if packing == "tight":
                    _pack_tight(path, kind)
        source.unlink()
    return root


@pytest.fixture
def library(template: Path, tmp_path: Path) -> tuple[Path, sessionmaker[Session]]:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    sessions = session_factory(create_db_engine(tmp_path / "db.sqlite3"))
    scan_into(sessions, root)
    return root, sessions


def _md5(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.md5(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("new", sorted(NEW_GENRES))
def test_apply_then_undo_is_byte_identical_for_every_format_and_shape(
        library: tuple[Path, sessionmaker[Session]], new: str) -> None:
    root, sessions = library
    before = _md5(root)
    for path in root.rglob("*.*"):
        label(sessions, str(path), NEW_GENRES[new])
    with sessions() as session:
        rows = plan_tags(session, OPTIONS)

    result = apply_plan(sessions, rows, OPTIONS)
    assert [o.reason for o in result.outcomes if o.state != "applied"] == []
    changed = {name for name, digest in _md5(root).items() if before[name] != digest}
    assert changed == set(before)  # every file really was rewritten

    undone = undo_batch(sessions, result.batch_id)

    assert {o.state for o in undone.outcomes} == {"undone"}
    after = _md5(root)
    assert [name for name in before if after[name] != before[name]] == []


def test_the_header_really_grows_where_the_issue_saw_it(template: Path, tmp_path: Path) -> None:
    """The shapes above include the cases that broke: FLAC without padding, a tight M4A."""
    for kind, name in (("flac", "one-tight.flac"), ("aac", "one-tight.m4a")):
        path = tmp_path / name
        shutil.copyfile(template / kind / name, path)
        before = path.stat().st_size
        audio = mutagen.File(path)
        audio["genre" if kind == "flac" else "\xa9gen"] = [LONG]
        audio.save()
        assert path.stat().st_size > before + len(LONG) // 2
        kept = regions(str(template / kind / name), str(path))
        assert kept is not None and kept.original_size == before


def test_a_file_edited_after_the_batch_gets_its_genres_back_and_keeps_the_edit(
        library: tuple[Path, sessionmaker[Session]]) -> None:
    root, sessions = library
    path = root / "flac" / "one-tight.flac"
    label(sessions, str(path), ["New"])
    with sessions() as session:
        rows = [r for r in plan_tags(session, OPTIONS) if r.path == str(path)]
    result = apply_plan(sessions, rows, OPTIONS)
    audio = FLAC(path)
    audio["title"] = ["Edited after the batch"]
    audio.save()

    undone = undo_batch(sessions, result.batch_id)

    assert [o.state for o in undone.outcomes] == ["undone"]
    assert plain_genres(path) == ["Rock"] and FLAC(path)["title"] == ["Edited after the batch"]


@pytest.mark.parametrize("kind", ["mp3", "flac", "aac", "ogg"])
def test_a_big_cover_costs_the_undo_log_only_the_bytes_that_differ(
        template: Path, tmp_path: Path, kind: str) -> None:
    import os
    import random

    from mutagen.flac import Picture
    from mutagen.id3 import APIC
    from mutagen.mp4 import MP4Cover
    from sqlalchemy import func, select

    from library.models import TagOriginal

    root = tmp_path / "music"
    root.mkdir()
    ext = KINDS[kind][0]
    path = root / f"cover{ext}"
    shutil.copyfile(template / kind / f"one-tight{ext}", path)
    cover = random.Random(3).randbytes(300_000)  # incompressible, like a JPEG
    audio = mutagen.File(path)
    if kind == "mp3":
        audio.tags.add(APIC(encoding=3, mime="image/jpeg", type=3, desc="big", data=cover))
    elif kind == "aac":
        audio["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_JPEG)]
    else:
        picture = Picture()
        picture.type, picture.mime, picture.data = 3, "image/jpeg", cover
        if kind == "flac":
            audio.add_picture(picture)
        else:
            import base64
            audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode()]
    audio.save()
    before = hashlib.md5(path.read_bytes()).hexdigest()
    sessions = session_factory(create_db_engine(tmp_path / "db.sqlite3"))
    scan_into(sessions, root)
    label(sessions, str(path), NEW_GENRES["long"])
    with sessions() as session:
        rows = plan_tags(session, OPTIONS)
    result = apply_plan(sessions, rows, OPTIONS)
    assert [o.state for o in result.outcomes] == ["applied"]
    with sessions() as session:
        kept = session.scalar(select(func.length(TagOriginal.middle)))
    assert kept < 20_000, f"{kept:,} bytes kept for a {os.path.getsize(path):,}-byte file"
    undo_batch(sessions, result.batch_id)
    assert hashlib.md5(path.read_bytes()).hexdigest() == before
