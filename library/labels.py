"""Tracks whose genre is known — set by the user or read from file tags — for learning.

Genre spellings are unified: "Hip Hop", "hip-hop" and "HIPHOP" are one genre, shown in the
library's most common spelling. A user label wins over the file's tags; the first genre counts.
"""

from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from library.genre_names import genre_key, one_spelling
from library.models import Track, UserLabel
from library.records import KnownGenre, TrackStatus
from library.roots import local_paths


def _first(genres: list[str] | None) -> str | None:
    return next((g.strip() for g in genres or [] if g and genre_key(g)), None)


def known_genres(session: Session) -> list[KnownGenre]:
    """Every readable track with a genre, normalised spelling, user labels first in priority."""
    rows = session.execute(
        select(Track.id, Track.root_id, Track.path, Track.genres, Track.artist, UserLabel.genres,
               Track.album, Track.album_artist)
        .outerjoin(UserLabel, UserLabel.track_id == Track.id)
        .where(Track.status == TrackStatus.OK)
        .order_by(Track.id)
    ).all()
    raw = []
    roots = local_paths(session)
    for track_id, root_id, stored, tags, artist, user, album, album_artist in rows:
        path = roots.local(root_id, stored)
        genre, source = (_first(user), "user") if _first(user) else (_first(tags), "tag")
        if genre:
            raw.append((track_id, path, genre, source, artist, album, album_artist))
    shown = one_spelling(genre for _, _, genre, *_ in raw)
    return [KnownGenre(t, p, shown[genre_key(g)], s, a, al, aa) for t, p, g, s, a, al, aa in raw]
