"""BicycleGAN: official parameter counts, a tiny training run, in-process resume, seeded diverse sampling."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from bench.data.loader import to_float
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.describe import describe
from bench.errors import ConfigError
from bench.nn.unet_z import UnetZGenerator
from bench.train import load_checkpoint, make_spec, train
from bench.translate import translate_run
from methods.bicyclegan import BicycleGAN
from tests.method_checks import assert_resumes_exactly

TINY = {"ngf": 4, "ndf": 4, "nef": 4, "batch_size": 4}
STEPS = 4


def _spec():
    return make_spec("hand2mnistm_paired", "bicyclegan", 0, STEPS, TINY, 16)


@pytest.fixture(scope="module")
def straight_run(digits_root: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """A 4-step tiny run trained without interruption (checkpoints every 2 steps)."""
    out = tmp_path_factory.mktemp("bicyclegan") / "straight"
    return out, train(_spec(), out, data_root=digits_root, progress=False, checkpoint_every=2, sample_every=2)


def test_parameter_counts_equal_the_official_networks() -> None:
    # junyanz/BicycleGAN @40b9d52, models/networks.py at the default options (unet_256, where_add=all, nz=8,
    # resnet_256, basic_256_multi with num_Ds=2, instance norm), as printed by the official train.py.
    counts = describe("bicyclegan", 256)["parameters"]
    assert counts == {"G": 54_794_627, "E": 2_590_032, "D": 3_458_978, "D2": 3_458_978}
    # edges2shoes (scripts/train_edges2shoes.sh, --input_nc 1): the generator with a one-channel input.
    edges = UnetZGenerator(1, 3, 8, 8, 64, "instance", use_dropout=True)
    assert sum(p.numel() for p in edges.parameters()) == 54_792_579


def test_class_declares_paired_multimodal() -> None:
    assert BicycleGAN.supervision == "paired" and BicycleGAN.multimodal and BicycleGAN.settings == {"paired"}


def test_an_odd_batch_is_refused() -> None:
    task = get_task("hand2mnistm_paired", 16)
    with pytest.raises(ConfigError, match="batch_size must be even"):
        BicycleGAN(task, {**BicycleGAN.hparams(task), **TINY, "batch_size": 3})


def test_tiny_training_gives_finite_losses_and_translations_in_range(straight_run: tuple[Path, dict],
                                                                    digits_root: Path) -> None:
    out, summary = straight_run
    assert summary["steps"] == STEPS
    record = (out / "log.jsonl").read_text().splitlines()[-1]
    losses = {k: v for k, v in json.loads(record).items() if k not in ("step", "images_per_s", "elapsed_s")}
    assert set(losses) == {"G_GAN", "G_GAN2", "G_L1", "kl", "z_L1", "D", "D2"}
    assert all(math.isfinite(v) for v in losses.values())
    result = translate_run(out, out / "translations.pt", k=3, n_diverse=5, data_root=digits_root, progress=False)
    entry = result["directions"]["0>1"]
    n_test = len(read_split(get_task("hand2mnistm_paired", 16), "test", digits_root).sets[0])
    assert entry["images"].shape == (n_test, 3, 16, 16) and entry["images"].dtype == torch.uint8
    assert entry["samples"].shape == (5, 3, 3, 16, 16)
    _, method, _ = load_checkpoint(out, torch.device("cpu"))
    y = method.translate(torch.rand(2, 3, 16, 16) * 2 - 1, source=0, target=1, seed=0)
    assert y.shape == (2, 3, 16, 16) and y.min() >= -1 and y.max() <= 1


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    assert_resumes_exactly(_spec(), digits_root, tmp_path, monkeypatch)


def test_same_seed_same_output_different_seeds_differ(straight_run: tuple[Path, dict], digits_root: Path) -> None:
    _, method, _ = load_checkpoint(straight_run[0], torch.device("cpu"))
    test = read_split(method.task, "test", digits_root)
    x = to_float(test.sets[0].images[:4])
    first = method.translate(x, source=0, target=1, seed=7)
    torch.manual_seed(123)  # the global generator must not matter
    assert torch.equal(first, method.translate(x, source=0, target=1, seed=7))
    other = method.translate(x, source=0, target=1, seed=8)
    assert (first - other).abs().amax(dim=(1, 2, 3)).min() > 0, "every input must change with the seed"
    ref = to_float(test.sets[1].images[:4])
    encoded = method.translate(x, source=0, target=1, reference=ref)
    assert torch.equal(encoded, method.translate(x, source=0, target=1, reference=ref, seed=1))
