"""The pretrained MSD musicnn with its negligible weights dropped, against the weights as they
were converted: drift on real patches and thread-CPU ms per patch, per precision.

    ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 \\
        /work/main/.venv/bin/python bench/live_filters.py [--repeats 15] [--pool]

Most of the converted weights are below 1e-30 (whole timbral filters are nothing else):
`MusicNN.drop_negligible_weights` sets them to zero and the front end runs only the filters
left. Patches: 3 clips of each of the 64 real recordings of bench/accuracy.py (--pool: the
non-GTZAN genre-pool clips); "before" is the model as converted, with every filter run. Prints
the paired accuracy gate of issue #24 (bench/int8_gate.py's) of the default bundle's decisions
with each backbone, the drift of the backbone's outputs per precision, and thread-CPU ms per
patch on 12 patches. One thread.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import classifier  # noqa: E402, F401  (before torch: it sets the product's OMP_WAIT_POLICY)

import torch  # noqa: E402

import numpy as np  # noqa: E402

from bench.accuracy import decisions, run, track_patches  # noqa: E402
from bench.int8_gate import gate, gate_tracks  # noqa: E402
from classifier.bundle import Bundle, load_bundle  # noqa: E402
from classifier.bundle_weights import load_state, read_safetensors  # noqa: E402
from classifier.nets.musicnn import NEGLIGIBLE_WEIGHT, MusicNN  # noqa: E402
from resources import MODELS_DIR  # noqa: E402

WEIGHTS = MODELS_DIR / "musicnn-msd.safetensors"


def as_converted() -> MusicNN:
    """The backbone exactly as the safetensors file has it (no weight dropped)."""
    tensors, metadata = read_safetensors(WEIGHTS)
    model = MusicNN(len(tensors["output.bias"]))
    load_state(model, tensors, str(WEIGHTS))
    return model.eval().requires_grad_(False)


def ms_per_patch(model: MusicNN, patches: torch.Tensor, repeats: int) -> float:
    """Median thread-CPU ms per patch of the whole network over `repeats` passes."""
    model(patches[:2])
    times = []
    for _ in range(repeats):
        start = time.thread_time()
        model(patches)
        times.append(time.thread_time() - start)
    return sorted(times)[len(times) // 2] * 1000 / len(patches)


def outcome(bundle: Bundle, backbone: MusicNN, patches: list[torch.Tensor]) -> dict:
    """The bundle's probabilities and decisions per track with this backbone."""
    bundle.model.backbones[0] = backbone
    probs = run(bundle, patches)[0]
    return {"probs": probs, "decisions": decisions(bundle, probs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--pool", action="store_true", help="genre-pool clips (non-GTZAN)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    bundle = load_bundle("broad")
    before, after = as_converted(), as_converted().drop_negligible_weights()
    for net in (before, after):
        net.set_precision("exact")
    paths, labels = gate_tracks(bundle, args.pool)
    per_track = track_patches(bundle, paths, 3)
    gate("dropped weights", outcome(bundle, before, per_track),
         outcome(bundle, after, per_track), labels, np.random.default_rng(0))
    patches = torch.cat(per_track)
    dropped = sum(int((p == 0).sum()) for p in after.parameters())
    total = sum(p.numel() for p in after.parameters())
    live = {name: int((block.conv.weight.flatten(1).abs().amax(dim=1) > 0).sum())
            for name, block in after.named_children() if name.startswith(("timbral", "temporal"))}
    print(f"weights below {NEGLIGIBLE_WEIGHT:g}: {dropped:,} of {total:,}; filters left: {live}")
    print(f"{len(paths)} recordings, {len(patches)} patches; load "
          f"{os.getloadavg()[0]:.1f}; ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA')}")
    for precision in ("exact", "bf16", "int8"):
        with torch.no_grad():
            tags_b, emb_b = before.set_precision(precision)(patches)
            tags_a, emb_a = after.set_precision(precision)(patches)
        drift = (f"max |d tag prob| {float((tags_a - tags_b).abs().max()):.1e}, "
                 f"max |d embedding| {float((emb_a - emb_b).abs().max()):.1e}")
        timing = patches[:12]
        print(f"{precision:5}: {drift}; ms per patch before "
              f"{ms_per_patch(before, timing, args.repeats):.1f}, after "
              f"{ms_per_patch(after, timing, args.repeats):.1f}")


if __name__ == "__main__":
    main()
