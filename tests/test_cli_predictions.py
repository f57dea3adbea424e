"""`list` and `info` on a library the real default bundle classified: predicted genres show
and filter, next to the tags and the user's own labels."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest

from library import browse, categories
from library.categories import Category
from library.db import create_db_engine, session_factory
from library.models import Track
from main import main

pytestmark = pytest.mark.slow  # the real model classifies four tracks


def run(db_path: Path, *args: str) -> int:
    return main(["--db", str(db_path), *args])


@pytest.fixture
def classified(tmp_path: Path, db_path: Path, shared_data: Path) -> Path:
    """Real GTZAN classical, metal and jazz, and a speech clip: scanned and classified."""
    music = tmp_path / "Music"
    music.mkdir()
    for genre in ("classical", "metal", "jazz"):
        shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.00000.flac", music)
    shutil.copy(shared_data / "cc-music" / "198-209-0000.ogg", music / "speech.ogg")
    assert run(db_path, "scan", "--quiet", str(music)) == 0
    assert run(db_path, "classify", "--device", "cpu", "--clips", "2") == 0
    return music


def test_list_shows_and_filters_predicted_genres_and_user_labels(
    classified: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(db_path, "list", "--genre", "classical") == 0  # GTZAN files have no genre tag
    header, *lines = capsys.readouterr().out.splitlines()
    assert header.split()[4:7] == ["genres", "predicted", "conf"]
    listed = {Path(line.split()[-1]).name for line in lines}
    assert "classical.00000.flac" in listed and "metal.00000.flac" not in listed
    assert all("Classical" in line for line in lines)  # each by its predicted genre

    run(db_path, "list", "--json")
    records = {Path(r["path"]).name: r for r in json.loads(capsys.readouterr().out)}
    assert "Classical" in records["classical.00000.flac"]["predicted"]
    assert all(0 < r["confidence"] <= 1 for r in records.values())
    run(db_path, "list", "--csv")
    rows = {Path(r["path"]).name: r for r in csv.DictReader(io.StringIO(capsys.readouterr().out))}
    assert "Classical" in rows["classical.00000.flac"]["predicted"]

    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        (metal,) = [t for t in session.query(Track) if t.path.endswith("metal.00000.flac")]
        browse.set_user_genres(session, [metal.id], ["Post-Metal"])
        session.commit()
    engine.dispose()
    run(db_path, "list", "--genre", "post-metal", "--json")
    assert [Path(r["path"]).name for r in json.loads(capsys.readouterr().out)] == [
        "metal.00000.flac"]


def test_info_shows_the_prediction_its_probabilities_clips_and_the_user_label(
    classified: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(db_path, "info", str(classified / "classical.00000.flac")) == 0
    out = capsys.readouterr().out
    assert "prediction    broad 2.0.0: Classical (confidence " in out
    assert out.count("  clip at ") == 2  # one line per clip
    assert "Ambient" in out and "Reggae" in out and "Hip-Hop" in out  # every genre's probability
    assert "user genres" in out and "none (the prediction counts)" in out

    assert run(db_path, "info", "--json", str(classified / "speech.ogg")) == 0
    info = json.loads(capsys.readouterr().out)
    (prediction,) = info["predictions"]
    assert len(prediction["probabilities"]) == 16 and len(prediction["clip_probabilities"]) == 2
    assert prediction["not_music"] is True and prediction["top_genres"] == []
    assert info["user_genres"] == []


def test_speech_is_listed_as_not_music_and_filters_so(
    classified: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert run(db_path, "list") == 0
    (speech,) = [line for line in capsys.readouterr().out.splitlines() if "speech.ogg" in line]
    assert "Not music" in speech
    assert run(db_path, "list", "--genre", "not music", "--json") == 0
    assert [Path(r["path"]).name for r in json.loads(capsys.readouterr().out)] == ["speech.ogg"]
    assert run(db_path, "info", str(classified / "speech.ogg")) == 0
    assert "Not music" in capsys.readouterr().out

    engine = create_db_engine(db_path)
    with session_factory(engine)() as session:
        rows = [row for page in browse.iter_row_pages(session) for row in page]
        counts = categories.count_sidebar(rows)
        (row,) = [r for r in rows if r.path.endswith("speech.ogg")]
        assert row.not_music and not row.genres
        assert categories.in_category(row, Category.NOT_MUSIC)
        assert not categories.in_category(row, Category.UNCERTAIN)
        assert counts[Category.NOT_MUSIC] == 1
    engine.dispose()
