"""The gate's extra non-music (tools/gate_sounds.py) and its folds (tools/default_fit.gate_folds):
a real .deb built with dpkg-deb around real audio, and the fold rule the old-vs-new comparison in
bench/music_gate.py rests on."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tools.default_fit import gate_folds, grouped_folds
from tools.gate_sounds import extra_items, extract, tuxpaint_sounds


def build_deb(tmp_path: Path, package: str, files: dict[str, Path]) -> Path:
    """A real Debian package holding `files` (path inside -> real audio file) and a copyright."""
    root = tmp_path / "pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text(
        f"Package: {package}\nVersion: 9.9-1\nArchitecture: all\nMaintainer: t <t@example.org>\n"
        "Description: test\n test\n", encoding="utf-8")
    doc = root / "usr/share/doc" / package
    doc.mkdir(parents=True)
    (doc / "copyright").write_text("License: GPL-2+\n", encoding="utf-8")
    for inner, source in files.items():
        (root / inner).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source, root / inner)
    deb = tmp_path / f"{package}.deb"
    subprocess.run(["dpkg-deb", "--build", "--root-owner-group", str(root), str(deb)],
                   check=True, capture_output=True)
    return deb


@pytest.mark.skipif(shutil.which("dpkg-deb") is None, reason="needs dpkg-deb")
def test_extract_keeps_animal_calls_once_and_leaves_horns_and_blips(tmp_path: Path,
                                                                    shared_data: Path) -> None:
    dog, waltz = shared_data / "cc-music/pibble.ogg", \
        shared_data / "cc-music/147793__setuniman__sweet-waltz-0i-22mi.ogg"
    sound = "usr/share/games/widelands/data/sound/"
    deb = build_deb(tmp_path, "widelands-data", {
        sound + "animals/bird1_00.ogg": dog,
        sound + "animals/bird1_01.ogg": dog,  # the same bytes again: kept once
        sound + "animals/wolf_00.ogg": waltz,
        sound + "military/site_occupied.ogg": waltz,  # a horn call may be music: left out
        sound + "click.ogg": dog,  # interface blip: left out
    })
    out = tmp_path / "cache"
    rows = extract([deb], out)
    assert [(Path(r["original_path"]).name, r["kind"]) for r in rows] == [
        ("bird1_00.ogg", "widelands:animals/birds"), ("wolf_00.ogg", "widelands:animals/wolf")]
    assert {r["version"] for r in rows} == {"9.9-1"}
    assert all("GPL-2+" in r["licence"] for r in rows)
    assert (out / "widelands-data" / "copyright").is_file()
    items = extra_items(out)
    assert [i.genre for i in items] == [None, None]  # non-music, never a genre
    assert items[0].path.read_bytes() == dog.read_bytes()  # copied as it is in the package


def test_tuxpaint_rules_take_sound_effects_not_descriptions_or_instruments(
        tmp_path: Path, shared_data: Path) -> None:
    dog = shared_data / "cc-music/pibble.ogg"
    stamps = tmp_path / "usr/share/tuxpaint/stamps"
    for inner in ("animals/birds/lark.ogg", "animals/birds/lark_desc.ogg",
                  "animals/birds/lark_desc_fr.ogg", "hobbies/music/string/violin.ogg",
                  "symbols/alphabets/a.ogg", "household/kettle.ogg",
                  "military/final-roll-call.ogg"):
        (stamps / inner).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(dog, stamps / inner)
    found = {Path(original).name: kind for _, original, kind in tuxpaint_sounds(tmp_path)}
    assert found == {"lark.ogg": "tuxpaint:animals/birds", "kettle.ogg": "tuxpaint:effects"}


def test_gate_folds_keep_the_pool_folds_and_hold_each_kind_out_whole() -> None:
    rng = np.random.default_rng(3)
    pool_groups = [f"g{i // 4}" for i in range(200)]
    pool_music = np.repeat(rng.integers(0, 2, 50), 4).astype(bool)
    extra_groups = [f"kind{i % 13}" for i in range(90)]
    before = grouped_folds(pool_music.astype(int), pool_groups, 5, 0)
    after = gate_folds(pool_groups, pool_music, extra_groups, 5, 0)
    tested = np.concatenate([test for _, test in after])
    assert sorted(tested.tolist()) == list(range(290))  # every clip held out exactly once
    for (old_train, old_test), (train, test) in zip(before, after):
        assert train[train < 200].tolist() == old_train.tolist()  # the pool's folds unchanged
        assert test[test < 200].tolist() == old_test.tolist()
        held = {extra_groups[i - 200] for i in test[test >= 200]}
        taught = {extra_groups[i - 200] for i in train[train >= 200]}
        assert held and not held & taught  # a kind is never on both sides
    assert gate_folds(pool_groups, pool_music, [], 5, 0)[0][1].tolist() == before[0][1].tolist()
