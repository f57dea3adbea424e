"""The app's settings, kept with QSettings, and the choices the settings dialog offers."""

from __future__ import annotations

import shutil
from dataclasses import fields, replace
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from workflows.classify_run import ClassifyOptions, genre_bundles
from workflows.tags import TagOptions

# The app's tag-writing defaults: the one safe policy the CLI has too (library/tagplan.py).
GUI_TAG_DEFAULTS = TagOptions()
# mapping is stored as text; allowed is not edited here; the policy is chosen per write, so a
# "replace" picked once never becomes the next write's default.
NOT_STORED = ("mapping", "allowed", "policy")
# Fields kept under another key than their name. "tags/keep_mtime" holds the old default
# (keep) that every Apply saved before the box asked "Keep the files' modification times",
# not a choice: a new key lets the new default reach everyone and remembers real choices.
STORED_AS = {"keep_mtime": "keep_modification_times"}

DEVICES = (("auto", "Automatic"), ("cpu", "CPU"), ("cuda", "CUDA (NVIDIA GPU)"))


def device_choices(cuda_available: bool) -> list[tuple[str, str]]:
    """(value, label) of the devices to offer: CUDA only when the machine has it."""
    return [(value, label) for value, label in DEVICES if value != "cuda" or cuda_available]


def cuda_probably_available() -> bool:
    """Whether an NVIDIA driver is present, without importing torch on the GUI thread.

    Only decides whether to offer CUDA; classifier/predict.py makes the real choice and
    falls back to the CPU.
    """
    return Path("/proc/driver/nvidia/version").exists() or shutil.which("nvidia-smi") is not None


def available_bundles() -> list[str]:
    """Names of the genre bundles to offer: shipped, learned and trained ones (the one lister,
    classifier.bundle's; taggers left out, as classify refuses them). Reads a few small
    JSON files, on purpose on demand: a bundle learned a minute ago shows up."""
    return genre_bundles()


class AppSettings:
    """Typed access to QSettings: classification and tag-writing defaults, window state."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store or QSettings()

    def _load(self, group: str, default: object) -> object:
        values = {}
        for f in fields(default):  # type: ignore[arg-type]
            fallback = getattr(default, f.name)
            if f.name in NOT_STORED:
                continue
            value = self.store.value(f"{group}/{STORED_AS.get(f.name, f.name)}", fallback)
            if value is not None and fallback is not None:  # QSettings returns strings from INI
                value = (value in (True, "true") if isinstance(fallback, bool)
                         else type(fallback)(value))
            values[f.name] = value
        if any(f.name == "mapping" for f in fields(default)):  # type: ignore[arg-type]
            values["mapping"] = parse_mapping(str(self.store.value(f"{group}/mapping", "")))
        try:
            return replace(default, **values)  # type: ignore[type-var]
        except (TypeError, ValueError):  # a hand-edited or outdated settings file
            return default

    def _save(self, group: str, options: object) -> None:
        for f in fields(options):  # type: ignore[arg-type]
            if f.name in NOT_STORED and f.name != "mapping":
                continue
            value = getattr(options, f.name)
            if f.name == "mapping":
                value = format_mapping(value)
            self.store.setValue(f"{group}/{STORED_AS.get(f.name, f.name)}", value)
        self.store.sync()

    def classify_options(self) -> ClassifyOptions:
        """How to classify, as last saved."""
        return self._load("classify", ClassifyOptions())  # type: ignore[return-value]

    def save_classify_options(self, options: ClassifyOptions) -> None:
        """Remember how to classify."""
        self._save("classify", options)

    def tag_options(self) -> TagOptions:
        """Tag-writing defaults, as last saved."""
        return self._load("tags", GUI_TAG_DEFAULTS)  # type: ignore[return-value]

    def save_tag_options(self, options: TagOptions) -> None:
        """Remember tag-writing defaults."""
        self._save("tags", options)

    def view_state(self, name: str) -> bytes | None:
        """A widget's saved layout (a header's columns, a splitter's sizes), if any."""
        value = self.store.value(f"window/{name}")
        return bytes(value.data()) if isinstance(value, QByteArray) else None

    def save_view_state(self, name: str, state: QByteArray) -> None:
        """Remember a widget's layout for the next run."""
        self.store.setValue(f"window/{name}", state)
        self.store.sync()


def parse_mapping(text: str) -> dict[str, str]:
    """'hiphop = Hip-Hop' lines → {'hiphop': 'Hip-Hop'}; blank and malformed lines are skipped."""
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs if k.strip() and v.strip()}


def format_mapping(mapping: dict[str, str]) -> str:
    """The inverse of parse_mapping."""
    return "\n".join(f"{k} = {v}" for k, v in mapping.items())
