"""Genre predictions and embeddings in the library: what needs predicting, store, query."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import and_, func, select, update
from sqlalchemy.orm import Session

from library.dialect import upsert
from library.models import Embedding, Prediction, Track, utcnow
from library.records import (
    BundleKey,
    EmbeddingRecord,
    PredictionWrite,
    TrackStatus,
    TrackToClassify,
)
from library.roots import RootInfo, local_paths, not_found_here, portable
from library.tags import (
    TagError,
    audio_payload_hash,
    preferred_decoder,
    sniff,
    header_audio_identity,
)

# (size, mtime_ns) of a file now, or None when it is gone.
StatFunction = Callable[[str], tuple[int, int] | None]


def stat_on_disk(path: str) -> tuple[int, int] | None:
    """The file's (size, mtime_ns) as it is now, None if it cannot be stat'ed."""
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def is_under(path: str, roots: Sequence[str]) -> bool:
    """True if `path` is one of `roots` or inside one of them."""
    return any(path == root or path.startswith(root.rstrip(os.sep) + os.sep) for root in roots)


def made_by_other_model(in_use: BundleKey, bundle: str | None, version: str | None) -> bool:
    """Whether a prediction by `bundle` at `version` is not the model in use's: another
    bundle, or another version of it (its old genres show until it is classified again)."""
    return bundle != in_use.name or version != in_use.version


def file_changed_since(predicted_for: tuple[int | None, int | None],
                       file_now: tuple[int, int]) -> bool:
    """Whether the file's (size, mtime_ns) differ from those the prediction was made for."""
    return predicted_for != file_now


def needs_prediction(in_use: BundleKey, bundle: str | None, version: str | None,
                     predicted_for: tuple[int | None, int | None],
                     file_now: tuple[int, int]) -> bool:
    """The one rule for "to classify", for classify and the app's rows alike: no prediction
    of the model in use (`bundle` None), one by another version, or the file changed since."""
    return (bundle is None or made_by_other_model(in_use, bundle, version)
            or file_changed_since(predicted_for, file_now))


def tracks_needing_prediction(
    session: Session,
    bundle_name: str,
    bundle_version: str,
    paths: Iterable[str | os.PathLike[str]] | None = None,
    force: bool = False,
    current_stat: StatFunction | None = None,
) -> list[TrackToClassify]:
    """Tracks (status ok) without a current prediction of this bundle, by id.

    Current is as needs_prediction says, against the tracks row's size/mtime and, if
    `current_stat` is given, the disk's too; then tracks of a root not found on this machine
    are left out (away, not broken: see away_tracks). `paths` limits the search to these
    files and folders; `force` returns them all.
    """
    in_use = BundleKey(bundle_name, bundle_version)
    rows = session.execute(
        select(
            Track.id,
            Track.root_id,
            Track.path,
            Track.size,
            Track.mtime_ns,
            Track.format,
            Prediction.bundle,
            Prediction.bundle_version,
            Prediction.track_size,
            Prediction.track_mtime_ns,
        )
        .outerjoin(
            Prediction, and_(Prediction.track_id == Track.id, Prediction.bundle == bundle_name)
        )
        .where(Track.status == TrackStatus.OK)
        .order_by(Track.id)
    ).all()
    roots = None if paths is None else [os.path.abspath(os.fspath(p)) for p in paths]
    todo = []
    mounts = local_paths(session)
    away = not_found_here(mounts) if current_stat is not None else {}
    for track_id, root_id, stored, size, mtime_ns, fmt, bundle, version, pred_size, pred_mtime \
            in rows:
        if root_id in away:
            continue
        path = mounts.local(root_id, stored)
        if roots is not None and not is_under(path, roots):
            continue
        predicted = (pred_size, pred_mtime)
        stale = force or needs_prediction(in_use, bundle, version, predicted, (size, mtime_ns))
        if not stale and current_stat is not None:
            now = current_stat(path)
            stale = now is None or now != predicted  # gone files fail loudly in decoding
        if stale:
            todo.append(TrackToClassify(track_id, path, size, mtime_ns, preferred_decoder(fmt),
                                        portable(mounts, root_id, stored)))
    return todo


def away_tracks(session: Session) -> list[tuple[RootInfo, int]]:
    """Roots not found on this machine with how many readable tracks they hold: what
    tracks_needing_prediction leaves out, for the caller to say so once."""
    away = not_found_here(local_paths(session))
    if not away:
        return []
    counts = session.execute(
        select(Track.root_id, func.count())
        .where(Track.root_id.in_(away), Track.status == TrackStatus.OK)
        .group_by(Track.root_id)).all()
    return [(away[root_id], int(n)) for root_id, n in counts if root_id is not None]


def carry_predictions(session: Session, track_id: int, before: tuple[int, int],
                      after: tuple[int, int]) -> int:
    """Keep a track's predictions current across a change that left its audio as it was.

    Predictions describe the audio, not the file: a tag write (or undo) whose audio payload
    the writer verified unchanged moves the (size, mtime_ns) of every prediction made for
    the file as it was `before` to the file as it is `after`. Returns how many moved.
    """
    result = session.execute(
        update(Prediction)
        .where(Prediction.track_id == track_id, Prediction.track_size == before[0],
               Prediction.track_mtime_ns == before[1])
        .values(track_size=after[0], track_mtime_ns=after[1])
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


FLAC_MD5 = "flac-md5:"  # fingerprints from FLAC's own MD5 of the samples carry this prefix


def audio_fingerprint(path: str, size: int, mtime_ns: int, whole_payload: bool = False
                      ) -> str | None:
    """What identifies the file's audio, if it is still the file of (size, mtime_ns); None
    when that cannot be told (gone, changed meanwhile, unknown format).

    FLAC files whose encoder stored the MD5 of the decoded samples are known by it (one
    header read: hashing a 14 MB payload cost 10 ms a track in classify, #16); others, and
    `whole_payload`, by the sha256 of the audio payload, as predictions stored before."""
    try:
        if stat_on_disk(path) != (size, mtime_ns) or (fmt := sniff(path)) is None:
            return None
        md5 = None if whole_payload else header_audio_identity(path, fmt)
        digest = FLAC_MD5 + md5 if md5 else audio_payload_hash(path, fmt)
    except (OSError, TagError):
        return None
    return digest if stat_on_disk(path) == (size, mtime_ns) else None


def same_audio_updates(session: Session, track_id: int, path: str, now: tuple[int, int]
                       ) -> list[dict[str, object]]:
    """Updates that keep a changed file's predictions current when its audio is the one they
    were made from (only the tags changed); for the caller's bulk update(Prediction)."""
    known = session.execute(
        select(Prediction.id, Prediction.audio_hash)
        .where(Prediction.track_id == track_id, Prediction.audio_hash.is_not(None))
    ).all()
    if not known:
        return []  # nothing to keep: no need to read the file
    digest = audio_fingerprint(path, *now)
    digests = {digest} - {None}
    if digest and digest.startswith(FLAC_MD5) and any(
            not str(h).startswith(FLAC_MD5) for _, h in known):  # stored as the payload's sha256
        digests.add(audio_fingerprint(path, *now, whole_payload=True))
    return [{"id": pid, "track_size": now[0], "track_mtime_ns": now[1]}
            for pid, audio_hash in known if audio_hash in digests]


def _prediction_values(write: PredictionWrite) -> dict[str, object]:
    p = write.prediction
    return {
        "track_id": p.track_id,
        "bundle": p.bundle,
        "bundle_version": p.bundle_version,
        "probabilities": dict(p.probabilities),
        "top_genres": list(p.top_genres),
        "confidence": float(p.confidence),
        "uncertain": bool(p.uncertain),
        "not_music": bool(p.not_music),
        "clip_probabilities": [list(row) for row in p.clip_probabilities],
        "clip_starts": list(p.clip_starts),
        "track_size": write.track_size,
        "track_mtime_ns": write.track_mtime_ns,
        "audio_hash": write.audio_hash,
        "created_at": p.created_at or utcnow(),
    }


def store_predictions(session: Session, writes: Sequence[PredictionWrite]) -> None:
    """Insert or replace predictions (and embeddings) of a batch; the caller commits."""
    upsert(session, Prediction, ["track_id", "bundle"], [_prediction_values(w) for w in writes])
    embeddings = [w.embedding for w in writes if w.embedding is not None]
    import numpy as np  # here: scan, list and the other model-free commands never need it

    upsert(
        session,
        Embedding,
        ["track_id", "backbone"],
        [
            {
                "track_id": e.track_id,
                "backbone": e.backbone,
                "dim": len(e.vector),
                "vector": np.asarray(e.vector, dtype="<f2").tobytes(),
                "created_at": e.created_at or utcnow(),
            }
            for e in embeddings
        ],
    )


def embedding_for_track(session: Session, track_id: int, backbone: str) -> EmbeddingRecord | None:
    """A track's embedding from `backbone`, as float values, or None."""
    row = session.scalar(
        select(Embedding).where(Embedding.track_id == track_id, Embedding.backbone == backbone)
    )
    if row is None:
        return None
    import numpy as np  # here, as in store_predictions: not at start-up

    vector = np.frombuffer(row.vector, dtype="<f2").astype(np.float32)
    return EmbeddingRecord(row.track_id, row.backbone, tuple(vector.tolist()), row.created_at)
