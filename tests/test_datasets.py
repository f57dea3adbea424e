"""Datasets and splits: real GTZAN-mini folder, the real fault-filtered split lists, no leakage."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from classifier.training.datasets import (
    DatasetError,
    LabelledTrack,
    artist_kfold,
    from_records,
    holdout,
    load_csv,
    load_dataset,
    load_folder,
    read_split_file,
    select_by_split_file,
    stratified_kfold,
)
from classifier.inputs import InputSpec, clip_set
from classifier.training.experiment import compute_features


@pytest.fixture(scope="module")
def mini(shared_data: Path) -> list[LabelledTrack]:
    return load_folder(shared_data / "gtzan-mini")


def test_gtzan_folder_gives_genre_from_parent_folder(mini: list[LabelledTrack]) -> None:
    assert len(mini) == 50
    assert Counter(t.genre for t in mini) == {g: 5 for g in Counter(t.genre for t in mini)}
    assert all(t.path.parent.name == t.genre and t.stem.startswith(t.genre) for t in mini)


def test_folder_without_genre_subfolders_is_refused(tmp_path: Path) -> None:
    (tmp_path / "loose.flac").write_bytes(b"x")
    with pytest.raises(DatasetError, match="no audio files"):
        load_folder(tmp_path)


def test_csv_paths_are_relative_to_the_csv(tmp_path: Path, shared_data: Path) -> None:
    audio = shared_data / "gtzan-mini" / "jazz" / "jazz.00001.flac"
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.flac").write_bytes(b"")
    csv_path = tmp_path / "list.csv"
    csv_path.write_text(f"path,genre,artist\n{audio},jazz,Someone\nsub/a.flac,rock,\n")
    tracks = load_dataset(csv_path)
    assert tracks == [
        LabelledTrack(audio, "jazz", "Someone"),
        LabelledTrack(tmp_path / "sub" / "a.flac", "rock", None),
    ]


@pytest.mark.parametrize("text", ["file,label\na.wav,rock\n", "path,genre\na.wav,\n", ""])
def test_csv_without_path_or_genre_is_refused(tmp_path: Path, text: str) -> None:
    csv_path = tmp_path / "bad.csv"
    csv_path.write_text(text)
    with pytest.raises(DatasetError):
        load_csv(csv_path)


def test_caller_records_take_first_genre_and_artist() -> None:
    records = [
        SimpleNamespace(path="/m/a.mp3", genres=("Jazz", "Blues"), artist="X"),
        SimpleNamespace(path="/m/b.mp3", genre="Rock", artist=None),
    ]
    assert from_records(records) == [
        LabelledTrack(Path("/m/a.mp3"), "Jazz", "X"),
        LabelledTrack(Path("/m/b.mp3"), "Rock", None),
    ]
    with pytest.raises(DatasetError, match="no genre"):
        from_records([SimpleNamespace(path="/m/c.mp3", genres=())])


def test_real_split_files_parse_to_genre_and_stem(shared_data: Path) -> None:
    splits = {name: read_split_file(shared_data / "gtzan-splits" / f"{name}_filtered.txt")
              for name in ("train", "valid", "test")}
    assert {k: len(v) for k, v in splits.items()} == {"train": 443, "valid": 197, "test": 290}
    assert ("blues", "blues.00029") in splits["train"]
    assert all(stem.startswith(genre + ".") for pairs in splits.values() for genre, stem in pairs)
    assert len({g for pairs in splits.values() for g, _ in pairs}) == 10
    assert not (splits["train"] & splits["test"]) and not (splits["train"] & splits["valid"])


def test_wav_split_lists_select_flac_files_by_stem(mini, shared_data: Path) -> None:
    chosen = {name: select_by_split_file(mini, shared_data / "gtzan-splits" / f"{name}_filtered.txt")
              for name in ("train", "valid", "test")}
    assert {k: len(v) for k, v in chosen.items()} == {"train": 19, "valid": 24, "test": 4}
    assert all(mini[i].path.suffix == ".flac" for i in chosen["test"])
    # The filter drops three of the 50 (faulty GTZAN items); no track is in two lists.
    everything = chosen["train"] + chosen["valid"] + chosen["test"]
    assert len(set(everything)) == len(everything) == 47
    assert {mini[i].stem for i in set(range(50)) - set(everything)} == {
        "hiphop.00001", "metal.00004", "reggae.00003"}


def test_kfold_puts_every_track_in_exactly_one_test_fold(mini) -> None:
    folds = stratified_kfold(mini, 5, seed=3)
    tests = [i for _, test in folds for i in test]
    assert sorted(tests) == list(range(50))
    for train, test in folds:
        assert not set(train) & set(test) and len(train) + len(test) == 50
        assert Counter(mini[i].genre for i in test) == {g: 1 for g in {t.genre for t in mini}}


def test_kfold_is_reproducible_and_seed_dependent(mini) -> None:
    assert stratified_kfold(mini, 3, seed=1) == stratified_kfold(mini, 3, seed=1)
    assert stratified_kfold(mini, 3, seed=1) != stratified_kfold(mini, 3, seed=2)


def test_artist_folds_never_split_an_artist() -> None:
    tracks = [LabelledTrack(Path(f"/m/{i}.mp3"), "rock" if i % 2 else "pop", f"Artist {i % 7}")
              for i in range(40)]
    folds = artist_kfold(tracks, 3, seed=0)
    assert sorted(i for _, test in folds for i in test) == list(range(40))
    fold_artists = [{tracks[i].artist for i in test} for _, test in folds]
    assert all(not (a & b) for j, a in enumerate(fold_artists) for b in fold_artists[j + 1:])
    with pytest.raises(DatasetError, match="artist metadata"):
        artist_kfold([LabelledTrack(Path("/a"), "rock")] * 3, 2)


def test_holdout_takes_validation_tracks_from_each_genre(mini) -> None:
    train, valid = holdout(mini, list(range(50)), 0.2, seed=0)
    assert not set(train) & set(valid) and sorted(train + valid) == list(range(50))
    assert Counter(mini[i].genre for i in valid) == {g: 1 for g in {t.genre for t in mini}}


def test_clips_are_cut_after_the_split_and_never_straddle_it(mini) -> None:
    spec = InputSpec(kind="mel", sample_rate=22050, hop_length=512, n_bins=32, frames=64, stride=48)
    subset = [i for i, t in enumerate(mini) if t.genre in {"blues", "metal"}]
    features = compute_features([mini[i].path for i in subset], spec)
    features = {subset[k]: v for k, v in features.items()}
    train, test = stratified_kfold([mini[i] for i in subset], 2, seed=0)[0]
    train, test = [subset[i] for i in train], [subset[i] for i in test]
    targets = {i: int(mini[i].genre == "metal") for i in subset}
    train_clips, test_clips = (clip_set(features, idx, targets, spec) for idx in (train, test))
    assert set(train_clips.track) == set(train) and set(test_clips.track) == set(test)
    for clips in (train_clips, test_clips):
        owner = int(clips.track[-1])
        starts = range(0, features[owner].shape[1] - 64 + 1, 48)
        np.testing.assert_array_equal(clips.x[-1, 0], features[owner][:, starts[-1]:starts[-1] + 64])
        assert all(clips.y[clips.track == owner] == targets[owner])


def test_artist_folds_spread_each_genre_over_the_folds() -> None:
    tracks = [LabelledTrack(Path(f"/m/{g}{i}.mp3"), g, f"{g} artist {i}")
              for g in ("jazz", "rock") for i in range(4)]
    for seed in range(5):
        for _, test in artist_kfold(tracks, 2, seed=seed):
            assert Counter(tracks[i].genre for i in test) == {"jazz": 2, "rock": 2}
