"""NICE-GAN: decoupled updates (the generator step never moves the encoders), lr schedule, head depths."""

from __future__ import annotations

import pytest
import torch

from bench.data.tasks import get_task
from bench.inference import translate_batch
from methods.nicegan import NICEGAN, nicegan_downs

TINY = {"ch": 8, "n_res": 2, "batch_size": 2}


def _method(steps: int = 4) -> NICEGAN:
    task = get_task("hand2mnistm", 16)
    return NICEGAN(task, {**NICEGAN.hparams(task), **TINY}, steps=steps)


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


def test_translation_encodes_with_the_source_domain_discriminator():
    torch.manual_seed(0)
    method = _method()
    assert method.inference_for(0, 1) == ("disA", "gen2B") and method.inference_for(1, 0) == ("disB", "gen2A")
    x = torch.rand(2, 3, 16, 16) * 2 - 1

    def both_ways():
        return [translate_batch(method, x, source=s, target=t, mode="deterministic", seed=0, keys=[0, 1])
                for s, t in ((0, 1), (1, 0))]

    a2b, b2a = both_ways()
    with torch.no_grad():
        next(method.disA.encoder.parameters()).add_(0.5)
    a2b_after, b2a_after = both_ways()
    assert not torch.equal(a2b, a2b_after) and torch.equal(b2a, b2a_after)
