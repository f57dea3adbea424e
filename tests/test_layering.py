"""The house rule: dependencies point one way (ARCHITECTURE.md, rule 1)."""

from __future__ import annotations

import ast
import os
import shutil
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


MODEL_LIBRARIES = ("torch", "librosa", "numba", "sklearn", "matplotlib", "scipy", "PySide6")
RUN_AND_REPORT = ("import sys, main; code = main.main(sys.argv[1:]); "
                  f"print(code, sorted(m for m in {MODEL_LIBRARIES!r} if m in sys.modules))")


def test_commands_that_need_no_model_load_no_model_libraries(
    tmp_path: Path, shared_data: Path
) -> None:
    """scan, list, info, folders, tag, history, undo and similar run on a real library without
    torch, librosa, numba, sklearn, matplotlib, scipy or Qt ever being imported."""
    music = tmp_path / "Music"
    music.mkdir()
    for genre in ("jazz", "metal"):
        shutil.copy(shared_data / "gtzan-mini" / genre / f"{genre}.00001.flac", music)
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "config"),
               XDG_DATA_HOME=str(tmp_path / "data"), XDG_STATE_HOME=str(tmp_path / "state"))
    db = ["--db", str(tmp_path / "lib.sqlite3")]
    commands = [["scan", str(music)], ["list"], ["info", str(music / "jazz.00001.flac")],
                ["folders"], ["tag"], ["history"], ["undo", "1"],
                ["similar", str(music / "jazz.00001.flac")]]
    for command in commands:
        result = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, *db, *command], cwd=REPO,
                                env=env, capture_output=True, text=True, timeout=120,
                                check=False)
        assert result.stdout.strip(), (command, result.stderr[-2000:])
        code, loaded = result.stdout.strip().splitlines()[-1].split(" ", 1)
        assert loaded == "[]", (command, loaded)
        assert code in ("0", "1", "2"), (command, code, result.stderr[-2000:])


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


# The one door (docs/architecture.md): the front ends take from library/ only the records that
# cross the layers and the engine opener with its error words; every operation (scan, tags,
# browse reads, classify, learn) they reach through workflows/, and classifier/ only as a
# workflow hands it to them. genre_names is pure words (how genre names compare); categories
# declares the sidebar's words once (key, label, rule over a BrowseRow), pure like records.
FRONT_END_MAY_IMPORT = {"library.records", "library.db", "library.db_errors",
                        "library.genre_names", "library.categories"}


def core_imports(source: str) -> set[str]:
    """The library/ and classifier/ modules a source imports (`from library import x` as
    library.x), nested imports included."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module in ("library", "classifier"):
            names.update(f"{node.module}.{a.name}" for a in node.names)
        else:
            names.update(m for m in imported_modules_of(node)
                          if m.split(".")[0] in ("library", "classifier"))
    return names


def imported_modules_of(node: ast.AST) -> set[str]:
    """The absolute module names one import statement names."""
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
        return {node.module}
    return set()


def test_front_ends_enter_the_core_only_through_workflows() -> None:
    front_ends = [p for package in ("cli", "gui") for p in (REPO / package).rglob("*.py")]
    past_the_door = {}
    for path in front_ends:
        past = sorted(core_imports(path.read_text()) - FRONT_END_MAY_IMPORT)
        if past:
            past_the_door[str(path.relative_to(REPO))] = past
    assert past_the_door == {}


def test_the_door_check_sees_every_way_in() -> None:
    source = ("from library import browse\nimport classifier.audio\n"
              "def f():\n    from library.tagwriter import apply_steps\n")
    assert core_imports(source) == {"library.browse", "classifier.audio", "library.tagwriter"}


def test_no_front_end_reads_an_event_by_attribute_name() -> None:
    """Events are typed (workflows/events.py): handlers look them up by type, never probe."""
    probe = re.compile(r"getattr\((event|events|item)\b")
    sources = [p for package in ("gui", "workflows", "cli") for p in (REPO / package).rglob("*.py")]
    assert [str(p.relative_to(REPO)) for p in sources if probe.search(p.read_text())] == []


PRODUCT = ("library", "classifier", "workflows", "cli", "gui")


def module_files(root: Path, packages: tuple[str, ...]) -> dict[str, Path]:
    """Dotted module name → file, for each package under `root` and a top-level main.py."""
    modules = {"main": root / "main.py"} if (root / "main.py").exists() else {}
    for package in packages:
        for path in (root / package).rglob("*.py"):
            parts = path.relative_to(root).with_suffix("").parts
            modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imported_from(node: ast.ImportFrom, here: str) -> str:
    """The absolute module a `from … import` reads, `here` being the importer's package."""
    if node.level == 0:
        return node.module or ""
    base = here.rsplit(".", node.level - 1)[0]  # each dot past the first climbs a package
    return ".".join(filter(None, [base, node.module]))


def import_targets(module: str, path: Path, known: set[str]) -> set[str]:
    """The known modules one file imports anywhere in it (functions and TYPE_CHECKING too):
    relative imports resolved, `from pkg import module` read as importing the module."""
    here = module if path.name == "__init__.py" else module.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            source = imported_from(node, here)
            names = [f"{source}.{alias.name}" for alias in node.names]  # a module or a name in one
        else:
            continue
        for name in names:  # `import a.b.c` runs a.b.c: the longest known prefix is the edge
            parts = name.split(".")
            found = next((".".join(parts[:n]) for n in range(len(parts), 0, -1)
                          if ".".join(parts[:n]) in known), None)
            if found is not None and found != module:
                targets.add(found)
    return targets


def import_graph(modules: dict[str, Path]) -> dict[str, list[str]]:
    """Each module → the known modules it imports."""
    return {name: sorted(import_targets(name, path, set(modules)))
            for name, path in sorted(modules.items())}


def import_cycles(graph: dict[str, list[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm), each
    sorted: the modules that import each other, directly or round a loop."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    components: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:  # node is its component's root: the rest is above it
            at = stack.index(node)
            components.append(set(stack[at:]))
            del stack[at:]

    for node in graph:
        if node not in index:
            visit(node)
    return sorted(sorted(c) for c in components if len(c) > 1)


def shortest_cycle(graph: dict[str, list[str]], start: str, within: set[str]) -> list[str]:
    """The shortest way from `start` back to itself through `within` (breadth first)."""
    paths = [[start]]
    while True:  # every member of a strongly connected component lies on a cycle
        path = paths.pop(0)
        for target in graph[path[-1]]:
            if target == start:
                return path + [start]
            if target in within and target not in path:
                paths.append(path + [target])


def test_product_modules_import_no_cycle() -> None:
    """No import cycle among the product modules (issue #21): each layer reads one way."""
    graph = import_graph(module_files(REPO, PRODUCT))
    cycles = [f"{', '.join(c)} ({' → '.join(shortest_cycle(graph, c[0], set(c)))})"
              for c in import_cycles(graph)]
    assert cycles == [], "modules importing each other: " + "; ".join(cycles)


def test_cycle_detector_sees_relative_nested_and_package_imports(tmp_path: Path) -> None:
    """The detector finds a loop through a function-level, a relative and a TYPE_CHECKING
    import, and none once the loop is cut."""
    package = tmp_path / "pkg"
    (package / "sub").mkdir(parents=True)
    sources = {
        "__init__.py": "",
        "a.py": "from . import b\n",  # `from pkg import module`
        "b.py": "def f():\n    from .sub.c import x\n",  # nested in a function, relative
        "sub/__init__.py": "",
        "sub/c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .. import a\n",
        "d.py": "import pkg.a\nfrom pkg.sub import c\n",  # imports the cycle, is not in it
    }
    for name, source in sources.items():
        (package / name).write_text(source)
    graph = import_graph(module_files(tmp_path, ("pkg",)))
    assert graph["pkg.d"] == ["pkg.a", "pkg.sub.c"]
    assert import_cycles(graph) == [["pkg.a", "pkg.b", "pkg.sub.c"]]
    assert shortest_cycle(graph, "pkg.b", {"pkg.a", "pkg.b", "pkg.sub.c"}) == [
        "pkg.b", "pkg.sub.c", "pkg.a", "pkg.b"]
    (package / "b.py").write_text("")
    assert import_cycles(import_graph(module_files(tmp_path, ("pkg",)))) == []
