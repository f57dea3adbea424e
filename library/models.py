"""SQLAlchemy 2.0 typed ORM tables. ORM rows never leave library/; records.py does."""

from __future__ import annotations

import os
from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from library.search_text import column_default as search_text_default
from library.records import BatchState, FileState, TrackStatus


# Sizes, nanosecond mtimes and byte offsets exceed 32 bits: BIGINT on PostgreSQL; SQLite's
# INTEGER is 64-bit already and stays what older libraries have.
Int64 = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    """Timezone-aware now, the only clock the schema uses."""
    return datetime.now(timezone.utc)


class FsPath(TypeDecorator[str]):
    """A filesystem path stored as its exact bytes.

    File names need not be UTF-8; os.fsencode/os.fsdecode round-trip them losslessly
    (surrogateescape), which a TEXT column could not.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> bytes | None:
        return None if value is None else os.fsencode(value)

    def process_result_value(self, value: bytes | None, dialect: object) -> str | None:
        return None if value is None else os.fsdecode(value)


class UtcDateTime(TypeDecorator[datetime]):
    """DateTime that always comes back timezone-aware (SQLite drops the zone)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(timezone.utc).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Root(Base):
    """A named top folder that stored paths are relative to (library/roots.py)."""

    __tablename__ = "roots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(FsPath)  # where it was added: every machine's default
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class Folder(Base):
    """A folder the user asked GenreLens to watch: a root or a folder inside one."""

    __tablename__ = "folders"
    __table_args__ = (UniqueConstraint("root_id", "path", name="uq_folders_root_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    root_id: Mapped[int] = mapped_column(ForeignKey("roots.id"))
    path: Mapped[str] = mapped_column(FsPath)  # relative to the root ('' is the root itself)
    added_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_scanned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Track(Base):
    """One audio file as last seen on disk."""

    __tablename__ = "tracks"
    __table_args__ = (UniqueConstraint("root_id", "path", name="uq_tracks_root_path"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int | None] = mapped_column(
        ForeignKey("folders.id", ondelete="SET NULL"), index=True
    )
    # The path relative to its root; absolute when root_id is NULL (outside every root).
    # library.roots turns it into this machine's path: never open `path` directly.
    root_id: Mapped[int | None] = mapped_column(ForeignKey("roots.id"))
    path: Mapped[str] = mapped_column(FsPath)
    size: Mapped[int] = mapped_column(Int64, default=0)
    mtime_ns: Mapped[int] = mapped_column(Int64, default=0)
    # sha1 of the first 64 KiB: with the size, recognises a moved file.
    head_hash: Mapped[str | None] = mapped_column(String(40), index=True)
    format: Mapped[str | None] = mapped_column(String(16))  # container as detected by content
    codec: Mapped[str | None] = mapped_column(String(32))
    duration: Mapped[float | None] = mapped_column(Float)
    sample_rate: Mapped[int | None] = mapped_column(Integer)
    channels: Mapped[int | None] = mapped_column(Integer)
    bitrate: Mapped[int | None] = mapped_column(Integer)
    title: Mapped[str | None] = mapped_column(Text)
    artist: Mapped[str | None] = mapped_column(Text, index=True)
    album: Mapped[str | None] = mapped_column(Text, index=True)
    album_artist: Mapped[str | None] = mapped_column(Text)
    year: Mapped[int | None] = mapped_column(Integer)
    track_number: Mapped[int | None] = mapped_column(Integer)
    genres: Mapped[list[str]] = mapped_column(JSON, default=list)  # as found in the file's tags
    # A TrackStatus; the column holds its text (str, not an Enum type: the schema is unchanged).
    status: Mapped[str] = mapped_column(String(8), default=TrackStatus.OK, index=True)
    error: Mapped[str | None] = mapped_column(Text)
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Artist, title, album and path case-folded, for `list TEXT`/`--artist` (search_text.py).
    search_text: Mapped[str | None] = mapped_column(Text, default=search_text_default)

    predictions: Mapped[list[Prediction]] = relationship(
        back_populates="track", cascade="all, delete-orphan", passive_deletes=True
    )


class Prediction(Base):
    """A bundle's genre prediction for a track, valid for the file as it was then."""

    __tablename__ = "predictions"
    __table_args__ = (UniqueConstraint("track_id", "bundle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    bundle: Mapped[str] = mapped_column(String(64), index=True)
    bundle_version: Mapped[str] = mapped_column(String(32))
    probabilities: Mapped[dict[str, float]] = mapped_column(JSON)  # label -> track probability
    top_genres: Mapped[list[str]] = mapped_column(JSON)  # empty when uncertain
    confidence: Mapped[float] = mapped_column(Float, index=True)
    uncertain: Mapped[bool] = mapped_column(Boolean, default=False)
    # The music gate said this is not music (speech, animals, noise): no genre is named.
    not_music: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    clip_probabilities: Mapped[list[list[float]]] = mapped_column(JSON)  # clip x label
    clip_starts: Mapped[list[float]] = mapped_column(JSON, default=list)  # seconds
    # The file's size and mtime when predicted: a changed file needs a new prediction.
    track_size: Mapped[int] = mapped_column(Int64)
    track_mtime_ns: Mapped[int] = mapped_column(Int64)
    # What identifies the audio predicted from (library.predictions.audio_fingerprint: FLAC's
    # stored MD5 of the samples + frames length, else sha256 of the audio payload): a file
    # whose tags changed but whose audio did not keeps its prediction. None: older rows.
    audio_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # Why a learned prediction says what it says, in words (the review learner's); else None.
    reason: Mapped[str | None] = mapped_column(Text)

    track: Mapped[Track] = relationship(back_populates="predictions")


class Embedding(Base):
    """The backbone's penultimate features for a track (mean over clips), float16."""

    __tablename__ = "embeddings"
    __table_args__ = (UniqueConstraint("track_id", "backbone"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    track_id: Mapped[int] = mapped_column(ForeignKey("tracks.id", ondelete="CASCADE"), index=True)
    backbone: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    # little-endian; float16 embeddings, float32 descriptors
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class UserLabel(Base):
    """Genres the user set by hand: they win over predictions everywhere."""

    __tablename__ = "user_labels"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    genres: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class TagBatch(Base):
    """One applied tag-writing run: the unit of undo."""

    __tablename__ = "tag_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    options: Mapped[dict[str, object]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(12), default=BatchState.RUNNING)  # a BatchState

    changes: Mapped[list[TagChange]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", passive_deletes=True
    )


class TagChange(Base):
    """One file's genre change inside a batch, logged before the file is replaced."""

    __tablename__ = "tag_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(
        ForeignKey("tag_batches.id", ondelete="CASCADE"), index=True
    )
    track_id: Mapped[int | None] = mapped_column(ForeignKey("tracks.id", ondelete="SET NULL"))
    root_id: Mapped[int | None] = mapped_column(ForeignKey("roots.id"))  # as in tracks
    path: Mapped[str] = mapped_column(FsPath)
    old_genres: Mapped[list[str] | None] = mapped_column(JSON)  # None: the file had no genre tag
    new_genres: Mapped[list[str]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(16), default=FileState.PENDING)  # a FileState
    reason: Mapped[str | None] = mapped_column(Text)
    # The file as written, to notice edits made after the batch.
    new_size: Mapped[int | None] = mapped_column(Int64)
    new_mtime_ns: Mapped[int | None] = mapped_column(Int64)

    batch: Mapped[TagBatch] = relationship(back_populates="changes")


class TagOriginal(Base):
    """The bytes a tag write replaced in one file, so undo can restore it byte for byte."""

    __tablename__ = "tag_originals"

    change_id: Mapped[int] = mapped_column(
        ForeignKey("tag_changes.id", ondelete="CASCADE"), primary_key=True
    )
    prefix: Mapped[int] = mapped_column(Int64)  # bytes shared with the written file's start
    suffix: Mapped[int] = mapped_column(Int64)  # ... and with its end
    middle: Mapped[bytes] = mapped_column(LargeBinary)  # the original's bytes in between
    original_size: Mapped[int] = mapped_column(Int64)
    original_sha1: Mapped[str] = mapped_column(String(40))
    written_sha1: Mapped[str] = mapped_column(String(40))
    mtime_ns: Mapped[int] = mapped_column(Int64)  # the original's, given back on undo


class ClassifyClaim(Base):
    """A track (for one bundle) that a classify run is working on."""

    __tablename__ = "classify_claims"

    track_id: Mapped[int] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True)
    bundle: Mapped[str] = mapped_column(String(64), primary_key=True)
    run: Mapped[str] = mapped_column(String(48), index=True)
    claimed_at: Mapped[datetime] = mapped_column(DateTime)  # naive UTC, compared in SQL
