"""The PyTorch musicnn port: shipped weights, parity with TensorFlow, exact shortcuts."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file

from classifier.bundle_weights import load_musicnn
from classifier.nets.musicnn import FrontBlock, MusicNN
from resources import MODELS_DIR

FIXTURE = Path(__file__).parent / "fixtures" / "musicnn_reference.npz"
WHEEL = Path(os.environ.get("GENRELENS_MUSICNN_WHEEL", "/work/musicnn_dl/x/musicnn"))


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(FIXTURE) as data:
        return dict(data)


@pytest.mark.parametrize("source", ["msd", "mtt"])
def test_shipped_weights_have_every_tensor_in_float32(source: str) -> None:
    model, tags = load_musicnn(MODELS_DIR / f"musicnn-{source}.safetensors")
    assert len(tags) == 50 and len(set(tags)) == 50
    assert model.timbral_74.conv.weight.shape == (204, 1, 7, 38)
    assert model.timbral_77.conv.weight.shape == (204, 1, 7, 67)
    assert model.mid1.conv.weight.shape == (64, 561, 7)
    assert model.dense.weight.shape == (200, 1506)
    tensors = model.state_dict().values()
    assert all(t.dtype == torch.float32 for t in tensors if t.is_floating_point())


@pytest.mark.parametrize("source", ["msd", "mtt"])
def test_port_matches_tensorflow_original(source: str, reference: dict[str, np.ndarray]) -> None:
    model, _ = load_musicnn(MODELS_DIR / f"musicnn-{source}.safetensors")
    with torch.inference_mode():
        probs, embedding = model(torch.from_numpy(reference["inputs"]))
    assert np.abs(probs.numpy() - reference[f"{source}_probs"]).max() <= 1e-4
    assert np.abs(embedding.numpy() - reference[f"{source}_embedding"]).max() <= 1e-4


@pytest.mark.parametrize("source", ["msd", "mtt"])
def test_bf16_fast_path_stays_within_its_stated_bound(source: str, reference: dict) -> None:
    model, _ = load_musicnn(MODELS_DIR / f"musicnn-{source}.safetensors")
    with torch.inference_mode():
        probs, embedding = model.set_precision("bf16")(torch.from_numpy(reference["inputs"]))
    drift = np.abs(probs.numpy() - reference[f"{source}_probs"]).max()
    assert 1e-5 < drift <= 1e-2  # really ran in bfloat16, and stayed close (docs/speed.md)
    assert np.abs(embedding.numpy() - reference[f"{source}_embedding"]).max() <= 0.05
    for got, want in zip(probs.numpy(), reference[f"{source}_probs"]):
        assert set(np.argsort(-got)[:3]) == set(np.argsort(-want)[:3])


def test_unknown_precision_is_refused() -> None:
    with pytest.raises(ValueError, match="fp8"):
        MusicNN(50).set_precision("fp8")


def test_models_disagree_so_parity_is_not_vacuous(reference: dict[str, np.ndarray]) -> None:
    assert np.abs(reference["msd_probs"] - reference["mtt_probs"]).max() > 0.1


def literal_front_block(block: FrontBlock, x: torch.Tensor) -> torch.Tensor:
    """The original order: conv -> ReLU -> BatchNorm -> max over mel."""
    x = torch.nn.functional.pad(x, (0, 0, *block.time_pad))
    y = torch.relu(block.conv(x))
    scale = block.bn.weight / torch.sqrt(block.bn.running_var + block.bn.eps)
    mean, bias = block.bn.running_mean[:, None, None], block.bn.bias[:, None, None]
    y = (y - mean) * scale[:, None, None] + bias
    return y.amax(dim=3)


def test_pooling_before_batchnorm_is_exact_for_negative_scales() -> None:
    torch.manual_seed(0)
    block = FrontBlock(8, (7, 38), (3, 3)).eval()
    with torch.no_grad():
        block.bn.weight.copy_(torch.tensor([1.0, -1.0, 0.5, -2.0, 3.0, -0.1, 1.0, -1.0]))
        block.bn.running_mean.uniform_(-1, 1)
        block.bn.running_var.uniform_(0.5, 2)
        block.bn.bias.uniform_(-1, 1)
        x = torch.randn(2, 1, 187, 96)
        torch.testing.assert_close(block(x), literal_front_block(block, x), atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("precision", ["exact", "bf16", "int8"])
def test_filters_without_weights_are_skipped_exactly(precision: str) -> None:
    """Half the filters zero, some with a negative BatchNorm scale: the block runs only the
    others and gives what the convolution of every filter gives."""
    torch.manual_seed(1)
    block = FrontBlock(8, (7, 38), (3, 3)).eval()
    with torch.no_grad():
        block.conv.weight[::2] = 0
        block.bn.weight.copy_(torch.tensor([1.0, -1.0, 0.5, -2.0, 3.0, -0.1, 1.0, -1.0]))
        block.bn.running_mean.uniform_(-1, 1)
        block.bn.bias.uniform_(-1, 1)
        block.precision = precision
        x = torch.randn(2, 1, 187, 96)
        assert block.live_filters().tolist() == [False, True] * 4
        tolerance = 1e-5 if precision == "exact" else 0.1
        torch.testing.assert_close(block(x), literal_front_block(block, x), atol=tolerance,
                                   rtol=tolerance)


def test_negligible_weights_are_dropped_without_changing_the_outputs(
        reference: dict[str, np.ndarray]) -> None:
    """The pretrained MSD network is mostly weights below 1e-30: dropped, whole timbral filters
    go (the speed-up of docs/speed.md) and the outputs stay within float rounding."""
    model, _ = load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")
    assert int(model.timbral_74.live_filters().sum()) < 50  # of 204
    assert int(model.timbral_77.live_filters().sum()) < 30
    kept = MusicNN(50)  # the converted weights, none dropped
    kept.load_state_dict(load_file(str(MODELS_DIR / "musicnn-msd.safetensors")), strict=False)
    kept.eval()
    with torch.inference_mode():
        inputs = torch.from_numpy(reference["inputs"])
        for got, want in zip(model(inputs), kept(inputs), strict=True):
            torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_output_shapes_for_any_batch() -> None:
    model = MusicNN(7).eval()
    with torch.inference_mode():
        probs, embedding = model(torch.zeros(3, 187, 96))
    assert probs.shape == (3, 7) and embedding.shape == (3, 200)
    assert bool(((probs >= 0) & (probs <= 1)).all())


@pytest.mark.skipif(not (WHEEL / "MSD_musicnn" / ".index").is_file(),
                    reason="the musicnn wheel is only unpacked on developer machines")
def test_converter_reproduces_shipped_weights_from_the_wheel(tmp_path: Path) -> None:
    from safetensors.numpy import load_file

    from tools.convert_musicnn import convert_model

    target = convert_model(WHEEL, "MSD_musicnn", tmp_path)
    written = load_file(str(target))
    shipped = load_file(str(MODELS_DIR / "musicnn-msd.safetensors"))
    assert load_musicnn(target)[1] == load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")[1]
    assert written.keys() == shipped.keys()
    assert all(np.array_equal(written[k], shipped[k]) for k in shipped)


def test_chunked_forward_equals_one_forward(reference: dict[str, np.ndarray]) -> None:
    model, _ = load_musicnn(MODELS_DIR / "musicnn-mtt.safetensors")
    mel = torch.from_numpy(np.concatenate([reference["inputs"], reference["inputs"][:1]]))
    with torch.inference_mode():
        chunked = model(mel)
        model.chunk_patches = len(mel)
        whole = model(mel)
    for a, b in zip(chunked, whole):
        torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


def test_float_timbral_path_is_im2col_and_matches_the_convolution(
        reference: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> None:
    """The float32 CPU path runs the timbral convs as im2col matmuls (temporal ones stay
    convolutions) and gives what F.conv2d gives, up to summation order."""
    from classifier.nets import musicnn

    model, _ = load_musicnn(MODELS_DIR / "musicnn-msd.safetensors")
    mel = torch.from_numpy(reference["inputs"])
    kernels: list[tuple[int, ...]] = []
    shipped = musicnn.float_conv_max

    def spy(x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        kernels.append(tuple(weight.shape[2:]))
        return shipped(x, weight)

    monkeypatch.setattr(musicnn, "float_conv_max", spy)
    with torch.inference_mode():
        probs, embedding = model(mel)
    assert set(kernels) == {(7, 38), (7, 67)}
    monkeypatch.setattr(musicnn, "float_conv_max",
                        lambda x, w: torch.nn.functional.conv2d(x, w).amax(dim=3))
    with torch.inference_mode():
        conv_probs, conv_embedding = model(mel)
    assert (probs - conv_probs).abs().max() <= 1e-5
    assert (embedding - conv_embedding).abs().max() <= 1e-4


def test_bf16_needs_native_units_not_just_onednn(monkeypatch: pytest.MonkeyPatch) -> None:
    """oneDNN says bf16 on plain AVX512 (emulated, 4x slower): without AVX512-BF16 or AMX
    the bundles stay float32; on Linux the answer follows /proc/cpuinfo."""
    from classifier.nets.musicnn import bf16_supported

    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        flags = set(cpuinfo.read_text().split())
        native = bool(flags & {"avx512_bf16", "amx_bf16"})
        assert bf16_supported() == (native and torch.ops.mkldnn._is_mkldnn_bf16_supported())
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False)
    assert not bf16_supported()


def test_int8_path_keeps_real_clips_decisions(shared_data: Path) -> None:
    """int8 timbral convs on real recordings: the bundle's top genre unchanged on every clip,
    genre probabilities within 0.05 of float32 (2.3e-2 measured on 64, bench/int8_gate.py)."""
    from classifier.audio import ClipPlan, decode_clips
    from classifier.bundle import load_bundle
    from classifier.features import LogMel, patch_samples
    from classifier.nets.musicnn import int8_exact

    if not int8_exact():
        pytest.skip("oneDNN's int8 gemm saturates on this CPU: bundles never pick int8 here")
    bundle = load_bundle("broad")
    config = bundle.preprocessing
    plan = ClipPlan(count=3, seconds=patch_samples(config) / config.sample_rate)
    logmel = LogMel(config, "cpu")
    paths = sorted(shared_data.glob("gtzan-mini/*/*.0000[0-1].flac"))  # training ids only
    assert len(paths) == 20
    mels = [logmel(decode_clips(str(p), plan, config.sample_rate).clips) for p in paths]
    results = {}
    for precision in ("exact", "int8"):
        for net in bundle.model.backbones:
            net.set_precision(precision)
        with torch.inference_mode():
            results[precision] = torch.stack([bundle.model.outputs(m)[0].mean(0) for m in mels])
    drift = (results["int8"] - results["exact"]).abs().max().item()
    assert 1e-4 < drift <= 0.05  # really ran in int8, and stayed close
    assert torch.equal(results["int8"].argmax(1), results["exact"].argmax(1))
