"""The shipped gtzan10 head bundle in `classify`, and `evaluate` on real (pretrained) bundles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from library.db import create_db_engine, session_factory
from library.models import Prediction, Track
from main import main

pytestmark = pytest.mark.slow  # real musicnn on real audio


def test_gtzan10_bundle_runs_in_classify(shared_data: Path, db_path: Path) -> None:
    path = shared_data / "gtzan-mini/metal/metal.00001.flac"
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        session.add(Track(path=str(path), size=path.stat().st_size,
                          mtime_ns=path.stat().st_mtime_ns))
    assert main(["--db", str(db_path), "classify", "--bundle", "gtzan10", "--device", "cpu"]) == 0
    with sessions() as session:
        stored = session.scalars(select(Prediction)).one()
    assert stored.bundle == "gtzan10"
    assert set(stored.probabilities) == {"blues", "classical", "country", "disco", "hiphop",
                                         "jazz", "metal", "pop", "reggae", "rock"}
    # P(music and genre): the genre probabilities times the gate's P(music), so at most 1
    assert 0.5 < sum(stored.probabilities.values()) <= 1 + 1e-3 and not stored.not_music
    assert stored.top_genres[0] == "metal"  # a training excerpt: this checks wiring, not skill


def test_evaluate_compares_pretrained_bundles_with_a_label_mapping(
    shared_data: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    split = tmp_path / "split.txt"
    split.write_text("classical/classical.00000.wav\nmetal/metal.00002.wav\n"
                     "reggae/reggae.00001.wav\n")
    legacy = Path(__file__).parents[1] / "bench" / "legacy" / "broad-1.0"
    code = main(["--db", str(db_path), "evaluate", "--bundle", "gtzan10", "--compare", "broad",
                 str(legacy), "--data", str(shared_data / "gtzan-mini"), "--split", str(split),
                 "--clips", "2", "--out", str(tmp_path / "eval")])
    out = capsys.readouterr().out
    assert code == 0
    assert "| gtzan10 (linear) |" in out and "| broad (linear) |" in out
    assert "| broad-1.0 (tag_map) |" in out
    broad = json.loads((tmp_path / "eval/broad/evaluation.json").read_text())
    assert broad["n_tracks"] == 3 and set(broad["labels"]) == {"Classical", "Metal", "Reggae"}
    old = json.loads((tmp_path / "eval/broad-1.0/evaluation.json").read_text())
    assert old["n_tracks"] == 2  # reggae has no 1.0 label: skipped and said so
    assert set(old["labels"]) == {"Classical", "Metal"}
    assert any("reggae" in error for error in old["errors"])
    gtzan10 = json.loads((tmp_path / "eval/gtzan10/evaluation.json").read_text())
    assert gtzan10["n_tracks"] == 3 and gtzan10["n_clips"] == 6
    assert (tmp_path / "eval/gtzan10/confusion.png").stat().st_size > 1000
    assert (tmp_path / "eval/broad/reliability.png").stat().st_size > 1000
    assert out.count("expected calibration error") == 3 and "music gate: 0 of 3" in out
    assert sum(row["count"] for row in broad["reliability"]) == 3 and 0 <= broad["ece"] <= 1


def test_a_new_model_kind_is_evaluated_through_its_registry_entry_alone(
    shared_data: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A kind is one KINDS entry (classifier/bundles.py): `evaluate` opens and describes it
    there, and scores what its GenreModel predicts; nothing in cli/evaluate.py names kinds."""
    from classifier.bundle import BundleInfo, load_bundle
    from classifier.bundles import KINDS, BundleKind

    folder = tmp_path / "stand-in"
    folder.mkdir()
    (folder / "bundle.json").write_text(json.dumps({"kind": "stand-in"}))
    kind = BundleKind(open=lambda _folder: load_bundle("gtzan10"),
                      describe=lambda path, raw: BundleInfo("stand-in", "1", "gtzan10 under "
                                                            "another kind", path,
                                                            kind="stand-in", design="copy"),
                      identity=lambda _folder: ("stand-in", "1"), evaluation_beside=True)
    monkeypatch.setitem(KINDS, "stand-in", kind)
    split = tmp_path / "split.txt"
    split.write_text("classical/classical.00000.wav\nmetal/metal.00002.wav\n")
    code = main(["--db", str(db_path), "evaluate", "--bundle", str(folder),
                 "--data", str(shared_data / "gtzan-mini"), "--split", str(split),
                 "--clips", "1"])
    assert code == 0 and "=== " + str(folder) in capsys.readouterr().out
    report = json.loads((folder / "evaluation" / "evaluation.json").read_text())  # beside it
    assert report["n_tracks"] == 2 and report["n_clips"] == 2
