"""Bundle folders and their bundle.json, read without torch: finding a bundle by name, its
spec's top level, what it is. Knowing a bundle's name and version this way lets `classify`
tell that nothing needs predicting before it imports torch (~1 s).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from resources import MODELS_DIR

DEFAULT_BUNDLE = "broad"
BUNDLE_FILE = "bundle.json"
FORMAT_VERSION = 1
TOP_KEYS = {"format", "name", "version", "description", "labels", "preprocessing",
            "backbones", "head", "uncertain_threshold", "calibration", "multi_label",
            "early_exit"}
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class BundleError(ValueError):
    """A bundle that is missing, malformed or inconsistent; the message says what and where."""


def expect(condition: object, message: str) -> None:
    """Raise BundleError(message) unless condition holds."""
    if not condition:
        raise BundleError(message)


def check_keys(obj: Any, required: set[str], allowed: set[str], where: str) -> None:
    """Refuse missing and unknown keys, so typos never pass silently."""
    expect(isinstance(obj, dict), f"{where}: must be an object")
    missing, unknown = required - obj.keys(), obj.keys() - allowed
    expect(not missing, f"{where}: missing {', '.join(sorted(missing))}")
    expect(not unknown, f"{where}: unknown key(s) {', '.join(sorted(unknown))}")


def read_json_object(file: Path) -> dict[str, Any]:
    """A bundle's JSON file (bundle.json, gate.json) as an object; BundleError says why not."""
    try:
        spec = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BundleError(f"{file}: missing") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{file}: not readable JSON ({error})") from None
    expect(isinstance(spec, dict), f"{file}: top level must be an object")
    return spec


@dataclass(frozen=True)
class BundleInfo:
    """What a bundle is, without loading its weights."""

    name: str
    version: str
    description: str
    path: Path
    multi_label: bool = False  # a tagger: tags, not genres (classify refuses it)
    kind: str = "pretrained"  # or "scratch" (written by `train`)
    design: str = ""  # the network it runs: its head's type, or the from-scratch net


def user_bundles_dir() -> Path:
    """Where a user's own bundles live (XDG data dir)."""
    from platformdirs import user_data_path

    return user_data_path("GenreLens") / "bundles"


def bundle_dirs() -> list[Path]:
    """Folders searched for bundles by name, built-in first."""
    return [MODELS_DIR, user_bundles_dir()]


def find_bundle(name_or_path: str | Path) -> Path:
    """The folder of a bundle given by name, folder or bundle.json path."""
    path = Path(name_or_path)
    if path.name == BUNDLE_FILE:
        path = path.parent
    if path.is_dir():
        return path
    name = str(name_or_path)
    if NAME_PATTERN.match(name):
        for root in bundle_dirs():
            if (root / name / BUNDLE_FILE).is_file():
                return root / name
    searched = ", ".join(str(root) for root in bundle_dirs())
    raise BundleError(f"bundle {name!r} not found (searched {searched})")


def read_spec(folder: Path) -> dict[str, Any]:
    """Parse and check bundle.json's top level."""
    file = folder / BUNDLE_FILE
    spec = read_json_object(file)
    check_keys(spec, TOP_KEYS - {"calibration", "multi_label", "early_exit"}, TOP_KEYS, str(file))
    if spec["format"] != FORMAT_VERSION:
        raise BundleError(f"{file}: format {spec['format']!r} is not supported (want 1)")
    for key in ("name", "version", "description"):
        expect(isinstance(spec[key], str) and spec[key],
               f"{file}: {key} must be a non-empty string")
    labels = spec["labels"]
    expect(isinstance(labels, list) and labels and all(isinstance(x, str) and x for x in labels)
           and len(set(labels)) == len(labels), f"{file}: labels must be distinct strings")
    threshold = spec["uncertain_threshold"]
    expect(isinstance(threshold, (int, float)) and 0 <= threshold <= 1,
           f"{file}: uncertain_threshold must be a number in [0, 1]")
    expect(isinstance(spec.get("multi_label", False), bool), f"{file}: multi_label must be "
           "true or false")
    return spec
