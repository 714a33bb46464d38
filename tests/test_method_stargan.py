"""StarGAN: what is specific to it (the tiled target label, the two discriminator heads, n_critic). Counts,
determinism and kill-and-resume live in the conformance suite."""

from __future__ import annotations

import torch

from bench.describe import probe_task
from methods.stargan import StarDiscriminator, StarGAN, stargan_d_layers

SMALL = {"ngf": 8, "ndf": 8, "n_res": 1, "batch_size": 4}


def _build(size: int = 16) -> StarGAN:
    task = probe_task("multidomain", size, 3)
    return StarGAN(task, {**StarGAN.hparams(task), **SMALL}, "cpu", 10)


def _batch(size: int = 16) -> dict:
    g = torch.Generator().manual_seed(0)
    return {"x": torch.rand(4, 3, size, size, generator=g) * 2 - 1, "domain": torch.tensor([0, 1, 2, 1])}


def test_discriminator_keeps_a_two_by_two_map_and_one_logit_per_domain() -> None:
    assert [stargan_d_layers(s) for s in (16, 32, 128, 256)] == [3, 4, 6, 6]
    src, cls = StarDiscriminator(32, 3, 8, stargan_d_layers(32))(torch.zeros(2, 3, 32, 32))
    assert src.shape == (2, 1, 2, 2) and cls.shape == (2, 3)


def test_the_target_domain_steers_the_generator() -> None:
    torch.manual_seed(0)
    model = _build()
    x = _batch()["x"]
    with torch.no_grad():
        to_1 = model.translate(x, source=0, target=1, mode="deterministic")
        to_2 = model.translate(x, source=0, target=2, mode="deterministic")
        direct = model.G(x, torch.eye(3)[[1, 1, 1, 1]])
    torch.testing.assert_close(to_1, direct)
    assert not torch.allclose(to_1, to_2)


def test_generator_steps_every_n_critic_critic_steps() -> None:
    torch.manual_seed(0)
    model = _build()
    before = [p.detach().clone() for p in model.G.parameters()]
    for step in range(4):
        losses = model.train_step(_batch(), step)
        assert set(losses) == {"D_real", "D_fake", "D_cls", "D_gp"}
    assert all(torch.equal(a, b) for a, b in zip(before, model.G.parameters()))
    losses = model.train_step(_batch(), 4)
    assert {"G_fake", "G_cls", "G_rec"} <= set(losses)
    assert any(not torch.equal(a, b) for a, b in zip(before, model.G.parameters()))
