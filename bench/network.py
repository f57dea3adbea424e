"""Network speed: ms per 3-s patch of one musicnn backbone, per batch size and variant.

    /work/venv/bin/python bench/network.py [--threads 1] [--repeats 10]

Variants (all but autocast and bf16 give the same numbers):
  literal   conv -> ReLU -> BatchNorm over the whole map, then max over mel (TF's order), one forward
  pooled    max over mel first (exact, the shipped FrontBlock), one forward for the whole batch
  chunked   pooled, in forwards of MusicNN.chunk_patches (=2) patches: the exact model
  autocast  chunked under torch.autocast(bfloat16); not shipped (accuracy cost printed below)
  bf16      chunked, timbral convs as one im2col + bfloat16 matmul (set_precision("bf16")):
            what bundles run on CPUs with AMX / AVX512-BF16 (docs/speed.md)
"CPU" is this thread's CPU time (steadier than wall time on a shared machine); "wall" is elapsed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import classifier  # noqa: E402, F401  (before torch: it sets the product's OMP_WAIT_POLICY)

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from classifier.bundle_weights import load_musicnn  # noqa: E402
from classifier.nets.musicnn import FrontBlock, MusicNN  # noqa: E402
from resources import MODELS_DIR  # noqa: E402

BATCHES = (1, 2, 3, 5, 10)
FIXTURE = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "musicnn_reference.npz"


def literal_forward(self: FrontBlock, x: torch.Tensor) -> torch.Tensor:
    """TF's order, for comparison: ReLU and BatchNorm over the whole map, then max."""
    y = torch.relu(self.conv(F.pad(x, (0, 0, *self.time_pad))))
    return F.batch_norm(y, self.bn.running_mean, self.bn.running_var, self.bn.weight,
                        self.bn.bias, False, 0.0, self.bn.eps).amax(dim=3)


def variants(model: MusicNN) -> dict[str, Callable[[torch.Tensor], torch.Tensor]]:
    """name -> function running a batch of patches to tag probabilities."""
    def whole(mel: torch.Tensor) -> torch.Tensor:
        model.chunk_patches = len(mel)
        try:
            return model(mel)[0]
        finally:
            model.chunk_patches = 2

    def literal(mel: torch.Tensor) -> torch.Tensor:
        FrontBlock.forward, shipped = literal_forward, FrontBlock.forward
        try:
            return whole(mel)
        finally:
            FrontBlock.forward = shipped

    def autocast(mel: torch.Tensor) -> torch.Tensor:
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return model(mel)[0].float()

    def bf16(mel: torch.Tensor) -> torch.Tensor:
        model.set_precision("bf16")
        try:
            return model(mel)[0]
        finally:
            model.set_precision("exact")

    return {"literal": literal, "pooled": whole, "chunked": lambda mel: model(mel)[0],
            "autocast": autocast, "bf16": bf16}


def time_per_patch(run: Callable, batch: int, repeats: int) -> tuple[float, float]:
    """Median (CPU ms, wall ms) per patch over repeats, after one warm-up forward."""
    mel = torch.randn(batch, 187, 96) + 2.0
    cpu, wall = [], []
    run(mel)
    for _ in range(repeats):
        c, w = time.thread_time(), time.perf_counter()
        run(mel)
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    return 1000 * float(np.median(cpu)) / batch, 1000 * float(np.median(wall)) / batch


def accuracy(model: MusicNN, run: Callable) -> str:
    """Max |prob - exact prob| on the real fixture patches, and whether top-3 tags agree."""
    with np.load(FIXTURE) as data:
        mel = torch.from_numpy(data["inputs"])
    exact, got = model(mel)[0], run(mel)
    same = all(set(exact[i].topk(3).indices.tolist()) == set(got[i].topk(3).indices.tolist())
               for i in range(len(mel)))
    return f"max |dp| {float((exact - got).abs().max()):.1e}, top-3 tags same: {same}"


def first_forward(run: Callable, batch: int) -> float:
    """Wall ms of the first forward at a batch size not run before (a new track's patch count)."""
    start = time.perf_counter()
    run(torch.randn(batch, 187, 96) + 2.0)
    return 1000 * (time.perf_counter() - start)


def main() -> int:
    """Print the table, the accuracy of each variant and the first-forward cost."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, _ = load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")
    runs = variants(model)
    print(f"threads={args.threads}; ms per patch, CPU/wall, median of {args.repeats}")
    print("variant   " + "".join(f"B={b:<12}" for b in BATCHES))
    with torch.inference_mode():
        for name, run in runs.items():
            cells = (time_per_patch(run, b, args.repeats) for b in BATCHES)
            print(f"{name:10}" + "".join(f"{c:5.1f}/{w:<8.1f}" for c, w in cells))
        for name, run in runs.items():
            print(f"{name:10}{accuracy(model, run)}; first forward at B=7: "
                  f"{first_forward(run, 7):.0f} ms, then {first_forward(run, 7):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
