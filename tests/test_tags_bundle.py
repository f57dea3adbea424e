"""The "tags" bundle: the MSD backbone's own 50 tags as a multi-label bundle.

It loads like any bundle, `evaluate` scores it per tag (ROC-AUC, PR-AUC) against a CSV `tags`
column, and `classify` refuses it, since tag probabilities are not genres.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from sqlalchemy import func, select

from classifier.bundle import BundleError, load_bundle
from classifier.bundle_weights import bundle_precision, load_musicnn
from classifier.training.datasets import LabelledTrack
from classifier.training.evaluate_bundle import tag_truth
from library.db import create_db_engine, session_factory
from library.models import Prediction, Track
from main import main
from resources import MODELS_DIR
from workflows.classify import NotAGenreBundleError, classify_tracks

TAGS = MODELS_DIR / "tags"


@pytest.fixture(scope="module")
def tags():
    return load_bundle("tags")


def test_tags_bundle_outputs_are_the_backbones_own_tag_probabilities(tags) -> None:
    backbone, names = load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")
    backbone.set_precision(bundle_precision())
    patches = torch.rand(3, 187, 96) * 3
    with torch.inference_mode():
        probs, embedding = tags.model(patches)
        expected, expected_embedding = backbone(patches)
    assert tags.multi_label and tags.labels == tuple(names) and len(names) == 50
    assert torch.equal(probs, expected) and torch.equal(embedding, expected_embedding)


def test_genre_bundles_are_not_multi_label() -> None:
    assert not load_bundle("gtzan10").multi_label


def write_tags_bundle(folder: Path, **changes) -> Path:
    """A copy of the shipped tags bundle.json with top-level changes (None deletes a key)."""
    spec = json.loads((TAGS / "bundle.json").read_text())
    for key, value in changes.items():
        if value is None:
            spec.pop(key)
        else:
            spec[key] = value
    folder.mkdir(parents=True)
    (folder / "bundle.json").write_text(json.dumps(spec))
    return folder


def test_inconsistent_tags_bundles_are_refused_clearly(tmp_path: Path) -> None:
    labels = json.loads((TAGS / "bundle.json").read_text())["labels"]
    two = [{"name": "msd", "weights": "musicnn-msd.safetensors"},
           {"name": "mtt", "weights": "musicnn-mtt.safetensors"}]
    cases = {
        "reordered": (write_tags_bundle(tmp_path / "a", labels=labels[::-1]), "in its order"),
        "not flagged": (write_tags_bundle(tmp_path / "b", multi_label=None), "multi_label"),
        "two backbones": (write_tags_bundle(tmp_path / "c", backbones=two), "exactly one"),
        "flag type": (write_tags_bundle(tmp_path / "d", multi_label="yes"), "true or false"),
    }
    for name, (folder, fragment) in cases.items():
        with pytest.raises(BundleError) as caught:
            load_bundle(folder)
        assert fragment in str(caught.value), name


def test_truth_matches_tags_ignoring_case_and_ignores_unknown_tags() -> None:
    tracks = [LabelledTrack(Path("a.flac"), "hiphop", tags=("hip-hop", "polka")),
              LabelledTrack(Path("b.flac"), "rock", tags=("Rock",)),
              LabelledTrack(Path("c.flac"), "x")]
    truth = tag_truth(tracks, ["rock", "Hip-Hop", "jazz"])
    assert truth[0].tolist() == [0, 1, 0]
    assert truth[1].tolist() == [1, 0, 0]
    assert truth[2].tolist() == [0, 0, 0]


def one_track_library(shared_data: Path, db_path: Path):
    path = shared_data / "gtzan-mini/jazz/jazz.00000.flac"
    sessions = session_factory(create_db_engine(db_path))
    with sessions.begin() as session:
        session.add(Track(path=str(path), size=path.stat().st_size,
                          mtime_ns=path.stat().st_mtime_ns))
    return sessions


def test_classify_refuses_the_tags_bundle_and_stores_nothing(
    shared_data: Path, db_path: Path, tags, capsys: pytest.CaptureFixture[str]
) -> None:
    sessions = one_track_library(shared_data, db_path)
    code = main(["--db", str(db_path), "classify", "--bundle", "tags", "--device", "cpu"])
    assert code == 2
    assert "multi-label tagger" in capsys.readouterr().err
    with pytest.raises(NotAGenreBundleError, match="evaluate --bundle tags"):
        classify_tracks(sessions, [], tags)  # the GUI's path goes through the same stream
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Prediction)) == 0


def test_the_settings_dialog_offers_genre_bundles_only() -> None:
    from gui.settings import available_bundles

    names = available_bundles()
    assert "broad" in names and "gtzan10" in names and "tags" not in names


def tag_csv(shared_data: Path, folder: Path) -> Path:
    """Real gtzan-mini excerpts tagged with their genre folder, each an MSD tag."""
    rows = ["path,genre,tags"]
    for genre in ("jazz", "metal", "country"):
        for n in (0, 1):
            rows.append(f"{shared_data}/gtzan-mini/{genre}/{genre}.0000{n}.flac,{genre},{genre}")
    rows.append(f"{shared_data}/gtzan-mini/jazz/missing.flac,jazz,jazz")
    (folder / "tags.csv").write_text("\n".join(rows) + "\n")
    return folder / "tags.csv"


@pytest.mark.slow  # real musicnn on 6 real excerpts
def test_evaluate_reports_roc_and_pr_auc_per_tag(
    shared_data: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["--db", str(db_path), "evaluate", "--bundle", "tags",
                 "--data", str(tag_csv(shared_data, tmp_path)), "--clips", "2",
                 "--out", str(tmp_path / "eval")])
    out = capsys.readouterr().out
    assert code == 0
    assert "=== tags (multi-label)" in out and "macro" in out
    report = json.loads((tmp_path / "eval/tags/evaluation.json").read_text())
    assert report["labels"] == ["jazz", "metal", "country"]  # the tags the data uses
    assert report["n_tracks"] == 6 and report["n_clips"] == 12
    assert any("missing.flac" in error for error in report["errors"])
    for tag in report["labels"]:
        row = report["per_tag"][tag]
        assert row["positives"] == 2
        assert 0 <= row["track_pr_auc"] <= 1 and 0 <= row["clip_roc_auc"] <= 1
    # Wired to the right outputs, the backbone ranks its own "metal" and "jazz" excerpts first;
    # shuffled labels would not (a check of wiring on training-genre audio, not of skill).
    assert report["per_tag"]["metal"]["track_roc_auc"] == 1.0
    assert report["per_tag"]["jazz"]["track_roc_auc"] == 1.0


def test_evaluate_without_tags_says_where_tags_come_from(
    shared_data: Path, tmp_path: Path, db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    csv_path = tmp_path / "plain.csv"
    csv_path.write_text(f"path,genre\n{shared_data}/gtzan-mini/jazz/jazz.00000.flac,jazz\n")
    code = main(["--db", str(db_path), "evaluate", "--bundle", "tags", "--data", str(csv_path),
                 "--out", str(tmp_path / "eval")])
    assert code == 1
    assert "'tags' column" in capsys.readouterr().err
