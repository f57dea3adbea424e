"""The format registry decides raw AAC (ADTS) and FLAC in Ogg in one place: both are scanned
and read, decoded for the classifier, and (Ogg-FLAC) tagged; raw AAC is never planned for a
tag write, since it has nowhere to keep tags."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from classifier.audio import ClipPlan, decode_clips
from library.db import create_db_engine, session_factory
from library.repository import list_tracks
from library.tagplan import TagOptions, plan_tags
from library.tags import (
    AUDIO_EXTENSIONS,
    FORMATS,
    TagError,
    audio_payload_hash,
    preferred_decoder,
    read_file,
    sniff,
    write_genres,
)
from workflows.tags import apply_plan, undo_batch
from tests.audio_factory import load_clip, write_audio
from tests.tagging_support import plain_genres, predict, scan_into


@pytest.fixture
def music(tmp_path: Path, shared_data: Path) -> Path:
    """A raw ADTS .aac and an Ogg-FLAC .oga made from a real recording."""
    samples, rate = load_clip(shared_data, seconds=2.0)
    root = tmp_path / "music"
    root.mkdir()
    write_audio(root / "raw.aac", "adts", samples, rate)
    write_audio(root / "lossless.oga", "oggflac", samples, rate)
    return root


@pytest.fixture
def sessions(db_path: Path) -> sessionmaker[Session]:
    return session_factory(create_db_engine(db_path))


def test_both_are_recognised_by_content_and_read(music: Path) -> None:
    assert {".aac", ".oga"} <= AUDIO_EXTENSIONS
    aac, oga = read_file(str(music / "raw.aac")), read_file(str(music / "lossless.oga"))
    assert (sniff(str(music / "raw.aac")), aac.format, aac.codec) == ("adts", "adts", "aac")
    assert (sniff(str(music / "lossless.oga")), oga.format, oga.codec) == \
        ("oggflac", "oggflac", "flac")
    for info in (aac, oga):
        assert info.duration is not None and 1.5 < info.duration < 2.5
        assert info.channels == 1 and info.genres == ()


def test_a_cut_off_ogg_flac_is_an_error(music: Path, tmp_path: Path) -> None:
    whole = (music / "lossless.oga").read_bytes()
    cut = tmp_path / "cut.oga"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(TagError, match="truncated"):
        read_file(str(cut))


def test_scanned_as_ok_tracks_and_decoded_by_the_registrys_decoder(
    music: Path, sessions: sessionmaker[Session]
) -> None:
    scan_into(sessions, music)
    with sessions() as session:
        tracks = {Path(t.path).name: t for t in list_tracks(session)}  # paths on this machine
    assert {n: (t.status, t.format, t.error) for n, t in tracks.items()} == {
        "raw.aac": ("ok", "adts", None), "lossless.oga": ("ok", "oggflac", None)}
    for track in tracks.values():
        assert preferred_decoder(track.format) == "ffmpeg"  # libsndfile reads neither
        decoded = decode_clips(track.path, ClipPlan(count=2, seconds=0.5), 16000,
                               decoder=preferred_decoder(track.format))
        assert decoded.error is None and decoded.clips is not None
        assert decoded.clips.shape == (2, 8000) and float(abs(decoded.clips).max()) > 0.01


def test_classify_gets_each_tracks_decoder_from_its_detected_format(
    music: Path, sessions: sessionmaker[Session], shared_data: Path
) -> None:
    """The content, not the name, picks the decoder: an ALAC file named .mp3 goes to FFmpeg."""
    from library.predictions import tracks_needing_prediction

    samples, rate = load_clip(shared_data, seconds=2.0)
    write_audio(music / "misnamed.mp3", "alac", samples, rate)
    write_audio(music / "plain.flac", "flac", samples, rate)
    scan_into(sessions, music)
    with sessions() as session:
        todo = tracks_needing_prediction(session, "broad", "2.0")
    assert {Path(t.path).name: t.decoder for t in todo} == {
        "raw.aac": "ffmpeg", "lossless.oga": "ffmpeg", "misnamed.mp3": "ffmpeg",
        "plain.flac": "libsndfile"}


def test_ogg_flac_takes_genres_and_raw_aac_is_left_out_of_the_plan(
    music: Path, sessions: sessionmaker[Session]
) -> None:
    scan_into(sessions, music)
    predict(sessions, {str(music / n): {"Jazz": 0.9, "Rock": 0.1}
                       for n in ("raw.aac", "lossless.oga")})
    before = audio_payload_hash(str(music / "lossless.oga"), "oggflac")
    options = TagOptions(policy="replace")
    with sessions() as session:
        plan = {Path(r.path).name: r for r in plan_tags(session, options)}
    assert plan["raw.aac"].action == "skip" and "hold no tags" in plan["raw.aac"].reason
    assert plan["lossless.oga"].action == "write"
    result = apply_plan(sessions, list(plan.values()), options)
    assert result.count("applied") == 1, result.outcomes
    assert plain_genres(music / "lossless.oga") == ["Jazz"]
    assert read_file(str(music / "lossless.oga")).genres == ("Jazz",)
    assert audio_payload_hash(str(music / "lossless.oga"), "oggflac") == before
    undo_batch(sessions)
    assert plain_genres(music / "lossless.oga") == []


def test_writing_into_raw_aac_is_refused_in_words(music: Path, tmp_path: Path) -> None:
    copy = shutil.copy(music / "raw.aac", tmp_path / "copy.aac")
    with pytest.raises(TagError, match="no tags"):
        write_genres(str(copy), "adts", ["Jazz"])


def test_every_entry_is_whole() -> None:
    for name, entry in FORMATS.items():
        assert entry.name == name and entry.extensions
        assert all(e.startswith(".") and e == e.lower() for e in entry.extensions)
        assert entry.decoder in ("libsndfile", "ffmpeg")
        for function in ("read", "genre_state", "write_genres"):
            assert callable(getattr(entry.family, function)), (name, function)
