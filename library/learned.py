"""The review learner's side of the library: what it learns from (stored embeddings, the
default model's probabilities, the user's labels and the files' genre tags, per track) and its
predictions, stored under a bundle of their own so the default's rows stay as they are."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sqlalchemy import and_, delete, func, select
from sqlalchemy.orm import Session

from library.dialect import genre_list, json_text, upsert
from library.genre_names import DEFAULT_LABELS_BUNDLE, canonical_genre, genre_key, one_spelling
from library.models import Embedding, Prediction, Track, UserLabel, utcnow
from library.records import TrackStatus

LEARNED_BUNDLE = "learned"  # the learner's predictions: a source of their own, never "broad"
EMBEDDING_BACKBONE = "broad"  # what the default bundle stores per track (workflows/learn.py)
EMBEDDING_DIM = 200
ANCHOR_WIDTH = 32  # anchor columns allocated at first (the default's 16 labels; grows if more)


@dataclass(frozen=True)
class LearnerInputs:
    """Every readable track with a stored embedding, as arrays in one order (row i)."""

    track_ids: np.ndarray  # (n,) int64
    vectors: np.ndarray  # (n, d) float32
    anchor_labels: tuple[str, ...]  # the default model's genres (columns of `anchor`)
    anchor: np.ndarray  # (n, L) its probabilities; a zero row: never classified
    not_music: np.ndarray  # (n,) bool: the music gate's verdict, kept
    user: tuple[str | None, ...]  # the user's label (first genre, canonical spelling)
    tags: tuple[str | None, ...]  # the file's own genre tag (first genre, canonical)
    albums: tuple[str, ...]  # "album artist|album" case-folded; "" unknown
    artists: tuple[str, ...]  # case-folded; "" unknown
    files: tuple[tuple[int, int, str | None], ...]  # the anchor's (size, mtime_ns, audio_hash)


@dataclass(frozen=True)
class LearnedWrite:
    """One learned prediction to store."""

    track_id: int
    probabilities: dict[str, float]
    top_genres: tuple[str, ...]
    confidence: float
    uncertain: bool
    not_music: bool
    reason: str


@lru_cache(maxsize=4096)  # per distinct genre list: a library shares a few hundred
def _first(genres: tuple[str, ...]) -> str | None:
    found = next((g for g in genres if g and genre_key(g)), None)
    return canonical_genre(found) if found else None


def _group(album: str | None, who: str | None) -> str:
    return f"{(who or '').casefold()}|{album.casefold()}" if album else ""


# The tracks the learner knows: readable, with the default's stored embedding.
_WITH_VECTOR = and_(Embedding.track_id == Track.id, Embedding.backbone == EMBEDDING_BACKBONE)
_READABLE = (Track.status == TrackStatus.OK, Embedding.dim == EMBEDDING_DIM)


def learner_inputs(session: Session, anchor_bundle: str = DEFAULT_LABELS_BUNDLE
                   ) -> LearnerInputs:
    """What the learner reads, in one query (no query per track), streamed row by row into
    arrays: at 100,000 tracks holding every row as an ORM row with its decoded JSON first
    took 440 MB at its peak."""
    count = session.scalar(select(func.count()).select_from(Track)
                           .join(Embedding, _WITH_VECTOR).where(*_READABLE)) or 0
    rows = session.connection().execute(
        select(Track.id, json_text(Track.genres), Track.artist, Track.album,
               Track.album_artist, Embedding.vector, json_text(Prediction.probabilities),
               Prediction.not_music, Prediction.track_size, Prediction.track_mtime_ns,
               Prediction.audio_hash, json_text(UserLabel.genres))
        .join(Embedding, _WITH_VECTOR)
        .outerjoin(Prediction, and_(Prediction.track_id == Track.id,
                                    Prediction.bundle == anchor_bundle))
        .outerjoin(UserLabel, UserLabel.track_id == Track.id)
        .where(*_READABLE)
        .order_by(Track.id))
    column: dict[str, int] = {}  # the anchor's genres, in the order first seen
    anchor = np.zeros((count, ANCHOR_WIDTH), dtype=np.float32)
    ids: list[int] = []
    blobs: list[bytes] = []
    not_music: list[bool] = []
    user: list[str | None] = []
    tags: list[str | None] = []
    albums: list[str] = []
    artists: list[str] = []
    files: list[tuple[int, int, str | None]] = []
    for i, (tid, tag_json, artist, album, album_artist, vector, shares, gate, size, mtime,
            audio_hash, user_json) in enumerate(rows):
        if i == len(anchor):  # tracks added since the count
            anchor = np.concatenate([anchor, np.zeros_like(anchor[:1])])
        for genre, p in (json.loads(shares) if shares else {}).items():
            at = column.setdefault(genre, len(column))
            if at == anchor.shape[1]:
                anchor = np.concatenate([anchor, np.zeros_like(anchor)], axis=1)
            anchor[i, at] = p
        ids.append(tid)
        blobs.append(vector)
        not_music.append(bool(gate))
        user.append(_first(genre_list(user_json)))
        tags.append(_first(genre_list(tag_json)))
        albums.append(_group(album, album_artist or artist))
        artists.append((artist or "").casefold())
        files.append((size or 0, mtime or 0, audio_hash))
    # one spelling per genre the library has: "chamber" and "Chamber" teach one genre
    shown = one_spelling(g for g in (*user, *tags) if g)
    user = [shown[genre_key(g)] if g else None for g in user]
    tags = [shown[genre_key(g)] if g else None for g in tags]
    vectors = np.frombuffer(b"".join(blobs), dtype="<f2")
    return LearnerInputs(
        track_ids=np.asarray(ids, dtype=np.int64),
        vectors=vectors.reshape(len(ids), EMBEDDING_DIM).astype(np.float32),
        anchor_labels=tuple(column), anchor=anchor[:len(ids), :len(column)].copy(),
        not_music=np.asarray(not_music, dtype=bool), user=tuple(user), tags=tuple(tags),
        albums=tuple(albums), artists=tuple(artists), files=tuple(files))


def askable_count(session: Session, anchor_bundle: str = DEFAULT_LABELS_BUNDLE) -> int:
    """How many tracks the review queue would ask about, counted in SQL: readable, with a
    stored embedding, classified by the default, not vetoed by the music gate, not labelled
    by the user (workflows.review_learner.queue_items' rule). Milliseconds at 100,000 tracks,
    where building the queue itself takes tens of seconds."""
    query = (select(func.count()).select_from(Track)
             .join(Embedding, _WITH_VECTOR)
             .join(Prediction, and_(Prediction.track_id == Track.id,
                                    Prediction.bundle == anchor_bundle))
             .outerjoin(UserLabel, UserLabel.track_id == Track.id)
             .where(*_READABLE, Prediction.not_music.is_(False), UserLabel.track_id.is_(None)))
    return int(session.scalar(query) or 0)


def stored_learned(session: Session) -> dict[int, tuple[object, ...]]:
    """The learned predictions stored now: track id -> what a rewrite would compare."""
    rows = session.execute(select(Prediction.track_id, Prediction.top_genres,
                                  Prediction.confidence, Prediction.uncertain, Prediction.reason)
                           .where(Prediction.bundle == LEARNED_BUNDLE))
    return {r[0]: _compared(tuple(r[1]), r[2], bool(r[3]), r[4] or "") for r in rows}


def _compared(top: tuple[str, ...], confidence: float, uncertain: bool, reason: str
              ) -> tuple[object, ...]:
    # a change below 0.5 % confidence is not worth a row write (nor a row event)
    return tuple(top), round(float(confidence), 2), uncertain, reason


def store_learned(session: Session, writes: Iterable[LearnedWrite], version: str,
                  files: dict[int, tuple[int, int, str | None]]) -> list[int]:
    """Replace the learned predictions by `writes` (tracks not in it lose theirs); returns the
    ids of the tracks whose learned prediction changed. The caller commits."""
    before = stored_learned(session)
    writes = list(writes)
    keep = {w.track_id for w in writes}
    changed = [w for w in writes if before.get(w.track_id) != _compared(
        w.top_genres, w.confidence, w.uncertain, w.reason)]
    gone = [tid for tid in before if tid not in keep]
    now = utcnow()
    values: list[dict[str, object]] = [
        {"track_id": w.track_id, "bundle": LEARNED_BUNDLE, "bundle_version": version,
         "probabilities": w.probabilities, "top_genres": list(w.top_genres),
         "confidence": w.confidence, "uncertain": w.uncertain, "not_music": w.not_music,
         "clip_probabilities": [], "clip_starts": [], "track_size": files[w.track_id][0],
         "track_mtime_ns": files[w.track_id][1], "audio_hash": files[w.track_id][2],
         "created_at": now, "reason": w.reason} for w in changed]
    upsert(session, Prediction, ["track_id", "bundle"], values)
    for start in range(0, len(gone), 500):  # SQLite caps bound parameters
        session.execute(delete(Prediction).where(Prediction.bundle == LEARNED_BUNDLE,
                                                 Prediction.track_id.in_(gone[start:start + 500])))
    return [w.track_id for w in changed] + gone


def forget_learned(session: Session) -> int:
    """Remove every learned prediction (the default's show again); returns how many."""
    result = session.execute(delete(Prediction).where(Prediction.bundle == LEARNED_BUNDLE))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
