"""DiscoGAN: parameter counts of the official code, a tiny training run, bit-identical resume, the D/G alternation."""

from __future__ import annotations

import json
import math

import pytest
import torch

from bench.data.tasks import get_task
from bench.describe import describe
from bench.io import torch_load
from bench.train import load_checkpoint, make_spec, train
from methods.discogan import DiscoGAN, feature_matching

TINY = {"ngf": 8, "ndf": 8, "batch_size": 4}


class Killed(Exception):
    """Stands in for the process being killed mid-run."""


def test_parameter_counts_match_the_official_code():
    # SKTBrain/DiscoGAN discogan/model.py at the paper's 64 px: Generator() (no extra_layers) and Discriminator().
    counts = describe("discogan", 64)["parameters"]
    assert counts == {"G_A": 5_513_856, "G_B": 5_513_856, "D_A": 2_765_568, "D_B": 2_765_568}


def test_trains_and_translates(digits_root, tmp_path):
    spec = make_spec("hand2mnistm", "discogan", 0, 4, TINY, image_size=16)
    train(spec, tmp_path, data_root=digits_root, progress=False, log_every=1, threads=1)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert len(records) == 4
    assert all(math.isfinite(v) for r in records for k, v in r.items() if k not in ("step",))
    _, method, _ = load_checkpoint(tmp_path, torch.device("cpu"))
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        for source, target in ((0, 1), (1, 0)):
            y = method.translate(x, source=source, target=target)
            assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    spec = make_spec("hand2mnistm", "discogan", 0, 4, TINY, image_size=16)
    run = dict(data_root=digits_root, progress=False, checkpoint_every=2, threads=1)
    train(spec, tmp_path / "straight", **run)
    original = DiscoGAN.train_step

    def dies_at_step_2(self, batch, step):
        if step == 2:
            raise Killed
        return original(self, batch, step)

    monkeypatch.setattr(DiscoGAN, "train_step", dies_at_step_2)
    with pytest.raises(Killed):
        train(spec, tmp_path / "resumed", **run)
    monkeypatch.setattr(DiscoGAN, "train_step", original)
    train(spec, tmp_path / "resumed", resume=True, **run)
    straight = torch_load(tmp_path / "straight" / "checkpoint.pt")["method"]["nets"]
    resumed = torch_load(tmp_path / "resumed" / "checkpoint.pt")["method"]["nets"]
    for net, state in straight.items():
        for key, value in state.items():
            assert torch.equal(value, resumed[net][key]), f"{net}.{key}"


def test_each_iteration_steps_either_the_discriminators_or_the_generators():
    task = get_task("hand2mnistm", 16)
    method = DiscoGAN(task, {**DiscoGAN.hparams(task), **TINY, "steps": 3})
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
