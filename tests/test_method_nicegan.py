"""NICE-GAN: parameter counts of the official code, a tiny training run, bit-identical resume, decoupled updates."""

from __future__ import annotations


import pytest
import torch

from bench.data.tasks import get_task
from bench.describe import describe
from bench.train import make_spec
from methods.nicegan import NICEGAN, nicegan_downs
from tests.method_checks import assert_resumes_exactly, assert_trains_and_translates

TINY = {"ch": 8, "n_res": 2, "batch_size": 2}


def test_parameter_counts_match_the_official_code():
    # alpc91/NICE-GAN-pytorch networks.py at 256 px: ResnetGenerator(ngf=64, n_blocks=6, light=True) and
    # Discriminator(ndf=64, n_layers=7), whose early layers are the encoder (spectral-norm u, v are buffers).
    counts = describe("nicegan", 256)["parameters"]
    assert counts == {"gen2B": 8_104_640, "gen2A": 8_104_640, "disA": 46_874_433, "disB": 46_874_433}


def test_trains_and_translates(digits_root, tmp_path):
    assert_trains_and_translates(make_spec("hand2mnistm", "nicegan", 0, 3, TINY, image_size=16), digits_root, tmp_path)


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    spec = make_spec("hand2mnistm", "nicegan", 0, 4, TINY, image_size=16)
    assert_resumes_exactly(spec, digits_root, tmp_path, monkeypatch)


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
