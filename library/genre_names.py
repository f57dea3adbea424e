"""One spelling per genre: "Hiphop", "Hip Hop", "hip-hop" and "HipHop" are all "Hip-Hop".

The canonical spellings are the default model's labels, so what the tags say and what the
model says meet in one sidebar entry, one search hit and one `list --genre`. A genre the
model does not know keeps the spelling it was given. The user's own rename map (the tag
options' `mapping`) is applied first and matched the same spelling-free way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from resources import MODELS_DIR

DEFAULT_LABELS_BUNDLE = "broad"  # the model whose labels spell genres for the whole app
# Spellings whose letters differ from the label's, keyed by genre_key.
ALIASES = {"rnb": "R&B/Soul", "randb": "R&B/Soul", "rhythmandblues": "R&B/Soul",
           "rb": "R&B/Soul", "newage": "Ambient/New Age"}


@lru_cache(maxsize=16384)  # the table folds every row's genres: a few hundred distinct ones
def genre_key(genre: str) -> str:
    """The spelling-free identity of a genre: case-folded letters and digits of any script
    ("&" as "n"), so "Électro" and "electro" stay apart but "ÉLECTRO" is "Électro"."""
    return re.sub(r"[\W_]", "", genre.casefold().replace("&", "n"))


@lru_cache(maxsize=1)
def canonical_labels() -> dict[str, str]:
    """genre_key -> canonical spelling: the default model's labels and the aliases.

    Read on first use (nothing loads at import); a missing bundle leaves only the aliases.
    """
    try:
        spec = json.loads((MODELS_DIR / DEFAULT_LABELS_BUNDLE / "bundle.json")
                          .read_text(encoding="utf-8"))
        labels = [str(label) for label in spec["labels"]]
    except (OSError, ValueError, KeyError, TypeError):
        labels = []
    table = {genre_key(alias): label for alias, label in ALIASES.items()}
    table.update((genre_key(label), label) for label in labels)
    return table


def canonical_genre(genre: str, mapping: Mapping[str, str] | None = None) -> str:
    """The one spelling of `genre`: the model's label, unless the user's rename map (matched
    in any spelling, of the genre as given or as labelled) says otherwise: theirs wins."""
    name = genre.strip()
    label = _labelled(name)
    if mapping:
        renames = {genre_key(k): v.strip() for k, v in mapping.items() if genre_key(k)}
        renamed = renames.get(genre_key(name)) or renames.get(genre_key(label))
        if renamed:
            return renamed
    return label


@lru_cache(maxsize=8192)
def _labelled(name: str) -> str:
    # Cached: the sidebar spells every row's genres on each change of a 50,000-row library.
    return canonical_labels().get(genre_key(name), name)


def canonical_genres(genres: Iterable[str], mapping: Mapping[str, str] | None = None
                     ) -> tuple[str, ...]:
    """Each genre in its one spelling, blanks and repeats (any spelling) dropped, order kept."""
    if not mapping and isinstance(genres, tuple):
        return _canonical_tuple(genres)
    return _canonical(genres, mapping)


@lru_cache(maxsize=4096)
def _canonical_tuple(genres: tuple[str, ...]) -> tuple[str, ...]:
    # Cached: a library's rows share a few hundred genre lists, spelled for each row's
    # search text and sidebar count (100,000 rows as they load).
    return _canonical(genres, None)


def _canonical(genres: Iterable[str], mapping: Mapping[str, str] | None) -> tuple[str, ...]:
    seen: set[str] = set()
    result: list[str] = []
    for genre in genres:
        name = canonical_genre(genre, mapping)
        key = genre_key(name) or name.casefold()
        if name and key not in seen:
            seen.add(key)
            result.append(name)
    return tuple(result)


def one_spelling(names: Iterable[str]) -> dict[str, str]:
    """genre_key -> the spelling to use for every spelling of a genre the library has: the
    most common; on a tie mixed case ("Hip Hop") beats ALL CAPS and all lower, then the
    alphabetically first, so the result is stable."""
    spellings: dict[str, dict[str, int]] = {}
    for name in names:
        counts = spellings.setdefault(genre_key(name), {})
        counts[name] = counts.get(name, 0) + 1
    return {key: min(c, key=lambda s: (-c[s], s.isupper() or s.islower(), s))
            for key, c in spellings.items()}


def same_genre(a: str, b: str) -> bool:
    """Whether two spellings name one genre."""
    return genre_key(canonical_genre(a)) == genre_key(canonical_genre(b))


def spelling_keys(genre: str) -> set[str]:
    """Every genre_key that names the same genre as `genre` (for matching in SQL)."""
    target = genre_key(canonical_genre(genre))
    keys = {key for key, label in canonical_labels().items() if genre_key(label) == target}
    return keys | {target, genre_key(genre)} - {""}
