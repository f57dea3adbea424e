"""musicnn (Pons & Serra, ISMIR 2019 LBD) in PyTorch: a musically motivated CNN music tagger.

Front end: timbral (7x38, 7x67 over time x mel) and temporal (128/64/32 x 1) convolutions,
each max-pooled over the mel axis; mid end: three dense-connected 1-D convolutions over
time; back end: max- and mean-pool over time, dense 200, sigmoid tags. Numbers follow the
TensorFlow original: BatchNorm eps 1e-3, conv -> ReLU -> BatchNorm, TF "SAME" padding,
max/mean interleaved when flattened.
"""

from __future__ import annotations

import functools

import torch
import torch.nn.functional as F
from torch import nn

TF_BN_EPS = 1e-3  # TensorFlow's default, not PyTorch's 1e-5
N_MELS = 96
TIMBRAL_FILTERS = 204  # int(1.6 * 128)
TEMPORAL_FILTERS = 51  # int(1.6 * 32)
FRONTEND_CHANNELS = 2 * TIMBRAL_FILTERS + 3 * TEMPORAL_FILTERS
# Patches per internal forward: the timbral maps of more than ~2 patches spill out of the CPU
# cache (measured in bench/network.py), and a fixed chunk keeps oneDNN's per-shape setup cached.
CHUNK_PATCHES = 2
NEGLIGIBLE_WEIGHT = 1e-12  # |w| below this is zero for the network (drop_negligible_weights)
PRECISIONS = ("exact", "bf16", "int8")


def bf16_supported() -> bool:
    """Whether this CPU multiplies bfloat16 natively (AVX512-BF16 / AMX), so "bf16" pays off."""
    mkldnn = torch.backends.mkldnn.is_available()
    # oneDNN also says yes on plain AVX512 (it emulates bf16 there), where the bf16 timbral
    # path measured 4x slower than float32 (docs/speed.md): ask for the native units too.
    native = torch.cpu._is_avx512_bf16_supported() or torch.cpu._is_amx_tile_supported()
    return bool(mkldnn and native and torch.ops.mkldnn._is_mkldnn_bf16_supported())


def batch_norm(channels: int) -> nn.BatchNorm1d:
    """An inference BatchNorm with TensorFlow's epsilon."""
    return nn.BatchNorm1d(channels, eps=TF_BN_EPS)


@functools.cache
def int8_exact() -> bool:
    """Whether oneDNN's int8 gemm here accumulates exactly (VNNI / AMX), so "int8" pays off.

    Without VNNI (AVX2, plain AVX512) oneDNN multiplies u8 x s8 pairs into saturating int16
    sums: the timbral outputs then drifted by up to 0.27 and 9 of 64 decisions changed
    (bench/int8_gate.py). A product of 127s that saturates int16 tells the two apart directly,
    also when ONEDNN_MAX_CPU_ISA restricts the kernels.
    """
    if not torch.backends.mkldnn.is_available():
        return False
    ones = torch.full((1, 64), 127, dtype=torch.int8)
    try:
        product = int(torch._int_mm(ones, ones.t().repeat(1, 8))[0, 0])
    except RuntimeError:  # a build without a CPU int8 gemm: float32 it is
        return False
    return product == 64 * 127 * 127


class FrontBlock(nn.Module):
    """Conv2d over (time, mel) -> ReLU -> BatchNorm -> max over mel, as (B, C, time)."""

    def __init__(self, filters: int, kernel: tuple[int, int], time_pad: tuple[int, int]) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, filters, kernel)
        self.bn = batch_norm(filters)
        self.time_pad = time_pad
        self.precision = "exact"

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # ReLU and BatchNorm are monotone per channel, so pooling first is exact and
        # avoids two passes over the large (B, C, T, mel) map. A channel whose BatchNorm
        # scale is negative needs the minimum instead: flip its filter's sign and take
        # the maximum, then flip back.
        sign = 1 - 2 * (self.bn.weight < 0).to(self.bn.weight.dtype)
        x = F.pad(x, (0, 0, *self.time_pad))
        conv_bias = self.conv.bias
        if conv_bias is None:  # built with a bias; the checker cannot know
            raise ValueError("musicnn's front-end convolutions have a bias")
        weight, bias = self.conv.weight * sign[:, None, None, None], conv_bias * sign
        # A filter whose weights are all zero (most of the pretrained timbral ones: see
        # MusicNN.drop_negligible_weights) gives its bias everywhere: only the others are run.
        live = self.live_filters()
        if bool(live.all()):
            pooled = self._conv_max(x, weight, bias)
        else:
            frames = x.shape[2] - weight.shape[2] + 1
            pooled = bias[None, :, None].expand(x.shape[0], -1, frames).clone()
            pooled[:, live] = self._conv_max(x, weight[live], bias[live])
        return self.bn(torch.relu(pooled * sign[:, None]))

    def live_filters(self) -> torch.Tensor:
        """(C,) bool: the filters with a nonzero weight; the others' output is constant."""
        return self.conv.weight.flatten(1).abs().amax(dim=1) > 0

    def _conv_max(self, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor
                  ) -> torch.Tensor:
        """Valid conv of (B, 1, T, F) by (C, 1, kt, kf) plus bias, maxed over F: (B, C, T')."""
        if x.device.type != "cpu" or weight.shape[3] == 1:  # temporal: oneDNN is fine
            return F.conv2d(x, weight, bias).amax(dim=3)
        if self.precision == "bf16":
            return bf16_conv_max(x, weight) + bias[:, None]
        if self.precision == "int8":
            return int8_conv_max(x, weight) + bias[:, None]
        return float_conv_max(x, weight) + bias[:, None]


def bf16_conv_max(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Valid conv of (B, 1, T, F) by (C, 1, kt, kf), maxed over F, as one bfloat16 matmul.

    im2col + matmul lets oneDNN use the AMX/AVX512-BF16 units (accumulating in float32);
    F.conv2d in bfloat16 does not, for a single input channel. Inputs and weights are
    rounded to bfloat16 (8-bit mantissa): the drift this causes is measured in
    bench/accuracy.py and docs/speed.md.
    """
    channels, _, kt, kf = weight.shape
    batch, _, frames, mels = x.shape
    cols = x.bfloat16().unfold(2, kt, 1).unfold(3, kf, 1).reshape(batch, -1, kt * kf)
    z = cols @ weight.reshape(channels, -1).t().bfloat16()
    z = z.reshape(batch, frames - kt + 1, mels - kf + 1, channels).amax(dim=2)
    return z.transpose(1, 2).float()


def float_conv_max(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Valid conv of (B, 1, T, F) by (C, 1, kt, kf), maxed over F, as float32 im2col matmuls.

    One sgemm per patch beats oneDNN's direct convolution for one input channel on AVX2
    (7x38 + 7x67: 40 -> 29 ms per patch, bench/int8.py) and ties it on AVX512; per patch keeps
    the columns (11 MB) from crowding the cache. Float32 throughout: only the summation order
    differs from F.conv2d.
    """
    channels, _, kt, kf = weight.shape
    frames, mels = x.shape[2] - kt + 1, x.shape[3] - kf + 1
    w = weight.reshape(channels, -1).t()
    maxed = [(patch[0].unfold(0, kt, 1).unfold(1, kf, 1).reshape(-1, kt * kf) @ w)
             .reshape(frames, mels, channels).amax(dim=1) for patch in x]
    return torch.stack(maxed).transpose(1, 2)


def int8_conv_max(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
    """Valid conv of (B, 1, T, F) by (C, 1, kt, kf), maxed over F, as int8 im2col matmuls.

    Symmetric int8: each patch's input by its own largest magnitude (so a patch's result never
    depends on the patches batched with it), each filter by its own; torch._int_mm (oneDNN's
    s8s8s32 gemm) accumulates in int32, the max over mel is taken there, then scaled back.
    """
    channels, _, kt, kf = weight.shape
    frames, mels = x.shape[2] - kt + 1, x.shape[3] - kf + 1
    w = weight.reshape(channels, -1)
    w_scale = w.abs().amax(dim=1).clamp_min(1e-12) / 127
    wq = (w / w_scale[:, None]).round().to(torch.int8).t().contiguous()
    maxed = []
    for patch in x[:, 0]:
        scale = patch.abs().amax().clamp_min(1e-12) / 127
        cols = (patch / scale).round().to(torch.int8).unfold(0, kt, 1).unfold(1, kf, 1)
        z = torch._int_mm(cols.reshape(-1, kt * kf), wq).reshape(frames, mels, channels)
        maxed.append(z.amax(dim=1).float() * (scale * w_scale))
    return torch.stack(maxed).transpose(1, 2)


class MidBlock(nn.Module):
    """Conv1d over time (kernel 7, zero-padded by 3) -> ReLU -> BatchNorm."""

    def __init__(self, in_channels: int, filters: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(in_channels, filters, 7, padding=3)
        self.bn = batch_norm(filters)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(torch.relu(self.conv(x)))


def same_padding(kernel: int) -> tuple[int, int]:
    """TensorFlow "SAME" padding for stride 1: (k-1)//2 before, the rest after."""
    return (kernel - 1) // 2, kernel - 1 - (kernel - 1) // 2


class MusicNN(nn.Module):
    """musicnn tagger: (B, frames, 96) log-mel -> (tag probabilities (B, n_tags),
    embedding (B, units))."""

    def __init__(self, n_tags: int, midend_filters: int = 64, backend_units: int = 200) -> None:
        super().__init__()
        self.input_bn = nn.BatchNorm2d(1, eps=TF_BN_EPS)
        self.timbral_74 = FrontBlock(TIMBRAL_FILTERS, (7, int(0.4 * N_MELS)), (3, 3))
        self.timbral_77 = FrontBlock(TIMBRAL_FILTERS, (7, int(0.7 * N_MELS)), (3, 3))
        self.temporal_128 = FrontBlock(TEMPORAL_FILTERS, (128, 1), same_padding(128))
        self.temporal_64 = FrontBlock(TEMPORAL_FILTERS, (64, 1), same_padding(64))
        self.temporal_32 = FrontBlock(TEMPORAL_FILTERS, (32, 1), same_padding(32))
        self.mid1 = MidBlock(FRONTEND_CHANNELS, midend_filters)
        self.mid2 = MidBlock(midend_filters, midend_filters)
        self.mid3 = MidBlock(midend_filters, midend_filters)
        pooled = 2 * (FRONTEND_CHANNELS + 3 * midend_filters)
        self.pool_bn = batch_norm(pooled)
        self.dense = nn.Linear(pooled, backend_units)
        self.dense_bn = batch_norm(backend_units)
        self.output = nn.Linear(backend_units, n_tags)
        self.chunk_patches = CHUNK_PATCHES

    @torch.no_grad()
    def drop_negligible_weights(self) -> MusicNN:
        """Set weights below NEGLIGIBLE_WEIGHT to exactly zero. The pretrained MSD network has
        ~322,000 of them (most under 1e-30: 164 of the 204 filters of one timbral branch and
        183 of the other are nothing else); their products with the input are far below
        float32's resolution of the sums they join (the outputs did not change in a single
        bit, bench/live_filters.py), but as subnormal numbers they cost the CPU a microcode
        assist each, and as zeros whole filters can be skipped (FrontBlock.forward)."""
        for parameter in self.parameters():
            parameter.masked_fill_(parameter.abs() < NEGLIGIBLE_WEIGHT, 0.0)
        return self

    def set_precision(self, precision: str) -> MusicNN:
        """"exact" (float32, matches TensorFlow to 1e-4), "bf16" or "int8" timbral convolutions."""
        if precision not in PRECISIONS:
            raise ValueError(f"unknown precision {precision!r}; use one of {', '.join(PRECISIONS)}")
        self.timbral_74.precision = self.timbral_77.precision = precision
        return self

    def frontend(self, mel: torch.Tensor) -> torch.Tensor:
        """(B, T, mel) -> (B, 561, T): the five front-end branches side by side."""
        x = self.input_bn(mel.unsqueeze(1))
        blocks = (self.timbral_74, self.timbral_77, self.temporal_128, self.temporal_64,
                  self.temporal_32)
        return torch.cat([block(x) for block in blocks], dim=1)

    def midend(self, front: torch.Tensor) -> torch.Tensor:
        """Dense-connected mid end: front end, conv1, conv2 + res, conv3 + res, side by side."""
        h1 = self.mid1(front)
        h2 = self.mid2(h1) + h1
        h3 = self.mid3(h2) + h2
        return torch.cat([front, h1, h2, h3], dim=1)

    def backend(self, features: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Max/mean over time, interleaved (max0, mean0, max1, ...), dense -> (logits,
        embedding)."""
        pooled = torch.stack([features.amax(dim=2), features.mean(dim=2)], dim=2).flatten(1)
        embedding = self.dense_bn(torch.relu(self.dense(self.pool_bn(pooled))))
        return self.output(embedding), embedding

    def forward(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-mel patches (B, frames, 96) -> (sigmoid tag probabilities, penultimate embedding)."""
        if len(mel) <= self.chunk_patches:
            logits, embedding = self.backend(self.midend(self.frontend(mel)))
            return torch.sigmoid(logits), embedding
        parts = [self(part) for part in mel.split(self.chunk_patches)]
        return torch.cat([p for p, _ in parts]), torch.cat([e for _, e in parts])
