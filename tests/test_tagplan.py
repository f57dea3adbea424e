"""Planning on a real scanned library: policies, confidence, mapping, allowed list, albums,
user labels, selection. Planning touches no file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from library.db import create_db_engine, session_factory
from library.tagplan import TagOptions, TagSelection, plan_tags
from tests.audio_factory import KINDS, Tags, load_clip, write_audio, write_tags
from tests.tagging_support import label, predict, scan_into

# name -> (album, genres already in the file)
FILES = {"a1": ("Blue Train", ()), "a2": ("Blue Train", ("Jazz",)), "a3": ("Blue Train", ()),
         "b1": (None, ("Hip-Hop",)), "b2": (None, ())}
PROBABILITIES = {
    "a1": {"jazz": 0.5, "blues": 0.4, "rock": 0.1},
    "a2": {"jazz": 0.9, "blues": 0.05, "rock": 0.05},
    "a3": {"rock": 0.6, "jazz": 0.3, "blues": 0.1},
    "b1": {"Hip-Hop": 0.7, "pop": 0.3},
    "b2": {"pop": 0.45, "Hip-Hop": 0.44, "rock": 0.11},
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    root = tmp_path_factory.mktemp("plan")
    samples, rate = load_clip(shared_data, seconds=0.5)
    source = write_audio(root / "source.flac", "flac", samples, rate)
    for name, (album, genres) in FILES.items():
        path = root / "music" / f"{name}.flac"
        path.parent.mkdir(exist_ok=True)
        shutil.copyfile(source, path)
        write_tags(path, "flac", Tags(title=name, artist="Coltrane", album=album),
                   raw_genres=list(genres))
    assert KINDS["flac"][0] == ".flac"
    return root / "music"


@pytest.fixture
def library(template: Path, tmp_path: Path, db_path: Path
            ) -> tuple[Path, sessionmaker[Session]]:
    root = tmp_path / "music"
    shutil.copytree(template, root)
    sessions = session_factory(create_db_engine(db_path))
    scan_into(sessions, root)
    predict(sessions, {str(root / f"{n}.flac"): p for n, p in PROBABILITIES.items()})
    return root, sessions


def _plan(sessions: sessionmaker[Session], selection: TagSelection = TagSelection(),
          **options: object) -> dict[str, tuple[str, tuple[str, ...] | None, str]]:
    with sessions() as session:
        rows = plan_tags(session, TagOptions(**options), selection)  # type: ignore[arg-type]
    return {Path(r.path).stem: (r.action, r.new_genres, r.reason) for r in rows}


def test_fill_empty_is_the_default_and_touches_no_file(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    root, sessions = library
    before = {p: p.read_bytes() for p in root.iterdir()}
    plan = _plan(sessions)
    assert {n: (a, g) for n, (a, g, _) in plan.items()} == {
        "a1": ("write", ("Jazz",)), "a2": ("skip", None), "a3": ("write", ("Rock",)),
        "b1": ("skip", None), "b2": ("skip", None)}
    assert "fill-empty" in plan["a2"][2]
    assert "0.5" in plan["b2"][2]  # a 0.45 guess is not written by default
    assert {p: p.read_bytes() for p in root.iterdir()} == before


def test_replace_merge_and_unchanged(library: tuple[Path, sessionmaker[Session]]) -> None:
    _, sessions = library
    replace = _plan(sessions, policy="replace")
    # the model's "jazz" is the file's "Jazz": one genre, one spelling, nothing to write
    assert replace["a2"] == ("skip", None, "already has these genres")
    assert replace["b1"] == ("skip", None, "already has these genres")
    merge = _plan(sessions, policy="merge", min_confidence=0.3)
    assert merge["a3"][1] == ("Rock", "Jazz")
    assert merge["b1"][1] == ("Hip-Hop", "Pop")  # Hip-Hop de-duplicated in any spelling
    assert merge["a2"][:2] == ("skip", None)  # already holds Jazz


def test_min_confidence_max_genres_mapping_and_allowed(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    _, sessions = library
    plan = _plan(sessions, policy="replace", min_confidence=0.4, max_genres=1,
                 mapping={"hip-hop": "Hip Hop", "jazz": "Jazz"})
    assert plan["a1"][1] == ("Jazz",)
    assert plan["b2"][1] == ("Pop",)
    assert plan["b1"][1] == ("Hip Hop",)  # the user's rename wins over the model's spelling
    assert plan["a3"][1] == ("Rock",)
    none = _plan(sessions, policy="replace", min_confidence=0.95)
    assert none["a2"][0] == "skip" and "0.95" in none["a2"][2]
    allowed = _plan(sessions, policy="replace", min_confidence=0.1, allowed=("Blues", "Pop"))
    assert allowed["a1"][1] == ("Blues",)
    assert allowed["b1"][1] == ("Pop",)


def test_fill_empty_says_a_tagged_file_already_has_genres_whatever_the_prediction(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    """A tagged file is left alone by fill-empty because it has genres, not because of a
    weak, vetoed or missing prediction it would not have used anyway."""
    _, sessions = library
    filled = "already has genres (policy fill-empty)"
    weak = _plan(sessions, min_confidence=0.95)  # no genre of a2 or b1 reaches 0.95
    assert weak["a2"] == weak["b1"] == ("skip", None, filled)
    assert "0.95" in weak["a1"][2]  # an untagged file: the prediction is the reason
    unpredicted = _plan(sessions, bundle="not-classified-yet")
    assert unpredicted["b1"] == ("skip", None, filled)
    assert "no prediction" in unpredicted["b2"][2]
    replaced = _plan(sessions, policy="replace", min_confidence=0.95)
    assert "0.95" in replaced["b1"][2]  # replacing would use it: the prediction is why not


def test_album_consistent_uses_the_albums_mean(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    _, sessions = library
    plan = _plan(sessions, policy="replace", album_consistent=True, min_confidence=None)
    # mean: jazz 0.567, rock 0.25, blues 0.183 -> jazz for every track of the album
    assert [plan[n][1] for n in ("a1", "a3")] == [("Jazz",), ("Jazz",)]
    assert plan["a2"][:2] == ("skip", None)  # holds Jazz already
    assert plan["b2"][1] == ("Pop",)  # no album: its own prediction


def test_user_label_wins_and_genre_selection(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    root, sessions = library
    label(sessions, str(root / "a3.flac"), ["Free Jazz"])
    plan = _plan(sessions, policy="replace")
    assert plan["a3"] == ("write", ("Free Jazz",), "user label")
    by_genre = _plan(sessions, TagSelection(genre="JAZZ"), policy="replace")
    assert set(by_genre) == {"a1", "a2"}
    by_path = _plan(sessions, TagSelection(paths=(str(root / "b1.flac"), str(root / "nope"))))
    assert set(by_path) == {"b1"}
    by_folder = _plan(sessions, TagSelection(paths=(str(root),)))
    assert len(by_folder) == 5


def test_options_are_checked() -> None:
    with pytest.raises(ValueError, match="policy"):
        TagOptions(policy="overwrite")
    with pytest.raises(ValueError, match="at least 1"):
        TagOptions(max_genres=0)
    with pytest.raises(ValueError, match="separator"):
        TagOptions(separator=", ")
    assert TagOptions(separator=" / ").separator == " / "


def test_not_music_predictions_never_become_tags(
    library: tuple[Path, sessionmaker[Session]]
) -> None:
    from library.models import Prediction

    root, sessions = library
    with sessions() as session:  # the music gate vetoed a1 (its probabilities stay stored)
        for prediction in session.query(Prediction):
            if prediction.track.path.endswith(("a1.flac", "b2.flac")):
                prediction.not_music, prediction.uncertain, prediction.top_genres = True, True, []
        session.commit()
    for options in ({}, {"policy": "replace"}, {"policy": "replace", "min_confidence": 0.1},
                    {"policy": "replace", "album_consistent": True}):
        plan = _plan(sessions, **options)
        assert plan["a1"][:2] == ("skip", None) and "not music" in plan["a1"][2], options
        assert plan["b2"][:2] == ("skip", None), options
    album = _plan(sessions, policy="replace", album_consistent=True)
    assert album["a3"] == ("write", ("Jazz",), "album of 2 tracks")  # a1 no longer counts; one spelling
