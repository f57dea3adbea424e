"""The house rule: dependencies point one way (ARCHITECTURE.md, rule 1)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

FORBIDDEN = {
    "library": {"PySide6", "torch", "classifier", "gui", "workflows", "cli"},
    "classifier": {"PySide6", "sqlalchemy", "library", "gui", "workflows", "cli"},
    "workflows": {"PySide6", "gui", "cli"},  # shared by the CLI and the GUI: neither's world
}


def imported_roots(source: str) -> set[str]:
    """Top-level module names a Python source imports."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_does_not_import_forbidden_worlds(package: str) -> None:
    offenders = {
        str(path.relative_to(REPO)): sorted(imported_roots(path.read_text()) & FORBIDDEN[package])
        for path in (REPO / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_gui_imports_qt() -> None:
    non_gui = [REPO / "main.py"] + [
        path for package in ("library", "classifier", "cli", "workflows", "resources")
        for path in (REPO / package).rglob("*.py")
    ]
    outside = [str(p.relative_to(REPO)) for p in non_gui if "PySide6" in imported_roots(p.read_text())]
    assert outside == []


def test_imports_detector_sees_nested_imports() -> None:
    assert imported_roots("def f():\n    import torch.nn\n") == {"torch"}


def test_gui_default_clips_follow_the_classifier() -> None:
    from classifier.predict import DEFAULT_CLIPS
    from workflows.classify_run import ClassifyOptions

    assert ClassifyOptions().clips_per_track == DEFAULT_CLIPS


def test_cli_parser_loads_no_model_libraries() -> None:
    """`genrelens --help` or `list` must not wait seconds for torch and librosa to import."""
    code = ("import sys, main; main.build_parser(); "
            "print(sorted(m for m in ('torch', 'librosa', 'numba') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            cwd=REPO, check=True)
    assert result.stdout.strip() == "[]"


def test_other_packages_use_only_librarys_public_modules() -> None:
    """library/__init__.py lists its public modules; nothing outside reaches past them."""
    import library

    public = set(library.__all__)
    assert all((REPO / "library" / f"{m}.py").exists() or (REPO / "library" / m).is_dir()
               for m in public)
    outside = [REPO / "main.py"] + [path for package in ("gui", "cli", "workflows", "tools", "bench")
                                    for path in (REPO / package).rglob("*.py")]
    offenders = {}
    for path in outside:
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                parts = node.module.split(".")
                names = [parts[1]] if parts[0] == "library" and len(parts) > 1 else (
                    [a.name for a in node.names] if node.module == "library" else [])
            elif isinstance(node, ast.Import):
                names = [a.name.split(".")[1] for a in node.names
                         if a.name.startswith("library.")]
            hidden = sorted(set(names) - public)
            if hidden:
                offenders[str(path.relative_to(REPO))] = hidden
    assert offenders == {}


def imported_modules(source: str) -> set[str]:
    """Full module names a Python source imports (absolute imports only)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_classify_path_reads_without_the_training_code() -> None:
    """classifier/training/ (datasets, trainers, evaluation) is research: the runtime path
    (classifier/ outside it, workflows/classify.py, the GUI) never imports it."""
    runtime = [p for p in (REPO / "classifier").rglob("*.py") if "training" not in p.parts]
    runtime += [REPO / "workflows" / "classify.py", *(REPO / "gui").rglob("*.py")]
    offenders = {str(p.relative_to(REPO)): sorted(m for m in imported_modules(p.read_text())
                                                  if m.startswith("classifier.training"))
                 for p in runtime}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_code_asks_a_bundle_what_it_is() -> None:
    """One GenreModel interface (classifier/model.py): no probing bundles for attributes."""
    sources = [p for package in ("classifier", "workflows", "cli", "gui", "tools", "bench",
                                 "tests") for p in (REPO / package).rglob("*.py")]
    probe = re.compile(r"(has|get)attr\(bundle\b")
    probing = [str(p.relative_to(REPO)) for p in sources if probe.search(p.read_text())]
    assert probing == []
