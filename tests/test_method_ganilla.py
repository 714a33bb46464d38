"""GANILLA: CycleGAN's objective with the GANILLA generator, whose pyramid follows the image size."""

from __future__ import annotations

import pytest
import torch

from bench.data.tasks import get_task
from bench.errors import ConfigError
from methods.cyclegan import CycleGAN
from methods.ganilla import GANILLA, GanillaBlock, GanillaGenerator, ganilla_stages


def test_generator_layout():
    assert issubclass(GANILLA, CycleGAN)
    task = get_task("hand2mnistm", 16)
    hp = GANILLA.hparams(task)
    assert "n_blocks" not in hp and hp["stages"] == 2
    method = GANILLA(task, {**hp, "ngf": 8, "ndf": 8})
    assert isinstance(method.G_A, GanillaGenerator) and isinstance(method.G_B, GanillaGenerator)
    assert [ganilla_stages(s) for s in (16, 32, 64, 256)] == [2, 3, 4, 4]
    gen = GanillaGenerator(ngf=64, stages=4)
    assert [stage[0].fuse[1].in_channels for stage in gen.stages] == [128, 256, 256, 512]
    assert [lateral.out_channels for lateral in gen.laterals] == [128] * 4
    block = GanillaBlock(8, 16, stride=2)
    assert block(torch.randn(2, 8, 8, 8)).shape == (2, 16, 4, 4)
    for size in (32, 64):
        assert gen(torch.randn(1, 3, size, size)).shape == (1, 3, size, size)


def test_rejects_sizes_the_pyramid_cannot_add():
    with pytest.raises(ConfigError, match="divisible"):
        ganilla_stages(36)
