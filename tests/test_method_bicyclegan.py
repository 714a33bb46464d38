"""BicycleGAN: its declaration, the even-batch split, its losses, and reference mode through the encoder."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from bench.data.loader import to_float
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.errors import ConfigError
from bench.inference import Noise, translate_batch
from bench.nn.unet_z import UnetZGenerator
from bench.train import load_checkpoint, make_spec, train
from methods.bicyclegan import BicycleGAN

TINY = {"ngf": 4, "ndf": 4, "nef": 4, "batch_size": 4}
STEPS = 4


@pytest.fixture(scope="module")
def tiny_run(digits_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4-step tiny run on the paired digits."""
    out = tmp_path_factory.mktemp("bicyclegan")
    spec = make_spec("hand2mnistm_paired", "bicyclegan", 0, STEPS, TINY, image_size=16)
    train(spec, out, data_root=digits_root, progress=False, log_every=1, threads=1)
    return out


def test_edges2shoes_generator_has_the_official_one_channel_count() -> None:
    # junyanz/BicycleGAN scripts/train_edges2shoes.sh (--input_nc 1): unet_256 with a one-channel input, as printed
    # by the official train.py (the three-channel networks are the class's ``official`` counts).
    edges = UnetZGenerator(1, 3, 8, 8, 64, "instance", use_dropout=True)
    assert sum(p.numel() for p in edges.parameters()) == 54_792_579


def test_class_declares_paired_multimodal() -> None:
    assert BicycleGAN.supervision == "paired" and BicycleGAN.settings == {"paired"}
    assert BicycleGAN.multimodal() and BicycleGAN.modes == ("latent", "reference")


def test_an_odd_batch_is_refused() -> None:
    task = get_task("hand2mnistm_paired", 16)
    with pytest.raises(ConfigError, match="batch_size must be even"):
        BicycleGAN(task, {**BicycleGAN.hparams(task), **TINY, "batch_size": 3})


def test_tiny_training_logs_the_cvae_and_clr_losses(tiny_run: Path) -> None:
    records = [json.loads(line) for line in (tiny_run / "log.jsonl").read_text().splitlines()]
    losses = {k: v for k, v in records[-1].items() if k not in ("step", "images_per_s", "elapsed_s")}
    assert set(losses) == {"G_GAN", "G_GAN2", "G_L1", "kl", "z_L1", "D", "D2"}
    assert all(math.isfinite(v) for v in losses.values())


def test_reference_mode_encodes_the_reference_and_latent_mode_samples_z(tiny_run: Path, digits_root: Path) -> None:
    _, method, _ = load_checkpoint(tiny_run, torch.device("cpu"), digits_root)
    assert method.inference_for(0, 1) == ("G",) and set(method.inference) == {"G", "E"}
    test = read_split(method.task, "test", digits_root)
    keys = [0, 1, 2, 3]
    x, ref = to_float(test.sets[0].images[keys]), to_float(test.sets[1].images[keys])
    run = dict(source=0, target=1, seed=7, keys=keys)
    encoded = translate_batch(method, x, mode="reference", reference=ref, **run)
    for net in method.all_networks().values():
        net.eval()
    with torch.no_grad():
        torch.testing.assert_close(encoded, method.G(x, method.E(ref)[0]))  # z = μ of E(reference)
        sampled = method.G(x, Noise(7, keys).randn(method.hp["nz"]))
    assert torch.equal(encoded, translate_batch(method, x, mode="reference", reference=ref, **{**run, "seed": 8}))
    other_ref = translate_batch(method, x, mode="reference", reference=ref.flip(0), **run)
    assert (encoded - other_ref).abs().amax(dim=(1, 2, 3)).min() > 0, "the output must follow the reference"
    latent = translate_batch(method, x, mode="latent", **run)
    torch.testing.assert_close(latent, sampled)  # z ~ N(0, I) from the harness's per-image noise
    other_seed = translate_batch(method, x, mode="latent", **{**run, "seed": 8})
    assert (latent - other_seed).abs().amax(dim=(1, 2, 3)).min() > 0, "every input must change with the seed"
