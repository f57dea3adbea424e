"""Multi-label tagging on real clips: sigmoid/BCE training, ROC-AUC and PR-AUC per tag."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from classifier.training.datasets import load_csv
from classifier.training.experiment import prepare, recipe_config
from classifier.inputs import decode
from classifier.training.multilabel import multi_hot, tag_clip_set, tag_report, train_tagger
from classifier.nets.registry import get_net
from classifier.scratch_bundle import load_scratch_bundle
from main import main


@pytest.fixture(scope="module")
def tag_csv(shared_data: Path, tmp_path_factory) -> Path:
    """Three classical and three metal excerpts tagged with their genre and, from their own
    audio, "loud" or "quiet" (RMS above or below the six tracks' median)."""
    paths = [shared_data / "gtzan-mini" / genre / f"{genre}.0000{i}.flac"
             for genre in ("classical", "metal") for i in range(3)]
    rms = [float(np.sqrt(np.mean(decode(p, 22050) ** 2))) for p in paths]
    median = float(np.median(rms))
    rows = ["path,genre,tags"] + [
        f"{p},{p.parent.name},{p.parent.name};{'loud' if r > median else 'quiet'}"
        for p, r in zip(paths, rms, strict=True)
    ]
    csv_path = tmp_path_factory.mktemp("tags") / "tags.csv"
    csv_path.write_text("\n".join(rows) + "\n")
    return csv_path


def test_tag_report_matches_hand_computed_areas() -> None:
    truth = np.array([[0, 1], [0, 1], [1, 1], [1, 1]], dtype=np.float32)
    probs = np.array([[0.1, 0.5], [0.4, 0.5], [0.35, 0.5], [0.8, 0.5]], dtype=np.float32)
    report = tag_report(probs, truth, np.arange(4), ["a", "always"])
    # ROC: 3 of the 4 positive/negative pairs are ordered right; AP: precision 1 at the first
    # positive (0.8), 2/3 at the second (0.35).
    assert report.per_tag["a"]["clip_roc_auc"] == pytest.approx(0.75)
    assert report.per_tag["a"]["clip_pr_auc"] == pytest.approx((1 + 2 / 3) / 2)
    assert report.per_tag["always"]["clip_roc_auc"] is None  # no negatives: undefined
    assert report.macro["clip_roc_auc"] == pytest.approx(0.75)


def test_tagger_learns_real_clips_with_binary_cross_entropy(tag_csv: Path) -> None:
    tracks = load_csv(tag_csv)
    net = get_net("rnn")
    data = prepare(tracks, net.input_spec)
    config = recipe_config(net, epochs=4, batch_size=8, seed=0, progress=False)
    bundle, result = train_tagger(net, data, range(6), [], config)
    losses = [row["train_loss"] for row in result.history]
    assert bundle.multi_label and bundle.labels == ["classical", "loud", "metal", "quiet"]
    assert losses[-1] < losses[0]
    clips = tag_clip_set(data.features, range(6), multi_hot(tracks, range(6), bundle.labels),
                         data.spec)
    probs = bundle.predict_clips(clips.x)
    assert probs.shape == (len(clips), 4)
    assert not np.allclose(probs.sum(axis=1), 1.0)  # independent sigmoids, not a softmax


def test_train_and_evaluate_multi_label_from_the_command_line(tag_csv, tmp_path, capsys):
    bundle, db = tmp_path / "tags-bundle", str(tmp_path / "lib.sqlite3")
    assert main(["--db", db, "train", "--net", "rnn", "--data", str(tag_csv),
                 "--multi-label", "--epochs", "3", "--no-progress", "--out", str(bundle)]) == 0
    loaded = load_scratch_bundle(bundle)
    assert loaded.multi_label and loaded.labels == ["classical", "loud", "metal", "quiet"]
    assert main(["--db", db, "evaluate", "--bundle", str(bundle), "--data", str(tag_csv)]) == 0
    report = json.loads((bundle / "evaluation" / "evaluation.json").read_text())
    assert set(report["per_tag"]) == {"classical", "loud", "metal", "quiet"}
    for row in report["per_tag"].values():
        assert 0.0 <= row["track_roc_auc"] <= 1.0 and 0.0 < row["track_pr_auc"] <= 1.0
    out = capsys.readouterr().out
    assert "macro" in out and "clip ROC" in out
