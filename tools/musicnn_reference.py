"""Make tests/fixtures/musicnn_reference.npz with the ORIGINAL TensorFlow musicnn.

Throwaway-environment tool (TensorFlow is never a GenreLens dependency); see tools/README.md:

    TF_USE_LEGACY_KERAS=1 /work/tfenv/bin/python tools/musicnn_reference.py \
        /work/musicnn_dl/x/musicnn ../shared/data tests/fixtures/musicnn_reference.npz

For each clip it stores one 187-frame log-mel patch (starting 1 s in) and what the original
graph (musicnn/models.py from the wheel, weights restored with tf.compat.v1.train.Saver)
outputs for it: tag probabilities and the penultimate layer, for MSD_musicnn and MTT_musicnn.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from reference_features import PATCH_FRAMES, log_mel

CLIPS = [
    "gtzan-mini/rock/rock.00000.flac",
    "gtzan-mini/classical/classical.00001.flac",
    "gtzan-mini/hiphop/hiphop.00002.flac",
    "cc-music/198-209-0000.ogg",  # speech
]
START_FRAME = 63  # 63 hops of 256 samples at 16 kHz ~ 1 s


def log_mel_patch(path: Path) -> np.ndarray:
    """One 187-frame patch of the musicnn input (the shared reference path)."""
    return log_mel(path)[START_FRAME:START_FRAME + PATCH_FRAMES]


def run_tf(wheel_dir: Path, model: str, patches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tag probabilities and penultimate activations from the original TF-1 graph."""
    import tensorflow as tf

    sys.path.insert(0, str(wheel_dir.parent))
    from musicnn import models  # the wheel's own graph code

    tf.compat.v1.disable_eager_execution()
    tf.compat.v1.reset_default_graph()
    x = tf.compat.v1.placeholder(tf.float32, [None, PATCH_FRAMES, 96])
    is_training = tf.compat.v1.placeholder(tf.bool)
    outputs = models.define_model(x, is_training, model, 50)
    probs, penultimate = tf.nn.sigmoid(outputs[0]), outputs[-1]
    with tf.compat.v1.Session() as sess:
        tf.compat.v1.train.Saver().restore(sess, str(wheel_dir / model) + "/")
        return sess.run([probs, penultimate], feed_dict={x: patches, is_training: False})


def main() -> int:
    """Write the fixture: inputs, clip names and both models' outputs."""
    wheel_dir, data_dir, target = (Path(a) for a in sys.argv[1:4])
    patches = np.stack([log_mel_patch(data_dir / clip) for clip in CLIPS]).astype(np.float32)
    arrays = {"inputs": patches, "clips": np.array(CLIPS)}
    for model in ("MSD_musicnn", "MTT_musicnn"):
        probs, penultimate = run_tf(wheel_dir, model, patches)
        key = model.split("_")[0].lower()
        arrays[f"{key}_probs"], arrays[f"{key}_embedding"] = probs, penultimate
    target.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(target, **arrays)
    print("wrote", target, {k: v.shape for k, v in arrays.items()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
