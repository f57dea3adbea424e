"""The README's commands are the ones CI runs."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


def readme_commands() -> list[str]:
    """The README's system packages line, then its two first lines: launch and test."""
    lines = (REPO_ROOT / "README.md").read_text().splitlines()
    top = [line.strip() for line in lines[:5] if line.startswith("    ")]
    packages = [line.strip() for line in lines if line.startswith("    sudo apt-get install ")]
    return packages[:1] + top


def test_readme_starts_with_launch_and_test_commands_and_names_system_packages() -> None:
    packages, launch, test = readme_commands()
    assert packages.startswith("sudo apt-get install ")
    assert launch.endswith("main.py")
    assert test.endswith("-m pytest")


def test_ci_runs_the_readme_test_command() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    match = re.search(r'^TEST_COMMAND="(.*)"$', ci, re.MULTILINE)
    assert match is not None
    assert match.group(1) == readme_commands()[2]


def test_ci_installs_the_packages_the_readme_names() -> None:
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    match = re.search(r'^DESKTOP_PACKAGES="(.*)"$', ci, re.MULTILINE)
    assert match is not None and "$DESKTOP_PACKAGES" in ci
    named = readme_commands()[0].removeprefix("sudo apt-get install ").split()
    assert match.group(1).split() == named
    assert {"libxcb-icccm4", "libxcb-keysyms1", "libxcb-cursor0", "libxkbcommon-x11-0"} <= set(named)


@pytest.mark.skipif(shutil.which("dpkg") is None or shutil.which("readelf") is None,
                    reason="needs a Debian system with binutils")
def test_the_readme_names_every_xcb_library_qts_x11_plugin_links_to() -> None:
    """The libraries a fresh desktop lacks are the xcb/xkb ones: each that Qt's X11 plugin
    (or its XcbQpa library) links to must come from a package the README installs."""
    import PySide6

    qt = Path(PySide6.__file__).parent / "Qt"
    needed: set[str] = set()
    for binary in (qt / "plugins" / "platforms" / "libqxcb.so", *qt.glob("lib/libQt6XcbQpa.so*")):
        dynamic = subprocess.run(["readelf", "-d", str(binary)], capture_output=True, text=True,
                                 check=True).stdout
        needed |= set(re.findall(r"\[(lib(?:xcb|xkbcommon|X11-xcb)[^\]]*)\]", dynamic))
    assert "libxcb-icccm.so.4" in needed
    named = set(readme_commands()[0].split())
    packages = {}
    for library in sorted(needed):
        owner = subprocess.run(["dpkg", "-S", f"*/{library}"], capture_output=True, text=True)
        packages[library] = owner.stdout.split(":", 1)[0] if owner.returncode == 0 else None
    base = {"libxcb1", "libx11-xcb1", "libxkbcommon0"}  # there wherever X11 is
    missing = {lib: pkg for lib, pkg in packages.items() if pkg not in named | base}
    assert missing == {}
