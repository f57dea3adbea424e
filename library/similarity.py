"""Tracks that sound alike: the stored embeddings of one backbone as one matrix, cosine
nearest neighbours, and the tracks that are the same audio as a query (left out).

The matrix is read in bulk (one SELECT of the raw float16 blobs, no ORM objects): at 100,000
tracks loading it and answering a query are measured by bench/similar.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from library.convert import track_record
from library.models import Embedding, Prediction, Track, UserLabel
from library.records import TrackRecord, TrackStatus

CHUNK_ROWS = 16384  # float16 rows turned into float32 at a time: bounds the query's memory


@dataclass(frozen=True)
class EmbeddingMatrix:
    """Every track's vector of one backbone: ids (int64) and rows (float16, unit length)."""

    backbone: str
    track_ids: np.ndarray
    vectors: np.ndarray

    @property
    def nbytes(self) -> int:
        """What the index holds in memory."""
        return int(self.track_ids.nbytes + self.vectors.nbytes)


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (a zero row stays zero), as float32."""
    rows = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return rows / np.where(norms > 0, norms, 1.0)


def embedding_backbone(session: Session, track_id: int) -> str | None:
    """The backbone of the track's newest embedding (None: never classified with one)."""
    return session.scalar(select(Embedding.backbone).where(Embedding.track_id == track_id)
                          .order_by(Embedding.created_at.desc(), Embedding.id.desc()).limit(1))


def embedding_matrix(session: Session, backbone: str, dim: int | None = None) -> EmbeddingMatrix:
    """All vectors of `backbone` (of length `dim` if given), normalised, in track-id order."""
    query = select(Embedding.track_id, Embedding.vector).where(Embedding.backbone == backbone)
    if dim is not None:
        query = query.where(Embedding.dim == dim)
    rows = session.execute(query.order_by(Embedding.track_id)).all()
    if not rows:
        return EmbeddingMatrix(backbone, np.zeros(0, np.int64), np.zeros((0, dim or 0), "<f2"))
    ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    flat = np.frombuffer(bytearray().join(r[1] for r in rows), dtype="<f2")  # writable
    vectors = flat.reshape(len(rows), -1)
    for start in range(0, len(vectors), CHUNK_ROWS):  # normalised once, kept in float16
        vectors[start:start + CHUNK_ROWS] = unit_rows(vectors[start:start + CHUNK_ROWS])
    return EmbeddingMatrix(backbone, ids, vectors)


def cosine_to(matrix: EmbeddingMatrix, query: Sequence[float] | np.ndarray) -> np.ndarray:
    """Cosine similarity of every row to `query`, as float32."""
    q = unit_rows(np.asarray(query, dtype=np.float32))
    out = np.empty(len(matrix.vectors), dtype=np.float32)
    for start in range(0, len(out), CHUNK_ROWS):
        chunk = matrix.vectors[start:start + CHUNK_ROWS].astype(np.float32)
        out[start:start + CHUNK_ROWS] = chunk @ q
    return out


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


def same_audio_ids(session: Session, track_id: int) -> set[int]:
    """The track and every track holding the same audio: a byte copy (same size and head
    hash) or a file whose prediction was made from the same audio fingerprint."""
    track = session.get(Track, track_id)
    same = {track_id}
    if track is None:
        return same
    if track.head_hash:
        same.update(session.scalars(select(Track.id).where(
            Track.head_hash == track.head_hash, Track.size == track.size)))
    hashes = select(Prediction.audio_hash).where(Prediction.track_id == track_id,
                                                 Prediction.audio_hash.is_not(None))
    same.update(session.scalars(select(Prediction.track_id).where(
        Prediction.audio_hash.in_(hashes))))
    return same


@dataclass(frozen=True)
class Candidate:
    """A track near the query: its record, the user's label, `bundle`'s prediction."""

    track: TrackRecord
    user_genres: tuple[str, ...]
    probabilities: dict[str, float]  # empty: no prediction of the bundle
    top_genres: tuple[str, ...]
    not_music: bool


def candidates(session: Session, track_ids: Sequence[int], bundle: str) -> dict[int, Candidate]:
    """The tracks of `track_ids` (a few hundred at most) that are readable (status ok)."""
    found: dict[int, Candidate] = {}
    for start in range(0, len(track_ids), 500):  # SQLite caps bound parameters
        chunk = list(track_ids[start:start + 500])
        rows = session.execute(
            select(Track, UserLabel.genres, Prediction.probabilities, Prediction.top_genres,
                   Prediction.not_music)
            .outerjoin(UserLabel, UserLabel.track_id == Track.id)
            .outerjoin(Prediction, and_(Prediction.track_id == Track.id,
                                        Prediction.bundle == bundle))
            .where(Track.id.in_(chunk), Track.status == TrackStatus.OK)).all()
        for track, label, probs, top, not_music in rows:
            found[track.id] = Candidate(track_record(track), tuple(label or ()),
                                        dict(probs or {}), tuple(top or ()), bool(not_music))
    return found


def bhattacharyya(a: dict[str, float], b: dict[str, float]) -> float:
    """Overlap of two genre distributions (each normalised to sum 1): 1 same, 0 disjoint."""
    sa, sb = sum(a.values()), sum(b.values())
    if sa <= 0 or sb <= 0:
        return 0.0
    return float(sum(np.sqrt(a[k] / sa * b.get(k, 0.0) / sb) for k in a))


