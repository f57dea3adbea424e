"""The artist → album tree (library/albums.py): names as the table shows them, counts over
the view, every track once (pure functions over records)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from library.albums import UNKNOWN_ALBUM, UNKNOWN_ARTIST, build_tree, names_of
from library.records import BrowseRow, TrackStatus

ROOT = "/music"
ROOTS = {1: ROOT}


def row(track_id: int, path: str, artist: str | None = None, album: str | None = None
        ) -> BrowseRow:
    return BrowseRow(id=track_id, path=f"{ROOT}/{path}", status=TrackStatus.OK, artist=artist,
                     album=album, folder_id=1)


def test_untagged_tracks_are_under_their_folder_names() -> None:
    assert names_of(row(1, "Miles/Kind of Blue/01.flac"), ROOT) == ("Miles", "Kind of Blue")
    assert names_of(row(1, "Loose/01.flac"), ROOT) == (UNKNOWN_ARTIST, "Loose")
    assert names_of(row(1, "01.flac"), ROOT) == (UNKNOWN_ARTIST, UNKNOWN_ALBUM)
    # A tag wins over its folder; the other name still comes from the folders.
    assert names_of(row(1, "A/B/01.flac", artist="Tagged"), ROOT) == ("Tagged", "B")


def test_counts_follow_the_view_and_ids_the_library() -> None:
    rows = [row(1, "x/1.flac", "Coltrane", "Giant Steps"),
            row(2, "x/2.flac", "Coltrane", "Giant Steps"),
            row(3, "x/3.flac", "coltrane", "Blue Train"),  # case differs: one artist
            row(4, "x/4.flac", "Abba", "Arrival"),
            row(5, "Davis/Kind of Blue/5.flac")]
    tree = build_tree(rows, ROOTS, [True, False, True, False, True])
    assert [(a.name, a.count) for a in tree.artists] == [("Coltrane", 2), ("Davis", 1)]
    assert tree.tracks == 3
    coltrane = tree.artist("coltrane")
    assert coltrane is not None and sorted(coltrane.track_ids) == [1, 2, 3]
    assert [(a.name, a.count, a.track_ids) for a in coltrane.albums] == [
        ("Blue Train", 1, (3,)), ("Giant Steps", 1, (1, 2))]
    assert [a.name for a in tree.albums(None)] == ["Blue Train", "Giant Steps", "Kind of Blue"]
    assert tree.albums("abba") == ()  # no track in view: not listed
    assert coltrane.albums[1].cover_path == f"{ROOT}/x/1.flac"


def test_unknown_artist_comes_last() -> None:
    rows = [row(1, "1.flac"), row(2, "Zappa/Hot Rats/2.flac")]
    assert [a.name for a in build_tree(rows, ROOTS, [True, True]).artists] == [
        "Zappa", UNKNOWN_ARTIST]


names = st.sampled_from(["Abba", "abba", "Bach", "", None, "Cage"])


@given(st.lists(st.tuples(names, names, st.booleans(), st.integers(0, 3)), max_size=40))
def test_every_track_in_view_is_counted_once(specs: list[tuple[str | None, str | None, bool,
                                                                int]]) -> None:
    rows = [row(i, "/".join(["F", "G"][:depth] + [f"{i}.flac"]), artist, album)
            for i, (artist, album, _, depth) in enumerate(specs)]
    shown = [s[2] for s in specs]
    tree = build_tree(rows, ROOTS, shown)
    assert tree.tracks == sum(shown) == sum(a.count for a in tree.artists)
    for artist in tree.artists:
        assert artist.count == sum(a.count for a in artist.albums) > 0
        in_albums = [i for a in artist.albums for i in a.track_ids]
        assert set(in_albums) <= set(artist.track_ids)  # albums with none in view: not listed
        assert {i for i in artist.track_ids if shown[i]} == {i for i in in_albums if shown[i]}
    listed = sorted(i for a in tree.artists for i in a.track_ids)
    assert len(listed) == len(set(listed))
    assert {i for i, s in enumerate(shown) if s} <= set(listed)
