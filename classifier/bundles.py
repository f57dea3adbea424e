"""Open and list model bundles of every kind: the one place that knows the kinds.

A bundle folder's bundle.json may say `"kind"` (absent: "pretrained"). Adding a kind means
one entry in KINDS: how to open it as a GenreModel (classifier/model.py) and how to describe
it from its bundle.json without loading weights.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from classifier.bundle_spec import (
    BUNDLE_FILE,
    DEFAULT_BUNDLE,
    BundleError,
    BundleInfo,
    bundle_dirs,
    find_bundle,
    read_spec,
)

if TYPE_CHECKING:  # torch loads with the model, not to name a bundle (bundle_identity)
    from classifier.model import GenreModel

DEFAULT_KIND = "pretrained"


@dataclass(frozen=True)
class BundleKind:
    """How to open one kind of bundle, and how to describe it from its bundle.json."""

    open: Callable[[Path], GenreModel]
    describe: Callable[[Path, dict[str, Any]], BundleInfo]
    identity: Callable[[Path], tuple[str, str]]  # (name, version) predictions are stored under
    # `evaluate` writes its report beside the bundle (one the user trained) by default,
    # rather than under ./evaluation/NAME (shipped and learned bundles)
    evaluation_beside: bool = False


def _describe_pretrained(folder: Path, raw: dict[str, Any]) -> BundleInfo:
    spec = read_spec(folder)
    head = spec["head"]
    return BundleInfo(spec["name"], spec["version"], spec["description"], folder,
                      spec.get("multi_label", False), DEFAULT_KIND,
                      str(head.get("type", "")) if isinstance(head, dict) else "")


def _pretrained_identity(folder: Path) -> tuple[str, str]:
    spec = read_spec(folder)
    return str(spec["name"]), str(spec["version"])


def _scratch_identity(folder: Path) -> tuple[str, str]:
    from classifier.scratch_predict import scratch_identity

    return scratch_identity(folder)


def _open_pretrained(folder: Path) -> GenreModel:
    from classifier.bundle import load_bundle

    return load_bundle(folder)


def _open_scratch(folder: Path) -> GenreModel:
    from classifier.scratch_predict import load_scratch_classifier

    return load_scratch_classifier(folder)


def _describe_scratch(folder: Path, raw: dict[str, Any]) -> BundleInfo:
    # named by its folder: `train` writes no name
    return BundleInfo(folder.name, str(raw.get("format_version", "")),
                      f"{raw.get('net', 'network')} trained from scratch", folder,
                      raw.get("multi_label") is True, "scratch", str(raw.get("net", "")))


KINDS: dict[str, BundleKind] = {
    # broad, gtzan10, learned heads (`learn`), the tags bundle
    DEFAULT_KIND: BundleKind(_open_pretrained, _describe_pretrained, _pretrained_identity),
    "scratch": BundleKind(_open_scratch, _describe_scratch, _scratch_identity,  # `train`'s
                          evaluation_beside=True),
}


def bundle_kind(folder: Path) -> str:
    """The kind bundle.json declares; "pretrained" when it declares none or does not read
    (the pretrained loader then says what is wrong with it)."""
    try:
        raw = json.loads((folder / BUNDLE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return DEFAULT_KIND
    kind = raw.get("kind", DEFAULT_KIND) if isinstance(raw, dict) else DEFAULT_KIND
    return kind if isinstance(kind, str) else DEFAULT_KIND


def _kind_of(name_or_path: str | Path | None) -> tuple[Path, BundleKind]:
    folder = find_bundle(name_or_path or DEFAULT_BUNDLE)
    kind = bundle_kind(folder)
    if kind not in KINDS:
        raise BundleError(f"{folder / BUNDLE_FILE}: unknown bundle kind {kind!r} "
                          f"(known: {', '.join(KINDS)})")
    return folder, KINDS[kind]


def open_bundle(name_or_path: str | Path | None = None) -> GenreModel:
    """The bundle given by name (built-in, then the user's bundles), folder or bundle.json
    path, of whatever kind; None: the default. Raises BundleError (or the kind's own error)."""
    folder, kind = _kind_of(name_or_path)
    return kind.open(folder)


def bundle_identity(name_or_path: str | Path | None = None) -> tuple[str, str]:
    """(name, version) open_bundle's model stores predictions under, without loading weights;
    raises BundleError, OSError, ValueError or KeyError when the folder does not read."""
    folder, kind = _kind_of(name_or_path)
    return kind.identity(folder)


def describe_bundle(name_or_path: str | Path | None = None) -> BundleInfo:
    """What the bundle open_bundle(name_or_path) opens is, without loading its weights;
    raises BundleError, OSError or ValueError when its bundle.json does not read."""
    folder, kind = _kind_of(name_or_path)
    raw = json.loads((folder / BUNDLE_FILE).read_text(encoding="utf-8"))
    if not isinstance(raw, dict):
        raise BundleError(f"{folder / BUNDLE_FILE}: not a JSON object")
    return kind.describe(folder, raw)


def list_bundles() -> list[BundleInfo]:
    """Every bundle folder whose bundle.json reads cleanly (built-in first, no duplicates):
    shipped, learned (`learn`) and trained (`train`) ones. The one lister, for CLI and GUI."""
    found: dict[str, BundleInfo] = {}
    for root in bundle_dirs():
        for file in sorted(root.glob(f"*/{BUNDLE_FILE}")):
            info = _bundle_info(file.parent)
            if info is not None:
                found.setdefault(info.name, info)
    return list(found.values())


def _bundle_info(folder: Path) -> BundleInfo | None:
    """What the folder's bundle.json says, or None when it does not read cleanly."""
    try:
        return describe_bundle(folder)
    except (BundleError, OSError, ValueError):
        return None  # listing must not fail on one broken user bundle


def genre_bundle_names() -> list[str]:
    """Names of the bundles classify can store genres from (taggers left out)."""
    return [info.name for info in list_bundles() if not info.multi_label]


__all__ = ["KINDS", "BundleKind", "bundle_identity", "bundle_kind", "describe_bundle",
           "genre_bundle_names", "list_bundles", "open_bundle"]
