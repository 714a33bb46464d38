"""DualGAN: weight clipping and n_critic, and the TensorFlow layers and optimiser it reproduces."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from bench.data.tasks import get_task
from methods.dualgan import DualGAN, SameConv2d, SameConvTranspose2d, TFRMSprop

TINY = {"gcn": 8, "dcn": 8, "batch_size": 2}


def test_clipping_keeps_critics_within_c_and_generators_wait_for_n_critic():
    task = get_task("hand2mnistm", 16)
    method = DualGAN(task, {**DualGAN.hparams(task), **TINY, "clip_value": 0.01, "n_critic": 2}, steps=2)
    batch = {"A": torch.rand(2, 3, 16, 16) * 2 - 1, "B": torch.rand(2, 3, 16, 16) * 2 - 1}
    gens = [p.detach().clone() for p in method.G_AB.parameters()]
    method.train_step(batch, 1)
    assert all(torch.equal(a, b) for a, b in zip(gens, method.G_AB.parameters()))
    for critic in (method.D_A, method.D_B):
        assert all(p.abs().max() <= 0.01 for p in critic.parameters())
    method.train_step(batch, 2)
    assert any(not torch.equal(a, b) for a, b in zip(gens, method.G_AB.parameters()))


def test_same_padding_puts_the_odd_pixel_after_as_tensorflow_does():
    conv = SameConv2d(1, 1, 3, 2)
    x = torch.randn(1, 1, 8, 8)
    expected = F.conv2d(F.pad(x, (0, 1, 0, 1)), conv.weight, conv.bias, stride=2)
    assert torch.allclose(conv(x), expected)
    deconv = SameConvTranspose2d(1, 1, 5, 2)
    y = torch.randn(1, 1, 4, 4)
    full = F.conv_transpose2d(y, deconv.weight, deconv.bias, stride=2)
    assert torch.allclose(deconv(y), full[..., 1:9, 1:9])


def test_rmsprop_accumulator_starts_at_one():
    p = torch.nn.Parameter(torch.tensor([1.0]))
    opt = TFRMSprop([p], lr=0.1, decay=0.9, eps=0.0)
    p.grad = torch.tensor([2.0])
    opt.step()
    assert p.item() == pytest.approx(1.0 - 0.1 * 2.0 / math.sqrt(0.9 + 0.1 * 4.0))
