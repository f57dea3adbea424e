"""Labelled tracks for training and evaluation, and the ways to split them without leakage.

Splits are always made over *tracks*; clips are cut afterwards (see inputs.py), so no two
clips of one track can land on both sides of a split.
"""

from __future__ import annotations

import csv
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

AUDIO_SUFFIXES = frozenset(
    {".wav", ".flac", ".mp3", ".ogg", ".oga", ".opus", ".m4a", ".aiff", ".aif", ".au", ".wma"}
)


class DatasetError(ValueError):
    """A dataset or split description that cannot be used."""


@dataclass(frozen=True, slots=True)
class LabelledTrack:
    """One audio file with its genre (and artist, when known)."""

    path: Path
    genre: str
    artist: str | None = None
    tags: tuple[str, ...] = ()  # multi-label sets: the CSV's `tags` column, ';'-separated

    @property
    def stem(self) -> str:
        """The file name without suffix: how split files name a track."""
        return self.path.stem


def load_folder(root: Path) -> list[LabelledTrack]:
    """Tracks of a GTZAN-layout folder: `<root>/<genre>/<file>`."""
    root = Path(root)
    if not root.is_dir():
        raise DatasetError(f"{root}: not a folder")
    tracks = [
        LabelledTrack(path=path, genre=genre_dir.name)
        for genre_dir in sorted(p for p in root.iterdir() if p.is_dir())
        for path in sorted(genre_dir.iterdir())
        if path.is_file() and path.suffix.lower() in AUDIO_SUFFIXES
    ]
    if not tracks:
        raise DatasetError(f"{root}: no audio files in <genre>/<file> layout")
    return tracks


def load_csv(csv_path: Path) -> list[LabelledTrack]:
    """Tracks of a CSV with columns `path,genre[,artist][,tags]`; relative paths are from the
    CSV."""
    csv_path = Path(csv_path)
    with csv_path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"path", "genre"} <= set(rows[0]):
        raise DatasetError(f"{csv_path}: needs a header with at least 'path' and 'genre'")
    tracks = []
    for line_no, row in enumerate(rows, start=2):
        if not (row.get("path") or "").strip() or not (row.get("genre") or "").strip():
            raise DatasetError(f"{csv_path}:{line_no}: empty path or genre")
        path = Path(row["path"].strip())
        tracks.append(
            LabelledTrack(
                path=path if path.is_absolute() else csv_path.parent / path,
                genre=row["genre"].strip(),
                artist=(row.get("artist") or "").strip() or None,
                tags=tuple(t.strip() for t in (row.get("tags") or "").split(";") if t.strip()),
            )
        )
    return tracks


def load_dataset(source: Path) -> list[LabelledTrack]:
    """A folder in GTZAN layout or a `.csv` file, whichever `source` is."""
    source = Path(source)
    return load_csv(source) if source.suffix.lower() == ".csv" else load_folder(source)


def from_records(records: Iterable[object]) -> list[LabelledTrack]:
    """Tracks from caller records with `.path` and `.genre` or `.genres` (first one wins)."""
    tracks = []
    for record in records:
        genre = getattr(record, "genre", None)
        if genre is None:
            genres = getattr(record, "genres", ())
            genre = genres[0] if genres else None
        if not genre:
            raise DatasetError(f"{getattr(record, 'path', record)!r}: record has no genre")
        artist = getattr(record, "artist", None)
        tracks.append(LabelledTrack(path=Path(record.path), genre=genre, artist=artist or None))
    return tracks


def read_split_file(split_file: Path) -> set[tuple[str, str]]:
    """(genre, stem) pairs of a split list whose lines are `<genre>/<name>.<ext>`."""
    pairs = set()
    for line_no, raw in enumerate(Path(split_file).read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = Path(line).parts
        if len(parts) < 2:
            raise DatasetError(f"{split_file}:{line_no}: expected '<genre>/<file>', got {line!r}")
        pairs.add((parts[-2], Path(parts[-1]).stem))
    return pairs


def select_by_split_file(tracks: Sequence[LabelledTrack], split_file: Path) -> list[int]:
    """Indices of the tracks a split file names, matched by genre and file stem."""
    wanted = read_split_file(split_file)
    return [i for i, track in enumerate(tracks) if (track.genre, track.stem) in wanted]


def stratified_kfold(
    tracks: Sequence[LabelledTrack], folds: int, seed: int = 0
) -> list[tuple[list[int], list[int]]]:
    """(train, test) index lists: each track is in exactly one test fold, genres spread evenly."""
    if folds < 2:
        raise DatasetError("k-fold needs at least 2 folds")
    by_genre: dict[str, list[int]] = defaultdict(list)
    for i, track in enumerate(tracks):
        by_genre[track.genre].append(i)
    rng = random.Random(seed)
    fold_of: dict[int, int] = {}
    offset = 0
    for genre in sorted(by_genre):
        members = by_genre[genre]
        rng.shuffle(members)
        # Continue the round robin across genres so small genres don't all pile into fold 0.
        for j, index in enumerate(members):
            fold_of[index] = (offset + j) % folds
        offset += len(members)
    return _folds_from_assignment(fold_of, folds)


def artist_kfold(
    tracks: Sequence[LabelledTrack], folds: int, seed: int = 0
) -> list[tuple[list[int], list[int]]]:
    """(train, test) index lists where all tracks of one artist share a fold."""
    if any(track.artist is None for track in tracks):
        raise DatasetError("an artist split needs artist metadata for every track")
    by_artist: dict[str, list[int]] = defaultdict(list)
    for i, track in enumerate(tracks):
        by_artist[track.artist.casefold()].append(i)  # type: ignore[union-attr]
    if len(by_artist) < folds:
        raise DatasetError(f"{len(by_artist)} artists cannot fill {folds} folds")
    genre_of = {
        artist: Counter(tracks[i].genre for i in members).most_common(1)[0][0]
        for artist, members in by_artist.items()
    }
    artists = sorted(by_artist)
    random.Random(seed).shuffle(artists)
    # Greedy, largest artist first, into the fold with the fewest tracks of the artist's main
    # genre (then the fewest overall): folds stay balanced in size and in genre mix.
    sizes = [0] * folds
    genre_sizes: dict[str, list[int]] = defaultdict(lambda: [0] * folds)
    fold_of: dict[int, int] = {}
    for artist in sorted(artists, key=lambda a: -len(by_artist[a])):
        per_genre = genre_sizes[genre_of[artist]]
        target = min(range(folds), key=lambda k: (per_genre[k], sizes[k]))
        sizes[target] += len(by_artist[artist])
        per_genre[target] += len(by_artist[artist])
        fold_of.update((index, target) for index in by_artist[artist])
    return _folds_from_assignment(fold_of, folds)


def _folds_from_assignment(
    fold_of: dict[int, int], folds: int
) -> list[tuple[list[int], list[int]]]:
    indices = sorted(fold_of)
    return [
        ([i for i in indices if fold_of[i] != k], [i for i in indices if fold_of[i] == k])
        for k in range(folds)
    ]


def holdout(
    tracks: Sequence[LabelledTrack], indices: Sequence[int], fraction: float, seed: int = 0
) -> tuple[list[int], list[int]]:
    """Split `indices` into (train, validation) by track, at least one validation track per
    genre that has two or more tracks."""
    by_genre: dict[str, list[int]] = defaultdict(list)
    for i in indices:
        by_genre[tracks[i].genre].append(i)
    rng = random.Random(seed)
    train, valid = [], []
    for genre in sorted(by_genre):
        members = sorted(by_genre[genre])
        rng.shuffle(members)
        n_valid = max(1, round(len(members) * fraction)) if len(members) > 1 else 0
        valid += members[:n_valid]
        train += members[n_valid:]
    return sorted(train), sorted(valid)


def labels_of(tracks: Iterable[LabelledTrack]) -> list[str]:
    """The sorted genre vocabulary of some tracks."""
    return sorted({track.genre for track in tracks})
