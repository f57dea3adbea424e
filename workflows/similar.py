""""More like this": the tracks nearest to one track, for `similar`, `playlist --similar`
and the details pane.

Nearness is the cosine of the embeddings classify stored (the broad bundle's musicnn-msd
mean over clips), re-ranked by the genre probabilities the same bundle stored: the
`RERANK_POOL` nearest by cosine are ordered by (1 - w) * cosine + w * the overlap of the two
tracks' genre distributions. bench/similar_quality.py measured it on training material
(docs/models.md, "More like this"): 0.63 of the 10 nearest share the query's genre against
0.60 for plain cosine, w chosen on grouped folds. The query itself and every track holding
the same audio (a byte copy, a re-tagged copy) are left out.
"""

from __future__ import annotations

from collections.abc import Generator

from sqlalchemy.orm import Session, sessionmaker

from library import repository
from library.folders import list_folders
from library.predictions import embedding_for_track
from library.records import TrackRecord, display_path
from library.similarity import (
    Candidate,
    bhattacharyya,
    candidates,
    embedding_backbone,
    cached_matrix,
    nearest,
    newest_backbone,
    byte_copies,
)
from workflows.events import Event, NoSimilar, Problem, SimilarFound, SimilarTrack

DEFAULT_COUNT = 10
RERANK_POOL = 100  # cosine's nearest that the genre overlap re-orders
PROBABILITY_WEIGHT = 0.75  # w: chosen out of fold by bench/similar_quality.py


def _shown(c: Candidate, score: float) -> SimilarTrack:
    return SimilarTrack(c.track, round(score, 4), c.user_genres or c.top_genres,
                        c.not_music and not c.user_genres)


def _score(cosine: float, query: Candidate, other: Candidate) -> float:
    """Cosine mixed with the genre overlap when both have the bundle's probabilities."""
    if not query.probabilities or not other.probabilities:
        return cosine
    overlap = bhattacharyya(query.probabilities, other.probabilities)
    return (1 - PROBABILITY_WEIGHT) * cosine + PROBABILITY_WEIGHT * overlap


def _same_audio(query: Candidate, other: Candidate) -> bool:
    return query.audio_hash is not None and other.audio_hash == query.audio_hash


NOT_CLASSIFIED = "not classified yet (no embedding to compare); classify it first"
NOT_IN_LIBRARY = "not in the library (scan its folder first)"


def find_similar(session: Session, track: TrackRecord, count: int = DEFAULT_COUNT
                 ) -> SimilarFound | str:
    """The `count` tracks most like `track`, or why there are none (words, no path)."""
    backbone = embedding_backbone(session, track.id)
    stored = embedding_for_track(session, track.id, backbone) if backbone else None
    if backbone is None or stored is None:
        return NOT_CLASSIFIED
    matrix = cached_matrix(session, backbone, len(stored.vector))
    near = nearest(matrix, stored.vector, max(RERANK_POOL, 2 * count),
                   byte_copies(session, track.id))
    found = candidates(session, [track.id] + [i for i, _ in near], backbone)
    query = found.get(track.id) or Candidate(track, (), {}, (), False)
    # the same audio re-tagged sounds the same: it is among the nearest when it exists
    kept = [(i, cos) for i, cos in near if i in found and not _same_audio(query, found[i])]
    scored = sorted(((_score(cos, query, found[i]), i) for i, cos in kept),
                    key=lambda pair: -pair[0])
    roots = tuple((f.id, f.path) for f in list_folders(session))
    return SimilarFound(_shown(query, 1.0),
                        tuple(_shown(found[i], s) for s, i in scored[:count]), roots)


def similar_tracks(sessions: sessionmaker[Session], path: str, count: int = DEFAULT_COUNT
                   ) -> Generator[Event, None, int]:
    """Yield SimilarFound for the track at `path` (normalised), or a Problem; return the
    exit status: 0 found, 1 not in the library or not classified."""
    with sessions() as session:
        track = repository.get_track_by_path(session, path)
        if track is None:
            yield Problem(f"error: {display_path(path)}: {NOT_IN_LIBRARY}")
            return 1
        result = find_similar(session, track, count)
    if isinstance(result, str):
        yield Problem(f"error: {display_path(track.path)}: {result} (genrelens classify PATH)")
        return 1
    yield result
    return 0


def similar_for_pane(sessions: sessionmaker[Session], track_id: int,
                     count: int = DEFAULT_COUNT) -> Generator[Event, None, None]:
    """The app's "Similar tracks": SimilarFound, or NoSimilar with the reason in words."""
    with sessions() as session:
        track = repository.get_track(session, track_id)
        result = find_similar(session, track, count) if track is not None else NOT_IN_LIBRARY
    yield NoSimilar(track_id, result) if isinstance(result, str) else result


def warm_index(sessions: sessionmaker[Session]) -> Generator[Event, None, None]:
    """Read the vectors "More like this" compares into this process's kept matrix, so the
    app's first query costs what a repeat one does (at 100,000 tracks the read is most of a
    first query: bench/similar.py). Yields nothing."""
    with sessions() as session:
        if (newest := newest_backbone(session)) is not None:
            cached_matrix(session, *newest)
    yield from ()
