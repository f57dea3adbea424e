"""Genre strings as tags hold them -> a clean tuple of genre names. The only parser of them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mutagen.id3 import TCON

# ID3v1's numbered genres (with the Winamp extensions), as mutagen knows them.
ID3V1_GENRES: tuple[str, ...] = tuple(TCON.GENRES)
_SPECIAL = {"RX": "Remix", "CR": "Cover"}
# "(17)", "(17)(31)", "(RX)" at the start of an ID3v2.3 genre, optionally followed by text.
_REFS = re.compile(r"^((?:\((?:\d+|RX|CR)\))+)(.*)$", re.DOTALL)
_REF = re.compile(r"\((\d+|RX|CR)\)")


def _ref_name(ref: str) -> str | None:
    if ref in _SPECIAL:
        return _SPECIAL[ref]
    number = int(ref)
    return ID3V1_GENRES[number] if number < len(ID3V1_GENRES) else None


def _decode_one(value: str) -> list[str]:
    """'(17)' -> Rock; '(17)Rock' -> Rock (text refines the number); '17' -> Rock; '((x' -> '(x'."""
    value = value.strip()
    if value.isdigit():
        name = _ref_name(value)
        return [name] if name else [value]
    match = _REFS.match(value)
    if match:
        refinement = match.group(2).strip()
        if refinement:
            return [refinement.replace("((", "(")]
        return [n for n in (_ref_name(r) for r in _REF.findall(match.group(1))) if n]
    return [value.replace("((", "(")] if value.startswith("((") else [value]


def parse_genres(values: Iterable[str], *, slash_separates: bool = False) -> tuple[str, ...]:
    """Split joined values, decode ID3v1 numbers, drop blanks and repeats (order kept).

    NUL always separates (ID3v2.4), ';' always separates (the common way of joining in one
    field), '/' only when `slash_separates` (ID3v2.3 and older join with it; elsewhere a '/'
    may be part of a name).
    """
    pattern = r"[\x00;/]" if slash_separates else r"[\x00;]"
    result: list[str] = []
    seen: set[str] = set()
    for value in values:
        for part in re.split(pattern, str(value)):
            for name in _decode_one(part) if part.strip() else []:
                if name.casefold() not in seen:
                    seen.add(name.casefold())
                    result.append(name)
    return tuple(result)
