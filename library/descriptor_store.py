"""Hand-crafted descriptors cached in the `embeddings` table, beside the backbone's vectors.

Rows use the table as it is: `backbone` names the descriptor version ("descriptors-v1" for the
whole-track vector, "descriptors-v1/clips" for one row per 3 s clip), `dim` is the row width
(57) and `vector` the rows' little-endian **float32** bytes, one row after another. float16 (the
backbone embeddings' type) would round a spectral roll-off variance of ~1e6 to ±512 and flush
an RMS variance of ~1e-5 towards zero, so descriptors keep float32.
"""

from __future__ import annotations

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from library.models import Embedding, utcnow

TRACK_VERSION = "descriptors-v1"  # must equal classifier.descriptors.VERSION
_DTYPE = np.dtype("<f4")


class DescriptorStoreError(ValueError):
    """A stored blob that does not hold whole rows of the stated width."""


def pack(rows: np.ndarray) -> tuple[int, bytes]:
    """(row width, little-endian float32 bytes) of a vector (D,) or a matrix (N, D)."""
    matrix = np.atleast_2d(np.asarray(rows))
    return int(matrix.shape[1]), matrix.astype(_DTYPE).tobytes()


def unpack(blob: bytes, dim: int) -> np.ndarray:
    """The (N, dim) float32 rows of a packed blob."""
    if dim <= 0 or len(blob) % (dim * _DTYPE.itemsize):
        raise DescriptorStoreError(f"{len(blob)} bytes are not whole rows of {dim} float32")
    return np.frombuffer(blob, dtype=_DTYPE).reshape(-1, dim).astype(np.float32)


def save_descriptors(session: Session, track_id: int, rows: np.ndarray,
                     version: str = TRACK_VERSION) -> None:
    """Insert or replace a track's descriptors under `version` (the caller commits)."""
    dim, blob = pack(rows)
    stored = session.scalars(select(Embedding).where(
        Embedding.track_id == track_id, Embedding.backbone == version)).one_or_none()
    if stored is None:
        session.add(Embedding(track_id=track_id, backbone=version, dim=dim, vector=blob))
    else:  # a new computation: its time is what load_fresh_descriptors compares with the file
        stored.dim, stored.vector, stored.created_at = dim, blob, utcnow()


def load_fresh_descriptors(session: Session, track_id: int, version: str,
                           file_mtime_ns: int) -> np.ndarray | None:
    """Cached rows computed after the file's last modification, else None (recompute them).

    The table holds no file identity, so a row older than the file's mtime is taken to
    describe audio that has since changed.
    """
    stored = session.scalars(select(Embedding).where(
        Embedding.track_id == track_id, Embedding.backbone == version)).one_or_none()
    if stored is None or stored.created_at.timestamp() * 1e9 <= file_mtime_ns:
        return None
    return unpack(stored.vector, stored.dim)
