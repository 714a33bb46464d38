"""LPTN: official parameter counts, exact pyramid reconstruction, a tiny training run, in-process resume."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.describe import describe
from bench.nn.laplacian import LaplacianPyramid
from bench.train import load_checkpoint, make_spec, train
from bench.translate import translate_run
from methods.lptn import LPTN, LPTNGenerator, lptn_levels
from tests.method_checks import assert_resumes_exactly

TINY = {"nrb_low": 1, "nrb_high": 1, "batch_size": 4}
STEPS = 4


def _spec():
    return make_spec("hand2mnistm_paired", "lptn", 0, STEPS, TINY, 16)


@pytest.fixture(scope="module")
def straight_run(digits_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 4-step tiny run trained without interruption (checkpoints every 2 steps)."""
    out = tmp_path_factory.mktemp("lptn") / "straight"
    return out, train(_spec(), out, data_root=digits_root, progress=False, checkpoint_every=2, sample_every=2)


def test_parameter_counts_equal_the_official_networks() -> None:
    # csjliang/LPTN @b184783: arch LPTNPaper(nrb_low=5, nrb_high=3, num_high=3) of
    # options/train/LPTN/train_FiveK_paper.yml and discriminator_arch.Discriminator, as the official
    # BasicSR-style model prints them (print_network).
    counts = describe("lptn", 256)["parameters"]
    assert counts == {"G": 616_215, "D": 253_249}
    assert describe("lptn", 256)["hparams"]["num_high"] == 3


def test_class_declares_paired() -> None:
    assert LPTN.supervision == "paired" and not LPTN.multimodal and LPTN.settings == {"paired"}


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


def test_generator_keeps_shape_at_any_depth() -> None:
    for levels in (1, 2, 3):
        y = LPTNGenerator(1, 1, levels)(torch.rand(2, 3, 32, 32))
        assert y.shape == (2, 3, 32, 32)


def test_tiny_training_gives_finite_losses_and_translations_in_range(straight_run: tuple[Path, dict],
                                                                    digits_root: Path) -> None:
    out, summary = straight_run
    assert summary["steps"] == STEPS
    record = json.loads((out / "log.jsonl").read_text().splitlines()[-1])
    losses = {k: v for k, v in record.items() if k not in ("step", "images_per_s", "elapsed_s")}
    assert set(losses) == {"G_pix", "G_GAN", "D_real", "D_fake", "D_gp"}
    assert all(math.isfinite(v) for v in losses.values())
    result = translate_run(out, out / "translations.pt", data_root=digits_root, progress=False)
    n_test = len(read_split(get_task("hand2mnistm_paired", 16), "test", digits_root).sets[0])
    assert result["directions"]["0>1"]["images"].shape == (n_test, 3, 16, 16)
    _, method, _ = load_checkpoint(out, torch.device("cpu"))
    x = torch.rand(2, 3, 16, 16) * 4 - 2  # out-of-range input: the output must still be in [-1, 1]
    y = method.translate(x, source=0, target=1)
    assert y.shape == (2, 3, 16, 16) and y.min() >= -1 and y.max() <= 1


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    assert_resumes_exactly(_spec(), digits_root, tmp_path, monkeypatch)

