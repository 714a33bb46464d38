"""CoGAN: the official parameter counts, a tiny training run, bit-identical resume, weight sharing, inversion."""

from __future__ import annotations

import json
import math

import pytest
import torch

from bench.data.tasks import Task, get_task
from bench.describe import describe
from bench.errors import ConfigError
from bench.train import load_checkpoint, make_spec, train
from methods.cogan import CoGAN
from tests.method_checks import assert_resumes_exactly

TINY = {"ngf": 8, "d_widths": [4, 8, 16], "batch_size": 4, "invert_steps": 3}


def test_parameter_counts_match_the_official_code():
    # mingyuliutw/CoGAN cogan_pytorch/src/net_cogan_mnist2usps.py: CoGen28x28(latent_dims=100) with the shared
    # layers counted once, and CoDis28x28 with its 10-way classifier head (28×28 grey digits).
    counts = describe("cogan", 28, {"channels": 1})["parameters"]
    assert counts == {"G": 7_842_694, "D": 432_603}


@pytest.mark.parametrize("size", [16, 32, 64])
def test_scaled_networks_make_and_read_full_size_rgb_images(size):
    task = get_task("hand2mnistm", size)
    method = CoGAN(task, {**CoGAN.hparams(task), "ngf": 8, "steps": 1})
    a, b = method.G(torch.randn(2, 100))
    assert a.shape == b.shape == (2, 3, size, size)
    assert method.D.classify(a, 1).shape == (2, 10)
    assert method.D.realness(method.D.features(b, 1)).shape == (2,)


def test_unsupported_sizes_are_refused():
    with pytest.raises(ConfigError, match="28 px"):
        describe("cogan", 24)


def test_trains_and_translates(digits_root, tmp_path):
    spec = make_spec("hand2mnistm", "cogan", 0, 4, TINY, image_size=16)
    train(spec, tmp_path, data_root=digits_root, progress=False, log_every=1, threads=1)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert len(records) == 4 and {"D_real", "D_fake", "D_feat_mse", "D_cls", "G_adv"} <= set(records[0])
    assert all(math.isfinite(v) for r in records for v in r.values())
    _, method, _ = load_checkpoint(tmp_path, torch.device("cpu"))
    x = torch.rand(5, 3, 16, 16) * 2 - 1
    with torch.no_grad():  # the harness translates under no_grad; the inversion turns gradients back on
        y = method.translate(x, source=0, target=1, seed=0)
        assert method.classify(x).shape == (5, 10)
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    spec = make_spec("hand2mnistm", "cogan", 0, 4, TINY, image_size=16)
    assert_resumes_exactly(spec, digits_root, tmp_path, monkeypatch)


def _method(**overrides) -> CoGAN:
    task = get_task("hand2mnistm", 16)
    return CoGAN(task, {**CoGAN.hparams(task), **TINY, **overrides, "steps": 10})


def test_generators_share_their_first_layers_and_discriminators_their_last():
    torch.manual_seed(0)
    method = _method()
    method.G.eval()
    z = torch.randn(3, 100)
    a, b = method.G(z)
    with torch.no_grad():
        method.G.heads[0].weight.add_(0.5)
    a2, b2 = method.G(z)
    assert not torch.equal(a, a2) and torch.equal(b, b2)
    with torch.no_grad():
        method.G.shared[0].weight.add_(0.5)
    a3, b3 = method.G(z)
    assert not torch.equal(a2, a3) and not torch.equal(b2, b3)
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    fa, fb = method.D.features(x, 0), method.D.features(x, 1)
    with torch.no_grad():
        method.D.shared[0].weight.add_(0.5)
    assert not torch.equal(fa, method.D.features(x, 0)) and not torch.equal(fb, method.D.features(x, 1))


def test_inversion_reconstructs_and_is_seeded_without_touching_the_model():
    torch.manual_seed(0)
    method = _method(invert_steps=40, invert_lr=0.1)
    batch = {"A": torch.rand(4, 3, 16, 16) * 2 - 1, "B": torch.rand(4, 3, 16, 16) * 2 - 1,
             "label_A": torch.tensor([0, 1, 2, 3])}
    for step in range(3):
        method.train_step(batch, step)
    x = method.G.eval()(torch.randn(4, 100))[0].detach()  # an image the generator can make
    state = {k: v.clone() for k, v in method.G.state_dict().items()}
    method.G.zero_grad(set_to_none=True)
    rng = torch.get_rng_state()
    with torch.no_grad():
        z0 = torch.randn(4, 100, generator=torch.Generator().manual_seed(5))
        start = (method.G.decode(method.G.trunk(z0), 0) - x).pow(2).mean()
        z = method.invert(x, 0, seed=5)
        end = (method.G.decode(method.G.trunk(z), 0) - x).pow(2).mean()
        one, again, other = (method.translate(x, source=0, target=1, seed=s) for s in (5, 5, 6))
    assert end < 0.5 * start
    assert torch.equal(one, again) and not torch.equal(one, other)
    assert torch.equal(torch.get_rng_state(), rng)
    assert all(torch.equal(v, method.G.state_dict()[k]) for k, v in state.items())
    assert all(p.grad is None for p in method.G.parameters())


def test_grey_paper_networks_run_on_rgb_tasks():
    task = get_task("hand2mnistm", 28)
    method = CoGAN(task, {**CoGAN.hparams(task), "channels": 1, "ngf": 8, "invert_steps": 2, "steps": 1})
    x = torch.rand(2, 3, 28, 28) * 2 - 1
    with torch.no_grad():
        y = method.translate(x, source=0, target=1, seed=0)
    assert y.shape == (2, 3, 28, 28) and torch.equal(y[:, 0], y[:, 2])
    assert method.classify(x).shape == (2, 10)


def test_classify_needs_a_labelled_task():
    task = Task("plain", "unpaired", ("A", "B"), 16, 16, False, False, "", "probe")
    method = CoGAN(task, {**CoGAN.hparams(task), **TINY, "steps": 1})
    assert method.classify(torch.zeros(1, 3, 16, 16)) is None
    losses = method.train_step({"A": torch.rand(4, 3, 16, 16), "B": torch.rand(4, 3, 16, 16), "label_A": None}, 0)
    assert "D_cls" not in losses
