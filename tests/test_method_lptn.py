"""LPTN: exact pyramid reconstruction, depth by image size, its losses, and outputs clamped to the image range."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from bench.describe import describe
from bench.inference import translate_batch
from bench.nn.laplacian import LaplacianPyramid
from bench.train import load_checkpoint, make_spec, train
from methods.lptn import LPTN, LPTNGenerator, lptn_levels

TINY = {"nrb_low": 1, "nrb_high": 1, "batch_size": 4}
STEPS = 4


def test_class_declares_paired() -> None:
    assert LPTN.supervision == "paired" and not LPTN.multimodal() and LPTN.settings == {"paired"}
    assert LPTN.modes == ("deterministic",)


@pytest.mark.parametrize("size,levels", [(64, 3), (36, 3), (32, 2), (16, 1)])
def test_pyramid_reconstruction_returns_the_input(size: int, levels: int) -> None:
    torch.manual_seed(0)
    x = torch.rand(2, 3, size, size)
    pyramid = LaplacianPyramid(levels)
    bands = pyramid.decompose(x)
    assert len(bands) == levels + 1
    assert [b.shape[-1] for b in bands[:-1]] == [math.ceil(size / 2**i) for i in range(levels)]
    assert torch.allclose(pyramid.reconstruct(bands), x, atol=1e-6, rtol=0)


def test_pyramid_depth_follows_the_image_size() -> None:
    assert [lptn_levels(s) for s in (1024, 256, 64, 32, 16, 8)] == [3, 3, 3, 2, 1, 1]
    # The paper's configuration (csjliang/LPTN train_FiveK_paper.yml, num_high 3) at 256 px.
    assert describe("lptn", 256)["hparams"]["num_high"] == 3


def test_generator_keeps_shape_at_any_depth() -> None:
    for levels in (1, 2, 3):
        y = LPTNGenerator(1, 1, levels)(torch.rand(2, 3, 32, 32))
        assert y.shape == (2, 3, 32, 32)


def test_tiny_training_logs_its_losses_and_clamps_outputs(digits_root: Path, tmp_path: Path) -> None:
    spec = make_spec("hand2mnistm_paired", "lptn", 0, STEPS, TINY, image_size=16)
    train(spec, tmp_path, data_root=digits_root, progress=False, log_every=1, threads=1)
    record = json.loads((tmp_path / "log.jsonl").read_text().splitlines()[-1])
    losses = {k: v for k, v in record.items() if k not in ("step", "images_per_s", "elapsed_s")}
    assert set(losses) == {"G_pix", "G_GAN", "D_real", "D_fake", "D_gp"}
    assert all(math.isfinite(v) for v in losses.values())
    _, method, _ = load_checkpoint(tmp_path, torch.device("cpu"), digits_root)
    x = torch.rand(2, 3, 16, 16) * 4 - 2  # out-of-range input: the output must still be in [-1, 1]
    y = translate_batch(method, x, source=0, target=1, mode="deterministic", seed=0, keys=[0, 1])
    assert y.shape == (2, 3, 16, 16) and y.min() >= -1 and y.max() <= 1
    assert y.min() == -1 or y.max() == 1, "a ±2 input reaches the clamp"
