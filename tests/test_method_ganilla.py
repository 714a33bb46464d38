"""GANILLA: parameter counts of the official code, a tiny training run, bit-identical resume, the generator's layout."""

from __future__ import annotations


import pytest
import torch

from bench.describe import describe
from bench.errors import ConfigError
from bench.train import make_spec
from methods.cyclegan import CycleGAN
from methods.ganilla import GANILLA, GanillaBlock, GanillaGenerator, ganilla_stages
from tests.method_checks import assert_resumes_exactly, assert_trains_and_translates

TINY = {"ngf": 8, "ndf": 8, "batch_size": 2}


def test_parameter_counts_match_the_official_code():
    # giddyyupp/ganilla models/networks.py: define_G(netG="resnet_fpn", depth=18, ngf=64) and
    # define_D(netD="basic", norm="instance") — the sizes do not depend on the image size.
    counts = describe("ganilla", 256)["parameters"]
    assert counts == {"G_A": 7_228_419, "G_B": 7_228_419, "D_A": 2_764_737, "D_B": 2_764_737}


def test_trains_and_translates(digits_root, tmp_path):
    assert_trains_and_translates(make_spec("hand2mnistm", "ganilla", 0, 3, TINY, image_size=16), digits_root, tmp_path)


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    spec = make_spec("hand2mnistm", "ganilla", 0, 4, TINY, image_size=16)
    assert_resumes_exactly(spec, digits_root, tmp_path, monkeypatch)


def test_generator_layout():
    assert issubclass(GANILLA, CycleGAN)
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
