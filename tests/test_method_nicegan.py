"""NICE-GAN: parameter counts of the official code, a tiny training run, bit-identical resume, decoupled updates."""

from __future__ import annotations

import json
import math

import pytest
import torch

from bench.data.tasks import get_task
from bench.describe import describe
from bench.io import torch_load
from bench.train import load_checkpoint, make_spec, train
from methods.nicegan import NICEGAN, nicegan_downs

TINY = {"ch": 8, "n_res": 2, "batch_size": 2}


class Killed(Exception):
    """Stands in for the process being killed mid-run."""


def test_parameter_counts_match_the_official_code():
    # alpc91/NICE-GAN-pytorch networks.py at 256 px: ResnetGenerator(ngf=64, n_blocks=6, light=True) and
    # Discriminator(ndf=64, n_layers=7), whose early layers are the encoder (spectral-norm u, v are buffers).
    counts = describe("nicegan", 256)["parameters"]
    assert counts == {"gen2B": 8_104_640, "gen2A": 8_104_640, "disA": 46_874_433, "disB": 46_874_433}


def test_trains_and_translates(digits_root, tmp_path):
    spec = make_spec("hand2mnistm", "nicegan", 0, 3, TINY, image_size=16)
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
    spec = make_spec("hand2mnistm", "nicegan", 0, 4, TINY, image_size=16)
    run = dict(data_root=digits_root, progress=False, checkpoint_every=2, threads=1)
    train(spec, tmp_path / "straight", **run)
    original = NICEGAN.train_step

    def dies_at_step_2(self, batch, step):
        if step == 2:
            raise Killed
        return original(self, batch, step)

    monkeypatch.setattr(NICEGAN, "train_step", dies_at_step_2)
    with pytest.raises(Killed):
        train(spec, tmp_path / "resumed", **run)
    monkeypatch.setattr(NICEGAN, "train_step", original)
    train(spec, tmp_path / "resumed", resume=True, **run)
    straight = torch_load(tmp_path / "straight" / "checkpoint.pt")["method"]["nets"]
    resumed = torch_load(tmp_path / "resumed" / "checkpoint.pt")["method"]["nets"]
    for net, state in straight.items():
        for key, value in state.items():  # includes the spectral-norm power-iteration vectors
            assert torch.equal(value, resumed[net][key]), f"{net}.{key}"


def _method(steps: int = 4) -> NICEGAN:
    task = get_task("hand2mnistm", 16)
    return NICEGAN(task, {**NICEGAN.hparams(task), **TINY, "steps": steps})


def test_the_generator_step_never_moves_the_encoders():
    method = _method()
    d_params = {id(p) for net in (method.disA, method.disB) for p in net.parameters()}
    assert not d_params & {id(p) for group in method.optimizers["G"].param_groups for p in group["params"]}
    batch = torch.rand(2, 3, 16, 16) * 2 - 1, torch.rand(2, 3, 16, 16) * 2 - 1
    def d_params_now():
        return [p.detach().clone() for net in (method.disA, method.disB) for p in net.parameters()]

    discs, gens = d_params_now(), [p.detach().clone() for p in method.gen2B.parameters()]
    method._g_step(*batch)
    assert all(torch.equal(a, b) for a, b in zip(discs, d_params_now()))
    assert any(not torch.equal(a, b) for a, b in zip(gens, method.gen2B.parameters()))
    assert all(p.grad is None for net in (method.disA, method.disB) for p in net.parameters())
    encoder = [p.detach().clone() for p in method.disA.encoder.parameters()]
    method._d_step(*batch)
    assert any(not torch.equal(a, b) for a, b in zip(encoder, method.disA.encoder.parameters()))


def test_lr_decays_linearly_over_the_second_half_as_the_code_does():
    method = _method(steps=4)
    lrs = []
    for _ in range(4):
        lrs.append(method.optimizers["G"].param_groups[0]["lr"])
        method.optimizers["G"].step()
        method.optimizers["D"].step()
        method.step_schedulers()
    assert lrs == pytest.approx([1e-4, 1e-4, 0.5e-4, 0.0])


def test_heads_shrink_only_below_128_px():
    assert [nicegan_downs(s) for s in (16, 32, 64, 128, 256)] == [(0, 0), (1, 0), (1, 1), (1, 2), (1, 2)]
