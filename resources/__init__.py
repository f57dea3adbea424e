"""Data shipped with GenreLens: model bundles, icons, stylesheet. Nothing loads at import."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
MODELS_DIR = RESOURCES_DIR / "models"
