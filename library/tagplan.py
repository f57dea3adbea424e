"""Plan a tag write: per file, the genres it would get and why. Touches no file.

Genres come from the user's own labels when there are any, else from a bundle's stored
prediction (or, with `album_consistent`, from the mean probabilities of the album's tracks).
They are then spelled one way (library.genre_names, with the user's renames), filtered by the
allowed list, de-duplicated in any spelling, cut to `max_genres`, and combined with what the
file holds according to the policy.

The defaults (TagOptions()) are the one safe policy the CLI and the GUI both start from: fill
only files without a genre, and only with a genre the model is fairly sure of. Replacing or
merging is a choice made for one write, never a remembered default.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from library.genre_names import canonical_genre, canonical_genres, genre_key, same_genre
from library.convert import local
from library.models import Prediction, Track, UserLabel
from library.records import PlanAction, PlanRow, TagPolicy, TrackStatus
from library.tags import holds_tags
from library.write_scope import library_roots, skip_outside

POLICIES = tuple(TagPolicy)  # the CLI's --policy choices
DEFAULT_POLICY = TagPolicy.FILL_EMPTY  # never touch a genre the user has
# A predicted genre is written only when at least this probable. 0.5 means the genre is more
# probable than all the others together, so at most one predicted genre per file, and a coin
# toss between two genres (or a 0.27 guess among fifteen) is left alone. Measured for broad
# 2.0 out of fold (bench/write_threshold.py, bench/write_candidates.py; docs/models.md): it
# writes for 69 % of music, right 83 %; no per-genre threshold or MTT cascade beat it.
DEFAULT_MIN_CONFIDENCE = 0.5
NEVER_WRITTEN = frozenset({"notmusic"})  # genre_keys of outcomes that are not genres


@dataclass(frozen=True)
class TagOptions:
    """How genres are chosen and written; stored with each applied batch."""

    policy: TagPolicy = DEFAULT_POLICY
    max_genres: int | None = None
    # Only predicted genres at least this probable; None or 0: the top genre unless uncertain.
    min_confidence: float | None = DEFAULT_MIN_CONFIDENCE
    mapping: dict[str, str] = field(default_factory=dict)  # "Hip-Hop" -> "Hip Hop" (any case)
    allowed: tuple[str, ...] | None = None  # only these genres (spelled as given here)
    album_consistent: bool = False
    bundle: str = "broad"
    id3v23: bool = False  # new ID3 tags as v2.3 (existing ones keep their version)
    separator: str = "; "  # joins genres in one ID3v2.3 TCON string
    keep_mtime: bool = False  # a write is a modification: new mtime unless asked to keep it

    def __post_init__(self) -> None:
        if self.policy not in POLICIES:
            raise ValueError(f"unknown policy {self.policy!r}; choose from {', '.join(POLICIES)}")
        if self.max_genres is not None and self.max_genres < 1:
            raise ValueError("max genres must be at least 1")
        if self.separator.strip() not in (";", "/"):
            # Anything else would read back (here and in most players) as one long genre.
            raise ValueError("the ID3v2.3 separator must be ';' or '/' (spaces allowed)")


@dataclass(frozen=True)
class TagSelection:
    """Which tracks to plan for; all tracks when every field is empty."""

    paths: tuple[str, ...] = ()  # files or folders (prefix match), absolute
    genre: str | None = None  # a predicted genre (of the bundle) or a user label
    track_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class _Source:
    """Candidate genres for one track and where they come from."""

    genres: tuple[str, ...]
    why: str


def _unique(genres: Iterable[str]) -> tuple[str, ...]:
    """Strip blanks and repeats in any spelling ("Hiphop" repeats "Hip-Hop"), order kept."""
    seen: set[str] = set()
    result: list[str] = []
    for genre in (g.strip() for g in genres):
        key = genre_key(canonical_genre(genre)) or genre.casefold()
        if genre and key not in seen:
            seen.add(key)
            result.append(genre)
    return tuple(result)


def normalised(genres: Iterable[str], options: TagOptions) -> tuple[str, ...]:
    """Spell one way (renames win), keep allowed ones (in the allowed list's spelling),
    drop non-genres, de-duplicate, cut."""
    mapped: Iterable[str] = canonical_genres(genres, options.mapping)
    mapped = [g for g in mapped if genre_key(g) not in NEVER_WRITTEN]
    if options.allowed is not None:
        allowed = {genre_key(canonical_genre(g)): g.strip() for g in options.allowed}
        mapped = [allowed[genre_key(g)] for g in mapped if genre_key(g) in allowed]
    result = _unique(mapped)
    return result[: options.max_genres] if options.max_genres else result


def _from_probabilities(probabilities: dict[str, float], minimum: float | None) -> tuple[str, ...]:
    """Labels at least `minimum` probable, most probable first (without a minimum: the top)."""
    ranked = sorted(probabilities.items(), key=lambda item: -item[1])
    if not minimum:
        return tuple(label for label, _ in ranked[:1])
    return tuple(label for label, p in ranked if p >= minimum)


def _predicted(prediction: Prediction | None, options: TagOptions) -> _Source | str:
    """The genres a prediction offers, or why it offers none."""
    if prediction is None:
        return f"no prediction from bundle {options.bundle!r} (run classify first)"
    if prediction.not_music:  # never a genre, whatever the confidence options say
        return "not music (the music gate's verdict)"
    if not options.min_confidence:
        if prediction.uncertain or not prediction.top_genres:
            return f"prediction uncertain (confidence {prediction.confidence:.2f})"
        return _Source(tuple(prediction.top_genres), f"predicted ({prediction.confidence:.2f})")
    genres = _from_probabilities(prediction.probabilities, options.min_confidence)
    if not genres:
        return f"no genre reaches confidence {options.min_confidence:g}"
    return _Source(genres, f"predicted (≥ {options.min_confidence:g})")


def _album_key(track: Track) -> tuple[str, str] | None:
    if not track.album:
        return None
    return ((track.album_artist or track.artist or "").casefold(), track.album.casefold())


def _album_sources(tracks: Sequence[Track], predictions: dict[int, Prediction],
                   options: TagOptions) -> dict[tuple[str, str], _Source]:
    """One genre set per album, from the mean probabilities of its predicted tracks."""
    members: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    for track in tracks:
        key = _album_key(track)
        if key is not None and track.id in predictions and not predictions[track.id].not_music:
            members[key].append(predictions[track.id].probabilities)
    sources: dict[tuple[str, str], _Source] = {}
    for key, probability_sets in members.items():
        labels = {label for probs in probability_sets for label in probs}
        mean = {label: sum(p.get(label, 0.0) for p in probability_sets) / len(probability_sets)
                for label in labels}
        genres = _from_probabilities(mean, options.min_confidence)
        if genres:
            sources[key] = _Source(genres, f"album of {len(probability_sets)} tracks")
    return sources


def _combined(old: tuple[str, ...], new: tuple[str, ...], policy: TagPolicy
              ) -> tuple[str, ...]:
    """The genres to write under `policy` (fill-empty only reaches here for empty files)."""
    return _unique(old + new) if policy == TagPolicy.MERGE else new


def _plan_row(track: Track, source: _Source | str, options: TagOptions) -> PlanRow:
    """The plan for one track given its candidate genres (or the reason it has none)."""
    old = tuple(track.genres or ())

    def row(action: PlanAction, reason: str, new: tuple[str, ...] | None = None) -> PlanRow:
        return PlanRow(track.id, local(track), track.format, old, new, action, reason,
                       track.size, track.mtime_ns)

    if track.status != TrackStatus.OK:
        return row(PlanAction.SKIP, "file missing" if track.status == TrackStatus.MISSING
                   else f"unreadable: {track.error or 'error'}")
    if not holds_tags(track.format):
        return row(PlanAction.SKIP, f"{track.format} files hold no tags")
    # Before the source: a file fill-empty leaves alone is left alone for that reason, not
    # for a weak or missing prediction it would not have used anyway.
    if options.policy == TagPolicy.FILL_EMPTY and old:
        return row(PlanAction.SKIP, "already has genres (policy fill-empty)")
    if isinstance(source, str):
        return row(PlanAction.SKIP, source)
    candidates = normalised(source.genres, options)
    if not candidates:
        return row(PlanAction.SKIP, "no genre left after mapping and the allowed list")
    new = _combined(old, candidates, options.policy)
    if new == old:
        return row(PlanAction.SKIP, "already has these genres")
    return row(PlanAction.WRITE, source.why, new)


def _selected(session: Session, selection: TagSelection, options: TagOptions
              ) -> tuple[list[Track], dict[int, tuple[str, ...]], dict[int, Prediction]]:
    """The selected tracks, their user labels and their predictions of the bundle."""
    query = select(Track).order_by(Track.root_id.nulls_first(), Track.path)
    if selection.track_ids:
        query = query.where(Track.id.in_(selection.track_ids))
    tracks = list(session.scalars(query))
    if selection.paths:
        prefixes = tuple(p.rstrip(os.sep) + os.sep for p in selection.paths)
        exact = set(selection.paths)
        tracks = [t for t in tracks if (p := local(t)) in exact or p.startswith(prefixes)]
    ids = [t.id for t in tracks]
    labels = {row.track_id: tuple(row.genres) for row in session.scalars(
        select(UserLabel).where(UserLabel.track_id.in_(ids)))}
    predictions = {p.track_id: p for p in session.scalars(
        select(Prediction).where(Prediction.bundle == options.bundle,
                                 Prediction.track_id.in_(ids)))}
    if selection.genre:
        wanted = selection.genre

        def chosen(track: Track) -> bool:
            genres = labels.get(track.id) or (
                predictions[track.id].top_genres if track.id in predictions else ())
            return any(same_genre(g, wanted) for g in genres)  # any spelling

        tracks = [t for t in tracks if chosen(t)]
    return tracks, labels, predictions


def plan_tags(session: Session, options: TagOptions,
              selection: TagSelection = TagSelection()) -> list[PlanRow]:
    """Per selected track, the genres to write (or why not), by path. Touches no file."""
    tracks, labels, predictions = _selected(session, selection, options)
    albums = _album_sources(tracks, predictions, options) if options.album_consistent else {}
    rows = []
    for track in tracks:
        source: _Source | str
        if track.id in labels:
            source = _Source(labels[track.id], "user label")
        elif (key := _album_key(track)) in albums and not (
                track.id in predictions and predictions[track.id].not_music):
            source = albums[key]
        else:
            source = _predicted(predictions.get(track.id), options)
        rows.append(_plan_row(track, source, options))
    return skip_outside(rows, library_roots(session))
