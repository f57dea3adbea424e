"""The random forest leaves scikit-learn as plain arrays and predicts exactly as it did."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file
from sklearn.ensemble import RandomForestClassifier

from classifier.nets.forest import RandomForest, export_forest, forest_proba


@pytest.fixture(scope="module")
def fitted() -> tuple[RandomForestClassifier, np.ndarray]:
    """A forest on rows with descriptor-like scales (1e-4 … 1e6), and unseen test rows."""
    rng = np.random.default_rng(0)
    scales = np.logspace(-4, 6, 57)
    x = rng.normal(size=(240, 57)) * scales
    y = (x[:, 3] / scales[3] + x[:, 40] / scales[40] > 0).astype(int) + (x[:, 10] > 0)
    forest = RandomForestClassifier(n_estimators=25, random_state=0, n_jobs=1).fit(x, y)
    return forest, rng.normal(size=(400, 57)) * scales


def test_exported_arrays_predict_exactly_like_scikit_learn(fitted) -> None:
    forest, test_rows = fitted
    np.testing.assert_array_equal(forest_proba(export_forest(forest), test_rows),
                                  forest.predict_proba(test_rows))


def test_forest_survives_safetensors_and_predicts_the_same(fitted, tmp_path: Path) -> None:
    forest, test_rows = fitted
    model = RandomForest(n_classes=3)
    for name, array in export_forest(forest).items():
        setattr(model, name, torch.from_numpy(array))
    save_file({k: v.contiguous() for k, v in model.state_dict().items()},
              str(tmp_path / "forest.safetensors"))
    loaded = RandomForest(n_classes=3)
    loaded.load_state_dict(load_file(str(tmp_path / "forest.safetensors")))
    np.testing.assert_array_equal(loaded.proba(test_rows.astype(np.float32)),
                                  forest.predict_proba(test_rows.astype(np.float32)))
    with pytest.raises(RuntimeError, match="class count"):
        RandomForest(n_classes=4).load_state_dict(load_file(str(tmp_path / "forest.safetensors")))
