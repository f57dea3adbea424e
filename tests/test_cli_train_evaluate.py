"""`train` then `evaluate` end to end on a few real GTZAN-mini excerpts (1 epoch)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from classifier.scratch_bundle import load_scratch_bundle
from main import main


@pytest.fixture
def tiny_csv(shared_data: Path, tmp_path: Path) -> Path:
    """Three classical and three metal excerpts, plus one file that is not audio."""
    rows = ["path,genre"]
    for genre in ("classical", "metal"):
        rows += [f"{shared_data}/gtzan-mini/{genre}/{genre}.0000{i}.flac,{genre}" for i in range(3)]
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"not audio at all" * 100)
    rows.append(f"{broken},metal")
    path = tmp_path / "tiny.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_train_then_evaluate_writes_bundle_json_and_png(tiny_csv, tmp_path, capsys) -> None:
    bundle = tmp_path / "bundle"
    db = str(tmp_path / "lib.sqlite3")
    assert main(["--db", db, "train", "--net", "schindler-shallow", "--data", str(tiny_csv),
                 "--epochs", "1", "--seed", "1", "--no-progress", "--out", str(bundle)]) == 0
    out = capsys.readouterr()
    assert "broken.flac" in out.err and "bundle written" in out.out
    loaded = load_scratch_bundle(bundle)
    assert loaded.labels == ["classical", "metal"] and loaded.net == "schindler-shallow"
    assert (bundle / "checkpoints" / "checkpoint.safetensors").is_file()

    assert main(["--db", db, "evaluate", "--bundle", str(bundle), "--data", str(tiny_csv),
                 "--compare", str(bundle), "--out", str(tmp_path / "eval")]) == 0
    out = capsys.readouterr().out
    report = json.loads((tmp_path / "eval" / "bundle" / "evaluation.json").read_text())
    assert report["n_tracks"] == 6 and len(report["confusion"]) == 2
    assert any("broken.flac" in error for error in report["errors"])
    assert (tmp_path / "eval" / "bundle" / "confusion.png").read_bytes()[:4] == b"\x89PNG"
    assert "| bundle (schindler-shallow) |" in out and "majority vote" in out


def test_evaluate_with_the_real_split_file_selects_its_tracks(shared_data, tmp_path) -> None:
    bundle, db = tmp_path / "bundle", str(tmp_path / "lib.sqlite3")
    data = shared_data / "gtzan-mini"
    split = shared_data / "gtzan-splits"
    assert main(["--db", db, "train", "--net", "schindler-shallow", "--data", str(data),
                 "--split", str(split / "test_filtered.txt"), "--valid-split",
                 str(split / "valid_filtered.txt"), "--epochs", "1", "--no-progress",
                 "--out", str(bundle)]) == 0
    assert load_scratch_bundle(bundle).info["train_tracks"] == 4  # test list ∩ gtzan-mini
    assert main(["--db", db, "evaluate", "--bundle", str(bundle), "--data", str(data),
                 "--split", str(split / "test_filtered.txt")]) == 0
    report = json.loads((bundle / "evaluation" / "evaluation.json").read_text())
    assert report["n_tracks"] == 4


def test_evaluate_reports_a_missing_bundle(shared_data, tmp_path, capsys) -> None:
    code = main(["--db", str(tmp_path / "l.db"), "evaluate", "--bundle", str(tmp_path / "none"),
                 "--data", str(shared_data / "gtzan-mini")])
    assert code == 1 and "not found" in capsys.readouterr().err


def test_cross_validation_by_artist_writes_one_bundle_per_fold(shared_data, tmp_path, capsys):
    rows = ["path,genre,artist"]
    for genre in ("classical", "metal"):
        rows += [f"{shared_data}/gtzan-mini/{genre}/{genre}.0000{i}.flac,{genre},{genre} {i % 2}"
                 for i in range(4)]
    csv_path = tmp_path / "artists.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    out = tmp_path / "cv"
    assert main(["--db", str(tmp_path / "l.db"), "train", "--net", "schindler-shallow", "--data",
                 str(csv_path), "--folds", "2", "--by-artist", "--epochs", "1", "--no-progress",
                 "--out", str(out)]) == 0
    for k in (1, 2):
        report = json.loads((out / f"fold-{k}" / "evaluation" / "evaluation.json").read_text())
        assert report["n_tracks"] == 4  # two artists of two tracks each per test fold
    assert "| schindler-shallow |" in capsys.readouterr().out
