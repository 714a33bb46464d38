"""CoGAN: scaled networks, weight sharing, inversion from the harness's noise, grey paper networks, labels."""

from __future__ import annotations

import pytest
import torch

from bench.data.tasks import Task, get_task
from bench.describe import describe
from bench.errors import ConfigError
from bench.inference import Noise, translate_batch
from methods.cogan import CoGAN

TINY = {"ngf": 8, "d_widths": [4, 8, 16], "batch_size": 4, "invert_steps": 3}


@pytest.mark.parametrize("size", [16, 32, 64])
def test_scaled_networks_make_and_read_full_size_rgb_images(size):
    task = get_task("hand2mnistm", size)
    method = CoGAN(task, {**CoGAN.hparams(task), "ngf": 8})
    a, b = method.G(torch.randn(2, 100))
    assert a.shape == b.shape == (2, 3, size, size)
    assert method.D.classify(a, 1).shape == (2, 10)
    assert method.D.realness(method.D.features(b, 1)).shape == (2,)


def test_unsupported_sizes_are_refused():
    with pytest.raises(ConfigError, match="28 px"):
        describe("cogan", 24)


def _method(**overrides) -> CoGAN:
    task = get_task("hand2mnistm", 16)
    return CoGAN(task, {**CoGAN.hparams(task), **TINY, **overrides}, steps=10)


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


def test_inversion_reconstructs_without_touching_the_model_and_translate_starts_from_the_noise():
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
    keys = [0, 1, 2, 3]
    with torch.no_grad():  # as the harness calls it: the inversion turns gradients back on itself
        z0 = Noise(5, keys).randn(100)
        start = (method.G.decode(method.G.trunk(z0), 0) - x).pow(2).mean()
        z = method.invert(x, 0, z0)
        end = (method.G.decode(method.G.trunk(z), 0) - x).pow(2).mean()
        expected = method.G.decode(method.G.trunk(z), 1)
    assert end < 0.5 * start
    assert torch.equal(torch.get_rng_state(), rng), "the inversion must not draw from the global generator"
    assert all(torch.equal(v, method.G.state_dict()[k]) for k, v in state.items())
    assert all(p.grad is None for p in method.G.parameters())
    one, other = (translate_batch(method, x, source=0, target=1, mode="latent", seed=s, keys=keys) for s in (5, 6))
    torch.testing.assert_close(one, expected)  # G_target(z*) inverted from the seed's per-image start
    assert (one - other).abs().amax(dim=(1, 2, 3)).min() > 0, "another seed starts the inversion elsewhere"


def test_grey_paper_networks_run_on_rgb_tasks():
    task = get_task("hand2mnistm", 28)
    method = CoGAN(task, {**CoGAN.hparams(task), "channels": 1, "ngf": 8, "invert_steps": 2})
    x = torch.rand(2, 3, 28, 28) * 2 - 1
    y = translate_batch(method, x, source=0, target=1, mode="latent", seed=0, keys=[0, 1])
    assert y.shape == (2, 3, 28, 28) and torch.equal(y[:, 0], y[:, 2])
    assert method.classify(x).shape == (2, 10)


def test_the_class_head_trains_and_classifies_only_on_a_labelled_task():
    batch = {"A": torch.rand(4, 3, 16, 16), "B": torch.rand(4, 3, 16, 16)}
    labelled = _method()
    assert "D_cls" in labelled.train_step({**batch, "label_A": torch.tensor([0, 1, 2, 3])}, 0)
    assert labelled.classify(batch["B"]).shape == (4, 10)
    task = Task("plain", "unpaired", ("A", "B"), 16, 16, False, False, "", "probe")
    method = CoGAN(task, {**CoGAN.hparams(task), **TINY})
    assert method.classify(torch.zeros(1, 3, 16, 16)) is None
    assert "D_cls" not in method.train_step({**batch, "label_A": None}, 0)
