"""StarGAN v2: what is specific to it (EMA networks translate, styles from noise or references, the diversity
weight's decay, the four updates per step). Counts, determinism and kill-and-resume live in the conformance suite."""

from __future__ import annotations

import pytest
import torch

from bench.describe import describe, probe_task
from bench.inference import translate_batch
from methods.stargan2 import StarGANv2

SMALL = {"base_dim": 8, "max_dim": 16, "hidden_dim": 16, "style_dim": 8, "batch_size": 4}


def _build(steps: int = 10) -> StarGANv2:
    task = probe_task("multidomain", 16, 3)
    return StarGANv2(task, {**StarGANv2.hparams(task), **SMALL}, "cpu", steps)


def _batch() -> dict:
    g = torch.Generator().manual_seed(0)
    image = lambda: torch.rand(4, 3, 16, 16, generator=g) * 2 - 1  # noqa: E731
    return {"x": image(), "domain": torch.tensor([0, 1, 2, 0]), "target_domain": torch.tensor([1, 2, 0, 2]),
            "x_ref": image(), "x_ref2": image()}


def test_ema_networks_are_listed_as_such_and_counted_once() -> None:
    info = describe("stargan2", 16, setting="multidomain", domains=3, profile="embedded")
    roles = info["roles"]
    assert {k for k, v in roles.items() if v["role"] == "ema"} == {"G_ema", "F_ema", "E_ema"}
    assert all(roles[k]["inference"] for k in ("G_ema", "F_ema", "E_ema"))
    assert not any(roles[k]["inference"] for k in ("G", "F", "E", "D"))
    assert info["inference_parameters"] == sum(roles[k]["parameters"] for k in ("G_ema", "F_ema", "E_ema"))


def test_translation_uses_the_ema_networks_and_the_mode_picks_the_style() -> None:
    torch.manual_seed(0)
    model = _build()
    model.train_step(_batch(), 0)
    model.update_ema()
    x, refs = _batch()["x"], _batch()["x_ref"]
    latent = translate_batch(model, x, source=0, target=1, mode="latent", seed=0, keys=[0, 1, 2, 3])
    again = translate_batch(model, x, source=0, target=1, mode="latent", seed=1, keys=[0, 1, 2, 3])
    assert not torch.allclose(latent, again)  # another seed, other styles
    out = translate_batch(model, x, source=0, target=1, mode="reference", seed=0, keys=[0, 1, 2, 3], reference=refs)
    y = torch.ones(4, dtype=torch.long)
    with torch.no_grad():
        expected = model.ema["G_ema"](x, model.ema["E_ema"](refs, y))
        trained = model.nets["G"](x, model.nets["E"](refs, y))
    torch.testing.assert_close(out, expected)
    assert not torch.allclose(out, trained)


def test_one_step_updates_d_twice_and_g_twice_with_the_diversity_weight_decaying() -> None:
    torch.manual_seed(0)
    model = _build(steps=4)
    mapping = [p.detach().clone() for p in model.nets["F"].parameters()]
    losses = model.train_step(_batch(), 0)
    assert {"D_latent", "D_ref", "G_latent_ds", "G_ref_ds", "G_latent_cyc", "G_ref_sty"} <= set(losses)
    assert any(not torch.equal(a, b) for a, b in zip(mapping, model.nets["F"].parameters()))
    weights = []
    for step in range(4):  # the budget is 4 steps, so λ_ds falls from 2 by a quarter of it each step
        lo = model.train_step(_batch(), step)
        weights.append((lo["G_latent_adv"] + lo["G_latent_sty"] + lo["G_latent_cyc"] - lo["G_latent_total"])
                       / lo["G_latent_ds"])
    assert weights == pytest.approx([2.0, 1.5, 1.0, 0.5], rel=1e-3)
