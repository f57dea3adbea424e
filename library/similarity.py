"""Tracks that sound alike: the stored embeddings of one backbone as one matrix, cosine
nearest neighbours, and the tracks that are the same audio as a query (left out).

The matrix is read in bulk (one SELECT of the raw float16 blobs, no ORM objects): at 100,000
tracks loading it and answering a query are measured by bench/similar.py.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from library.convert import track_record
from library.models import Embedding, Prediction, Track, UserLabel
from library.records import TrackRecord, TrackStatus


@dataclass(frozen=True)
class EmbeddingMatrix:
    """Every track's vector of one backbone: ids (int64) and rows (float32, unit length: 80 MB
    at 100,000 x 200, against 40 MB in float16, for a query 5x faster; bench/similar.py)."""

    backbone: str
    track_ids: np.ndarray
    vectors: np.ndarray

    @property
    def nbytes(self) -> int:
        """What the index holds in memory."""
        return int(self.track_ids.nbytes + self.vectors.nbytes)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero), as float32."""
    rows = np.array(vectors, dtype=np.float32)  # a copy: scaled in place below
    norms = np.sqrt(np.einsum("...i,...i->...", rows, rows))[..., None]
    rows /= np.where(norms > 0, norms, 1.0)
    return rows


def embedding_backbone(session: Session, track_id: int) -> str | None:
    """The backbone of the track's newest embedding (None: never classified with one)."""
    return session.scalar(select(Embedding.backbone).where(Embedding.track_id == track_id)
                          .order_by(Embedding.created_at.desc(), Embedding.id.desc()).limit(1))


def newest_backbone(session: Session) -> tuple[str, int] | None:
    """The backbone and length of the library's newest embedding (None: none stored)."""
    row = session.execute(select(Embedding.backbone, Embedding.dim)
                          .order_by(Embedding.id.desc()).limit(1)).first()
    return (row[0], row[1]) if row is not None else None


CHUNK_ROWS = 8192  # rows converted to float32 at a time while the matrix loads
VectorRow = tuple[int, bytes | memoryview]  # bytes from SQLite, memoryview from a server


def _vector_chunks(session: Session, backbone: str, dim: int) -> Iterator[list[VectorRow]]:
    """(track id, vector bytes) of every `backbone` embedding of length `dim`, by track id,
    `CHUNK_ROWS` at a time, straight from the driver's cursor: at 100,000 rows SQLAlchemy's
    row objects cost more than the read, and all the rows at once would double the memory."""
    query = select(Embedding.track_id, Embedding.vector).where(Embedding.backbone == backbone,
                                                               Embedding.dim == dim)
    sql = str(query.order_by(Embedding.track_id).compile(
        dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}))
    cursor = session.connection().connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql)
        while part := cursor.fetchmany(CHUNK_ROWS):
            yield part
    finally:
        cursor.close()


MatrixKey = tuple[str, str, int, object]  # library, backbone, dim, what the rows are now
_matrices: dict[tuple[str, str, int], tuple[MatrixKey, EmbeddingMatrix]] = {}
_matrices_lock = threading.Lock()


def _state(session: Session, backbone: str, dim: int) -> object:
    """What changes whenever a vector of `backbone` is added, replaced or deleted."""
    return tuple(session.execute(
        select(func.count(), func.max(Embedding.id), func.max(Embedding.created_at))
        .where(Embedding.backbone == backbone, Embedding.dim == dim)).one())


def cached_matrix(session: Session, backbone: str, dim: int) -> EmbeddingMatrix:
    """embedding_matrix, kept per library and backbone in this process while the stored
    vectors stay as they were (the app asks again at each selection: one read, not one a
    query; bench/similar.py has the figures)."""
    place = (str(session.connection().engine.url), backbone, dim)
    key = (*place, _state(session, backbone, dim))
    with _matrices_lock:
        held = _matrices.get(place)
    if held is not None and held[0] == key:
        return held[1]
    matrix = embedding_matrix(session, backbone, dim)
    with _matrices_lock:
        _matrices[place] = (key, matrix)  # one per place: the old one goes
    return matrix


def embedding_matrix(session: Session, backbone: str, dim: int) -> EmbeddingMatrix:
    """All vectors of `backbone` of length `dim`, normalised, in track-id order."""
    room = session.scalar(select(func.count()).where(Embedding.backbone == backbone)) or 0
    ids = np.empty(room, dtype=np.int64)  # every dim's count (an index has it): enough room
    vectors = np.empty((room, dim), dtype=np.float32)
    filled = 0
    for part in _vector_chunks(session, backbone, dim):
        if filled + len(part) > len(ids):  # a writer added some since the count
            ids = np.resize(ids, filled + len(part))
            vectors = np.resize(vectors, (filled + len(part), dim))
        ids[filled:filled + len(part)] = [r[0] for r in part]
        flat = np.frombuffer(b"".join(r[1] for r in part), dtype="<f2")
        vectors[filled:filled + len(part)] = unit_rows(flat.reshape(len(part), dim))
        filled += len(part)
    return EmbeddingMatrix(backbone, ids[:filled], vectors[:filled])


def cosine_to(matrix: EmbeddingMatrix, query: Sequence[float] | np.ndarray) -> np.ndarray:
    """Cosine similarity of every row to `query`, as float32."""
    return matrix.vectors @ unit_rows(np.asarray(query, dtype=np.float32))


def nearest(matrix: EmbeddingMatrix, query: Sequence[float] | np.ndarray, count: int,
            leave_out: set[int]) -> list[tuple[int, float]]:
    """The `count` most similar (track id, cosine), best first, without `leave_out`."""
    sims = cosine_to(matrix, query)
    if leave_out:
        sims[np.isin(matrix.track_ids, np.fromiter(leave_out, np.int64))] = -np.inf
    count = min(count, int(np.isfinite(sims).sum()))
    if count <= 0:
        return []
    top = np.argpartition(-sims, count - 1)[:count]
    top = top[np.argsort(-sims[top], kind="stable")]
    return [(int(matrix.track_ids[i]), float(sims[i])) for i in top]


def byte_copies(session: Session, track_id: int) -> set[int]:
    """The track and its byte copies (same size and head hash: both indexed, one look-up);
    copies with other tags show by their audio fingerprint (Candidate.audio_hash)."""
    track = session.get(Track, track_id)
    if track is None or not track.head_hash:
        return {track_id}
    return {track_id, *session.scalars(select(Track.id).where(
        Track.head_hash == track.head_hash, Track.size == track.size))}


@dataclass(frozen=True)
class Candidate:
    """A track near the query: its record, the user's label, `bundle`'s prediction."""

    track: TrackRecord
    user_genres: tuple[str, ...]
    probabilities: dict[str, float]  # empty: no prediction of the bundle
    top_genres: tuple[str, ...]
    not_music: bool
    audio_hash: str | None = None  # what the prediction was made from (None: unknown)


def candidates(session: Session, track_ids: Sequence[int], bundle: str) -> dict[int, Candidate]:
    """The tracks of `track_ids` (a few hundred at most) that are readable (status ok)."""
    found: dict[int, Candidate] = {}
    for start in range(0, len(track_ids), 500):  # SQLite caps bound parameters
        chunk = list(track_ids[start:start + 500])
        rows = session.execute(
            select(Track, UserLabel.genres, Prediction.probabilities, Prediction.top_genres,
                   Prediction.not_music, Prediction.audio_hash)
            .outerjoin(UserLabel, UserLabel.track_id == Track.id)
            .outerjoin(Prediction, and_(Prediction.track_id == Track.id,
                                        Prediction.bundle == bundle))
            .where(Track.id.in_(chunk), Track.status == TrackStatus.OK)).all()
        for track, label, probs, top, not_music, audio_hash in rows:
            found[track.id] = Candidate(track_record(track), tuple(label or ()),
                                        dict(probs or {}), tuple(top or ()), bool(not_music),
                                        audio_hash)
    return found


def bhattacharyya(a: dict[str, float], b: dict[str, float]) -> float:
    """Overlap of two genre distributions (each normalised to sum 1): 1 same, 0 disjoint."""
    sa, sb = sum(a.values()), sum(b.values())
    if sa <= 0 or sb <= 0:
        return 0.0
    return float(sum(np.sqrt(a[k] / sa * b.get(k, 0.0) / sb) for k in a))


