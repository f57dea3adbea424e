"""Genre writing per format on real files with tags in every shape: plain mutagen reads back
what was written, every other tag and the audio payload stay, and undo restores the old state.

Each case goes through the real API: scan -> user label -> plan -> apply -> undo.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.oggvorbis import OggVorbis
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory
from library.tagplan import TagOptions, plan_tags
from library.tags import read_file
from workflows.tags import apply_plan, undo_batch
from tests.audio_factory import (
    KINDS, Tags, load_clip, make_id3_variants, write_audio, write_tags,
)
from tests.tagging_support import add_extras, label, other_tags, payload, plain_genres, scan_into

LONG = "Progressive " * 200  # 2,400 characters
SHAPES: dict[str, list[str]] = {
    "none": [],
    "one": ["Rock"],
    "several": ["Rock", "Jazz", "Blues"],
    "unicode": ["Música Popular Brasileira", "J-ポップ", "Ελληνικό ροκ"],
    "long": [LONG.strip()],
}
NEW = ["Hip-Hop", "Électronique", "Jazz"]  # the model's spelling: plans spell genres one way


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    """Per kind and shape a tagged real file with a picture and a comment; some ID3 extras."""
    root = tmp_path_factory.mktemp("formats")
    samples, rate = load_clip(shared_data, seconds=1.0)
    for kind, (ext, _, _) in KINDS.items():
        source = write_audio(root / f"source{ext}", kind, samples, rate)
        for shape, genres in SHAPES.items():
            path = root / kind / f"{shape}{ext}"
            path.parent.mkdir(exist_ok=True)
            shutil.copyfile(source, path)
            write_tags(path, kind, Tags(title=f"{kind} {shape}", artist="Ärtist", year=2001),
                       raw_genres=genres)
            add_extras(path, kind)
        source.unlink()
    mp3 = root / "mp3" / "none.mp3"
    make_id3_variants(root, mp3)  # v2.3 "/" and "(17)Rock", v1 only, untagged... in root/id3
    for name, version, v1 in (("v23", 3, False), ("v1v2", 4, True), ("v23v1", 3, True)):
        path = root / "id3" / f"{name}.mp3"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(mp3, path)
        ID3(path).delete(path)
        write_tags(path, "mp3", Tags(title=name, artist="Old"), id3_version=version, id3v1=v1,
                   raw_genres=["Rock", "Pop"] if version == 3 else ["Jazz"])
    return root


@pytest.fixture
def library(template: Path, tmp_path: Path, db_path: Path
            ) -> tuple[Path, sessionmaker[Session]]:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    return root, sessions


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_every_format_and_shape_writes_keeps_the_rest_and_undoes(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    root, sessions = library
    files = _files(root)
    before = {p: (p.read_bytes(), other_tags(p), payload(p), plain_genres(p)) for p in files}
    for path in files:
        label(sessions, str(path), NEW)
    with sessions() as session:
        rows = plan_tags(session, TagOptions(policy="replace"))
    assert {r.action for r in rows} == {"write"} and len(rows) == len(files)

    result = apply_plan(sessions, rows, TagOptions(policy="replace"))

    assert [o.reason for o in result.outcomes if o.state != "applied"] == []
    for path in files:
        old_bytes, old_other, old_payload, _ = before[path]
        legacy = path.stem.startswith("v23") or path.stem == "v1_and_v2"
        assert plain_genres(path) == (["; ".join(NEW)] if legacy else NEW), path
        assert read_file(str(path)).genres == tuple(NEW), path
        assert other_tags(path) == old_other, path
        assert payload(path) == old_payload, path

    undone = undo_batch(sessions, result.batch_id)

    assert {o.state for o in undone.outcomes} == {"undone"}
    for path in files:
        old_bytes, old_other, old_payload, old_genres = before[path]
        assert plain_genres(path) == old_genres, path
        assert other_tags(path) == old_other, path
        assert payload(path) == old_payload, path
        # Byte for byte too: genre fields go back in place, mutagen gives the padding back.
        # (A file from another tagger may come back with its ID3 frames in mutagen's order.)
        assert path.read_bytes() == old_bytes, path


def test_id3v1_genre_byte_follows_the_first_genre(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    root, sessions = library
    path = root / "id3" / "v1v2.mp3"
    original = path.read_bytes()
    assert original[-1] == 8  # Jazz
    label(sessions, str(path), ["Rock", "Hip Hop"])
    with sessions() as session:
        rows = plan_tags(session, TagOptions(policy="replace"), _only(session, path))
    batch = apply_plan(sessions, rows, TagOptions(policy="replace"))
    data = path.read_bytes()
    assert data[-128:-125] == b"TAG" and data[-1] == 17  # Rock, mutagen's numbering
    assert data[-128:-1] == original[-128:-1]  # title, artist... of ID3v1 untouched
    undo_batch(sessions, batch.batch_id)
    assert path.read_bytes()[-128:] == original[-128:]


def test_unknown_first_genre_sets_id3v1_to_255(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    root, sessions = library
    path = root / "id3" / "v1v2.mp3"
    label(sessions, str(path), ["Dungeon Synth"])
    with sessions() as session:
        rows = plan_tags(session, TagOptions(policy="replace"), _only(session, path))
    apply_plan(sessions, rows, TagOptions(policy="replace"))
    assert path.read_bytes()[-1] == 255


def test_id3v23_on_request_for_new_tags_with_separator(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    root, sessions = library
    path = root / "mp3" / "none.mp3"
    ID3(path).delete(path)  # no ID3 tag at all: GenreLens creates one
    scan_into(sessions, root)
    label(sessions, str(path), ["Rock", "Jazz"])
    options = TagOptions(policy="replace", id3v23=True, separator=" / ")
    with sessions() as session:
        rows = plan_tags(session, options, _only(session, path))
    assert apply_plan(sessions, rows, options).count("applied") == 1
    tags = ID3(path)
    assert tags.version[:2] == (2, 3) and list(tags["TCON"].text) == ["Rock / Jazz"]


def test_vorbis_genre_fields_stay_in_place(library: tuple[Path, sessionmaker[Session]]) -> None:
    root, sessions = library
    path = root / "ogg" / "several.ogg"
    keys_before = [k for k, _ in OggVorbis(path).tags]
    label(sessions, str(path), ["Ambient"])
    with sessions() as session:
        rows = plan_tags(session, TagOptions(policy="replace"), _only(session, path))
    apply_plan(sessions, rows, TagOptions(policy="replace"))
    keys_after = [k for k, _ in OggVorbis(path).tags]
    first = keys_before.index("genre")
    assert keys_after == keys_before[: first + 1] + keys_before[first + 3:]


def _only(session: Session, path: Path):  # type: ignore[no-untyped-def]
    from library.tagplan import TagSelection

    return TagSelection(paths=(str(path),))


def test_files_without_any_tag_get_one_and_lose_the_genre_on_undo(
    tmp_path: Path, db_path: Path, shared_data: Path
) -> None:
    """Audio straight from the encoder: GenreLens adds the tag (an ID3 chunk for WAV/AIFF)."""
    root = tmp_path / "bare"
    root.mkdir()
    samples, rate = load_clip(shared_data, seconds=0.5)
    files = [write_audio(root / f"{kind}{ext}", kind, samples, rate)
             for kind, (ext, _, _) in KINDS.items() if kind != "alac"]  # alac: same as aac
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    before = {p: (other_tags(p), payload(p)) for p in files}
    for path in files:
        label(sessions, str(path), NEW)
    with sessions() as session:
        rows = plan_tags(session, TagOptions())
    result = apply_plan(sessions, rows, TagOptions())
    assert [(o.path, o.reason) for o in result.outcomes if o.state != "applied"] == []
    for path in files:
        assert plain_genres(path) == NEW and payload(path) == before[path][1], path
    assert undo_batch(sessions, result.batch_id).count("undone") == len(files)
    for path in files:
        assert plain_genres(path) == [] and (other_tags(path), payload(path)) == before[path]

