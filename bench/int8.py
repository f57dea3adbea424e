"""Without BF16: the timbral-conv candidates side by side, per 3-s patch of musicnn-MSD.

    ONEDNN_MAX_CPU_ISA=AVX2 ATEN_CPU_CAPABILITY=avx2 \\
        /work/main/.venv/bin/python bench/int8.py [--repeats 9] [--batch 12] [--compile] [--pt2e]

Variants, run alternately (A B C A B C ...) so machine load hits them alike; one torch thread,
batches as classify runs them (12 patches = 4 tracks x 3 clips, in forwards of 2):
  conv     F.conv2d then max over mel: the float32 path before issue #24
  im2col   float32 im2col + sgemm per patch (float_conv_max): the float32 path now
  bf16     im2col + bfloat16 matmul (set_precision("bf16")): ships only with native BF16
  int8     im2col + torch._int_mm (oneDNN s8s8s32 gemm, musicnn.int8_conv_max): activations
           per patch, weights per channel, symmetric, max over mel in int32 before scaling;
           opt-in (GENRELENS_PRECISION=int8) where the gemm is exact (VNNI), saturates on AVX2
  compiled (--compile) the float32 im2col model as one frozen torch.compile graph per chunk
           (inductor: needs a C++ compiler at run time); not shipped
  pt2e     (--pt2e, needs the torchao package) torch.export -> X86InductorQuantizer ->
           calibrated on real pool clips -> convert_pt2e -> torch.compile (inductor + oneDNN
           int8 kernels; needs a C++ compiler); not shipped
Drift: on real genre-pool patches (non-GTZAN music and non-music, never holdout), the max
|tag probability - conv| and the share of patches whose top tag is unchanged.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import classifier  # noqa: E402, F401  (before torch: it sets the product's OMP_WAIT_POLICY)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

from classifier.audio import ClipPlan, decode_clips  # noqa: E402
from classifier.bundle import load_bundle  # noqa: E402
from classifier.bundle_weights import load_musicnn  # noqa: E402
from classifier.features import LogMel, patch_samples  # noqa: E402
from classifier.nets import musicnn  # noqa: E402
from classifier.nets.musicnn import int8_conv_max  # noqa: E402
from resources import MODELS_DIR  # noqa: E402

POOL = Path(__file__).resolve().parents[2] / "shared" / "data" / "genre-pool"
SHIPPED_FLOAT = musicnn.float_conv_max


def pool_patches(per_label: int) -> torch.Tensor:
    """One 3-s patch from up to per_label clips of each genre-pool label, GTZAN clips left out."""
    rows = [line.split("\t") for line in (POOL / "MANIFEST.tsv").read_text().splitlines()[1:]]
    by_label: dict[str, list[str]] = {}
    for row in rows:
        if "gtzan" not in row[2].lower():  # GTZAN ids >= 10 are holdout: none at all
            by_label.setdefault(row[1], []).append(row[0])
    rng = random.Random(0)
    paths = [p for _, ps in sorted(by_label.items())
             for p in rng.sample(ps, min(per_label, len(ps)))]
    config = load_bundle("broad").preprocessing
    plan = ClipPlan(count=1, seconds=patch_samples(config) / config.sample_rate)
    logmel = LogMel(config, "cpu")
    return torch.cat([logmel(decode_clips(str(POOL / p), plan, config.sample_rate).clips)
                      for p in paths])


def conv_max(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """The float32 path before: oneDNN's direct convolution, then max over mel."""
    return F.conv2d(x, weight).amax(dim=3)


def patched(model: musicnn.MusicNN, conv: Callable, precision: str = "exact") -> Callable:
    """A function running the model with the float path's timbral conv swapped for conv."""
    def run(mel: torch.Tensor) -> torch.Tensor:
        musicnn.float_conv_max = conv
        model.set_precision(precision)
        try:
            return model(mel)[0]
        finally:
            musicnn.float_conv_max = SHIPPED_FLOAT
            model.set_precision("exact")
    return run


class Chunk(torch.nn.Module):
    """One chunk's forward to logits (export needs the fixed chunk shape, not the split)."""

    def __init__(self, model: musicnn.MusicNN) -> None:
        super().__init__()
        self.model = model

    def forward(self, mel: torch.Tensor) -> torch.Tensor:
        return self.model.backend(self.model.midend(self.model.frontend(mel)))[0]


def chunked(compiled: Callable, chunk: int) -> Callable:
    """(B, frames, 96) -> tag probabilities, through a graph that takes chunk patches."""
    def run(mel: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.sigmoid(compiled(part)) for part in mel.split(chunk)])
    return run


def compiled_variant(model: musicnn.MusicNN, example: torch.Tensor) -> Callable:
    """The float32 model as a frozen inductor graph."""
    torch._inductor.config.freezing = True  # weights as constants: conv/BN folding, layouts
    chunk, start = model.chunk_patches, time.perf_counter()
    compiled = torch.compile(Chunk(model).eval())
    with torch.inference_mode():
        compiled(example[:chunk])
    print(f"compiled: first call (compile) {time.perf_counter() - start:.0f} s")
    return chunked(compiled, chunk)


def pt2e_variant(model: musicnn.MusicNN, calibration: torch.Tensor) -> Callable:
    """PT2E int8 (x86 inductor quantiser) compiled by inductor, as (B, frames, 96) -> probs."""
    from torchao.quantization.pt2e.quantize_pt2e import convert_pt2e, prepare_pt2e
    from torchao.quantization.pt2e.quantizer import x86_inductor_quantizer as xiq

    chunk = model.chunk_patches
    start = time.perf_counter()
    with torch.no_grad():
        graph = torch.export.export(Chunk(model).eval(), (calibration[:chunk],)).module()
    quantizer = xiq.X86InductorQuantizer()
    quantizer.set_global(xiq.get_default_x86_inductor_quantization_config())
    prepared = prepare_pt2e(graph, quantizer)  # type: ignore[arg-type]
    with torch.no_grad():
        for i in range(0, len(calibration) - chunk + 1, chunk):
            prepared(calibration[i:i + chunk])
    quantised = convert_pt2e(prepared)
    # Freezing makes inductor fold the weights and lower quantise-conv-dequantise to oneDNN's
    # int8 convolutions; without it the graph runs float convolutions on dequantised weights.
    torch._inductor.config.freezing = True
    compiled = torch.compile(quantised)
    with torch.inference_mode():
        compiled(calibration[:chunk])
    print(f"pt2e: export + calibrate ({len(calibration)} patches) + convert + compile "
          f"{time.perf_counter() - start:.0f} s")
    return chunked(compiled, chunk)


def drift(variants: dict[str, Callable], patches: torch.Tensor) -> None:
    """Max |tag probability - conv| and top-tag agreement on the real patches."""
    with torch.inference_mode():
        usable = patches[: len(patches) // 2 * 2]  # pt2e's graph takes whole chunks only
        outs = {name: run(usable) for name, run in variants.items()}
    ref = outs["conv"]
    print(f"\ndrift vs conv on {len(usable)} real pool patches:")
    for name, out in outs.items():
        same = (out.argmax(1) == ref.argmax(1)).float().mean().item()
        print(f"  {name:7s} max |dp| {(out - ref).abs().max().item():.2e}   top tag same "
              f"{100 * same:.1f} %")


def timings(variants: dict[str, Callable], mel: torch.Tensor, repeats: int) -> None:
    """Median thread-CPU and wall ms per patch, the variants interleaved."""
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    wall: dict[str, list[float]] = {name: [] for name in variants}
    with torch.inference_mode():
        for run in variants.values():
            run(mel)
        for _ in range(repeats):
            for name, run in variants.items():
                c, w = time.thread_time(), time.perf_counter()
                run(mel)
                cpu[name].append(1000 * (time.thread_time() - c) / len(mel))
                wall[name].append(1000 * (time.perf_counter() - w) / len(mel))
    print(f"\nper patch, batch {len(mel)}, 1 thread, median of {repeats} (min-max CPU):")
    for name in variants:
        c = sorted(cpu[name])
        print(f"  {name:7s} CPU {c[len(c) // 2]:6.1f} ms ({c[0]:.1f}-{c[-1]:.1f})   "
              f"wall {sorted(wall[name])[len(c) // 2]:6.1f} ms")


def main() -> int:
    """Print the drift and per-patch cost of every candidate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--batch", type=int, default=12)
    parser.add_argument("--per-label", type=int, default=6)
    parser.add_argument("--compile", action="store_true", help="also torch.compile float32")
    parser.add_argument("--pt2e", action="store_true", help="also PT2E int8 (needs torchao)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"torch {torch.__version__}, ATen {torch.backends.cpu.get_cpu_capability()}, "
          f"native bf16 {musicnn.bf16_supported()}, "
          f"oneDNN says bf16 {torch.ops.mkldnn._is_mkldnn_bf16_supported()}")
    model = load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")[0].eval()
    patches = pool_patches(args.per_label)
    variants = {"conv": patched(model, conv_max), "im2col": patched(model, SHIPPED_FLOAT),
                "int8": patched(model, int8_conv_max)}
    if torch.ops.mkldnn._is_mkldnn_bf16_supported():  # emulated (slow) unless native
        variants["bf16"] = patched(model, SHIPPED_FLOAT, "bf16")
    if args.compile:
        variants["compiled"] = compiled_variant(model, patches)
    if args.pt2e:
        variants["pt2e"] = pt2e_variant(model, patches)
    drift(variants, patches)
    timings(variants, patches[: args.batch], args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
