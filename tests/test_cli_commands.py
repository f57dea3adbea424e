"""A CLI run parses with its own command's module only (the others import workflows and library
modules it never uses), and parses exactly as the full parser does."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import main
from cli import COMMAND_MODULES, MODULE_OF_COMMAND

REPO = Path(__file__).resolve().parents[1]


def test_every_command_maps_to_the_module_that_registers_it() -> None:
    registered = {}
    for name in COMMAND_MODULES:
        subparsers = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(f"cli.{name}").register(subparsers)
        registered |= dict.fromkeys(subparsers.choices, name)
    assert registered == MODULE_OF_COMMAND


def test_only_db_takes_a_value_before_the_command() -> None:
    """command_module() skips --db's value; another such option would need skipping too."""
    parser = main.build_parser()
    valued = {s for a in parser._actions if a.option_strings and a.nargs != 0
              and not isinstance(a, argparse._SubParsersAction) for s in a.option_strings}
    assert valued == {"--db"}


@pytest.mark.parametrize(("argv", "command"), [
    (["--db", "lib.sqlite3", "scan", "-q", "Music"], "scan"),
    (["-v", "list", "--json", "jazz"], "list"), (["--db=lib.sqlite3", "tag", "--apply"], "tag"),
    (["history"], "history"), (["--db", "list", "info", "x.flac"], "info"),
    (["folders", "add", "Music", "--as", "home"], "folders"),
    (["classify", "--force", "-v"], "classify"), (["undo", "3"], "undo"),
    (["playlist", "-o", "x.m3u8"], "playlist"),
])
def test_a_run_parses_as_the_full_parser_does(argv: list[str], command: str) -> None:
    only = main.command_module(argv)
    assert only == MODULE_OF_COMMAND[command]
    assert vars(main.build_parser(only).parse_args(argv)) == vars(
        main.build_parser().parse_args(argv))


@pytest.mark.parametrize("argv", [[], ["--help"], ["-v"], ["--db", "x"], ["nonsense"],
                                  ["-h", "scan"]])
def test_help_and_unknown_words_get_the_full_parser(argv: list[str]) -> None:
    assert main.command_module(argv) is None


def test_a_scan_run_imports_no_other_command(tmp_path: Path) -> None:
    (tmp_path / "Music").mkdir()
    code = ("import sys, main; main.main(sys.argv[1:]); "
            "print(sorted(m for m in sys.modules if m.startswith('cli.')))")
    result = subprocess.run([sys.executable, "-c", code, "--db", str(tmp_path / "l.sqlite3"),
                             "scan", "-q", str(tmp_path / "Music")], cwd=REPO,
                            capture_output=True, text=True, timeout=120, check=True)
    loaded = result.stdout.strip().splitlines()[-1]
    assert "'cli.scan'" in loaded and "'cli.tagging'" not in loaded
    assert "'cli.classify'" not in loaded, loaded
