"""DiscoGAN: the D/G alternation of the official loop, and its feature-matching loss."""

from __future__ import annotations

import pytest
import torch

from bench.data.tasks import get_task
from methods.discogan import DiscoGAN, feature_matching

TINY = {"ngf": 8, "ndf": 8, "batch_size": 4}


def test_each_iteration_steps_either_the_discriminators_or_the_generators():
    task = get_task("hand2mnistm", 16)
    method = DiscoGAN(task, {**DiscoGAN.hparams(task), **TINY}, steps=3)
    batch = {"A": torch.rand(4, 3, 16, 16) * 2 - 1, "B": torch.rand(4, 3, 16, 16) * 2 - 1}

    def snapshot(names):
        return [p.detach().clone() for n in names for p in method.nets[n].parameters()]

    def changed(before, names):
        return any(not torch.equal(a, b) for a, b in zip(before, snapshot(names)))

    for step, d_moves in ((0, True), (1, False), (2, False), (3, True)):
        gens, discs = snapshot(("G_A", "G_B")), snapshot(("D_A", "D_B"))
        method.train_step(batch, step)
        assert changed(discs, ("D_A", "D_B")) == d_moves
        assert changed(gens, ("G_A", "G_B")) != d_moves


def test_feature_matching_is_the_squared_gap_of_batch_means():
    real = [torch.zeros(4, 2, 3, 3), torch.ones(4, 5)]
    fake = [torch.full((4, 2, 3, 3), 2.0), torch.ones(4, 5)]
    assert feature_matching(real, fake).item() == pytest.approx(4.0)
