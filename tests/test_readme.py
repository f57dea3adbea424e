"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re

from tests.conftest import REPO_ROOT


def readme_commands() -> list[str]:
    """The indented command lines at the top of the README."""
    lines = (REPO_ROOT / "README.md").read_text().splitlines()
    return [line.strip() for line in lines[:6] if line.startswith("    ")]


def test_readme_starts_with_launch_and_test_commands() -> None:
    launch, test = readme_commands()
    assert launch.endswith("main.py")
    assert test.endswith("-m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    match = re.search(r'^TEST_COMMAND="(.*)"$', ci, re.MULTILINE)
    assert match is not None
    assert match.group(1) == readme_commands()[1]
