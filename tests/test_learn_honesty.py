"""`learn` refuses to mislead: on real audio whose genre tags were shuffled it does not save
(unless --force), its confidence is calibrated on held-out folds, and a learned bundle applies
the music gate like every genre bundle."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import mutagen
import pytest
import soundfile as sf

from main import main

GENRES = ["classical", "metal", "hiphop", "jazz"]  # gtzan-mini ids 00000-00004 only (no holdout)


def shuffled_library(shared_data: Path, root: Path) -> list[str]:
    """20 gtzan-mini excerpts, each in its own folder, tagged with a genre drawn at random
    (a fixed shuffle of the true tags, so every genre keeps 5 tracks); returns the tags."""
    tracks = [(g, n) for g in GENRES for n in range(5)]
    tags = [g for g, _ in tracks]
    random.Random(7).shuffle(tags)
    for i, ((genre, n), tag) in enumerate(zip(tracks, tags)):
        samples, rate = sf.read(shared_data / f"gtzan-mini/{genre}/{genre}.0000{n}.flac")
        path = root / f"t{i:02d}" / "track.ogg"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, samples, rate, format="OGG", subtype="VORBIS")
        tagged = mutagen.File(path)
        tagged["genre"] = [tag.title()]
        tagged.save()
    return tags


@pytest.fixture(scope="module")
def shuffled(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One library of shuffled tags, learned twice: refused, then forced."""
    tmp = tmp_path_factory.mktemp("shuffled")
    tags = shuffled_library(shared_data, tmp / "music")
    db = str(tmp / "library.sqlite3")
    assert main(["--db", db, "scan", "-q", str(tmp / "music")]) == 0
    return {"tmp": tmp, "db": db, "tags": tags}


def learn_args(db: str, out: Path, *extra: str) -> list[str]:
    return ["--db", db, "learn", "--min-examples", "5", "--clips", "3", "--name", "shuffled",
            "--out", str(out), "--device", "cpu", *extra]


def test_shuffled_tags_are_refused_and_force_saves(
    shuffled: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    tags = shuffled["tags"]
    right = sum(t == g for t, g in zip(tags, [g for g in GENRES for _ in range(5)]))
    assert right <= 7  # the shuffle really broke the tags (chance is 5 of 20)
    out = shuffled["tmp"] / "refused"
    code = main(learn_args(shuffled["db"], out))
    captured = capsys.readouterr()
    assert code == 1, captured.out
    assert "not shown to beat guessing" in captured.err and "--force" in captured.err
    assert "chance: 0.250" in captured.out  # the report is shown: the user sees why
    assert not out.exists()  # nothing saved, not even an empty folder
    forced = shuffled["tmp"] / "forced"
    code = main(learn_args(shuffled["db"], forced, "--force"))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert (forced / "bundle.json").is_file() and (forced / "head.safetensors").is_file()
    assert "not shown to beat guessing" in captured.out  # saved, but with the warning
    shuffled["forced_report"] = captured.out


def test_held_out_wrong_answers_are_not_confident(
    shuffled: dict, shared_data: Path, tmp_path: Path
) -> None:
    """The forced model is wrong most of the time; calibrated on its held-out folds it must say
    so by its confidence, on the folds and on music it never saw."""
    from classifier.bundle import load_bundle
    from classifier.predict import predict_tracks

    forced = shuffled["tmp"] / "forced"
    if not (forced / "bundle.json").is_file():
        assert main(learn_args(shuffled["db"], forced, "--force")) == 0
    spec = json.loads((forced / "bundle.json").read_text())
    assert spec["head"]["temperature"] > 1.0  # an over-confident head was cooled down
    report = shuffled.get("forced_report")
    if isinstance(report, str):
        found = re.search(r"wrong held-out answer \(calibrated\): (\d+)%", report)
        assert found and int(found.group(1)) < 91, report
    music = [p for p in sorted((shared_data / "cc-music").glob("*.ogg"))
             if p.stem.startswith(("Kevin_MacLeod", "Hungarian", "sorohanro", "Karissa"))]
    results = list(predict_tracks([str(p) for p in music], load_bundle(str(forced)),
                                  device="cpu"))
    assert len(results) == len(music) == 5
    assert all(r.confidence < 0.91 for r in results), [(r.path, r.confidence) for r in results]


def test_a_learned_bundle_applies_the_music_gate(shuffled: dict, shared_data: Path) -> None:
    """Speech and a dog are not music for a learned bundle, as for broad: no genre named."""
    from classifier.bundle import load_bundle
    from classifier.predict import predict_tracks

    forced = shuffled["tmp"] / "forced"
    if not (forced / "bundle.json").is_file():
        assert main(learn_args(shuffled["db"], forced, "--force")) == 0
    bundle = load_bundle(str(forced))
    assert bundle.music_threshold is not None
    clips = [str(shared_data / "cc-music" / f"{stem}.ogg") for stem in ("pibble", "198-209-0000")]
    for result in predict_tracks(clips, bundle, device="cpu"):
        assert result.not_music and result.top_genres == (), result.path


def test_folds_keep_an_album_together(tmp_path: Path, db_path: Path) -> None:
    """Tracks that sound like their album, not their genre: a head can recognise albums it has
    heard, so only folds that keep each album on one side show it knows no genre. (Cached
    embeddings stand in for decoding: one centre per album, unrelated to the genre.)"""
    import numpy as np

    from library.db import create_db_engine, session_factory
    from library.models import Embedding, Track
    from workflows.learn import learn

    rng = np.random.default_rng(1)
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        track = 0
        for album in range(8):
            centre = rng.normal(0, 1, 200)
            for _ in range(4):
                track += 1
                session.add(Track(id=track, path=f"/m/{track}.mp3", artist="Various",
                                  album=f"Album {album}", album_artist="Various",
                                  genres=["Jazz" if album % 2 else "Metal"]))
                session.flush()
                vector = centre + rng.normal(0, 0.2, 200)
                session.add(Embedding(track_id=track, backbone="broad", dim=200,
                                      vector=vector.astype("<f2").tobytes()))
    report = learn(sessions, min_examples=5, out=tmp_path / "albums")
    assert report.grouping == "8 albums"
    assert not report.beats_chance and report.bundle is None, report.interval
    assert not (tmp_path / "albums").exists()
