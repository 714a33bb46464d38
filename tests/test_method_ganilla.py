"""GANILLA: parameter counts of the official code, a tiny training run, bit-identical resume, the generator's layout."""

from __future__ import annotations

import json
import math

import pytest
import torch

from bench.describe import describe
from bench.errors import ConfigError
from bench.io import torch_load
from bench.train import load_checkpoint, make_spec, train
from methods.cyclegan import CycleGAN
from methods.ganilla import GANILLA, GanillaBlock, GanillaGenerator, ganilla_stages

TINY = {"ngf": 8, "ndf": 8, "batch_size": 2}


class Killed(Exception):
    """Stands in for the process being killed mid-run."""


def test_parameter_counts_match_the_official_code():
    # giddyyupp/ganilla models/networks.py: define_G(netG="resnet_fpn", depth=18, ngf=64) and
    # define_D(netD="basic", norm="instance") — the sizes do not depend on the image size.
    counts = describe("ganilla", 256)["parameters"]
    assert counts == {"G_A": 7_228_419, "G_B": 7_228_419, "D_A": 2_764_737, "D_B": 2_764_737}


def test_trains_and_translates(digits_root, tmp_path):
    spec = make_spec("hand2mnistm", "ganilla", 0, 3, TINY, image_size=16)
    train(spec, tmp_path, data_root=digits_root, progress=False, log_every=1, threads=1)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert len(records) == 3 and all(math.isfinite(v) for r in records for v in r.values())
    _, method, _ = load_checkpoint(tmp_path, torch.device("cpu"))
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        for source, target in ((0, 1), (1, 0)):
            y = method.translate(x, source=source, target=target)
            assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    spec = make_spec("hand2mnistm", "ganilla", 0, 4, TINY, image_size=16)
    run = dict(data_root=digits_root, progress=False, checkpoint_every=2, threads=1)
    train(spec, tmp_path / "straight", **run)
    original = GANILLA.train_step

    def dies_at_step_2(self, batch, step):
        if step == 2:
            raise Killed
        return original(self, batch, step)

    monkeypatch.setattr(GANILLA, "train_step", dies_at_step_2)
    with pytest.raises(Killed):
        train(spec, tmp_path / "resumed", **run)
    monkeypatch.setattr(GANILLA, "train_step", original)
    train(spec, tmp_path / "resumed", resume=True, **run)
    straight = torch_load(tmp_path / "straight" / "checkpoint.pt")["method"]
    resumed = torch_load(tmp_path / "resumed" / "checkpoint.pt")["method"]
    for net, state in straight["nets"].items():
        for key, value in state.items():
            assert torch.equal(value, resumed["nets"][net][key]), f"{net}.{key}"
    assert torch.equal(straight["pools"]["fake_A"]["images"], resumed["pools"]["fake_A"]["images"])


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
