"""UNIT and MUNIT: what is specific to them (shared blocks of bench.nn.munit, the mean latent, styles, AdaIN)."""

from __future__ import annotations

import torch

from bench.describe import probe_task
from bench.inference import translate_batch
from bench.nn.munit import MultiScaleDiscriminator, adain_param_count
from methods.munit import MUNIT
from methods.unit import UNIT

SMALL = {"gen_dim": 8, "dis_dim": 8, "n_res": 1, "mlp_dim": 16}


def _build(cls, size: int = 32):
    task = probe_task("unpaired", size)
    hp = {**cls.hparams(task), **{k: v for k, v in SMALL.items() if k in cls.hparams(task)}}
    return cls(task, hp)


def _images(n: int, size: int = 32, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def test_munit_mlp_feeds_every_adain_parameter_of_the_decoder() -> None:
    paper = MUNIT(probe_task("unpaired", 256), MUNIT.hparams(probe_task("unpaired", 256)))
    assert adain_param_count(paper.gen_a.dec) == 4096 == paper.gen_a.mlp[-1].out_features


def test_discriminator_scales_keep_the_layers_their_input_allows() -> None:
    dis = MultiScaleDiscriminator(3, 8, 4, 3, image_size=32)
    convs = [sum(isinstance(m, torch.nn.Conv2d) for m in scale.modules()) for scale in dis.scales]
    assert convs == [5, 5, 4]  # 4, 4 and 3 stride-2 layers (32, 16, 8 px), each plus the 1×1 logit conv
    assert all(out.shape[-1] >= 1 for out in dis(_images(2)))
    assert [sum(isinstance(m, torch.nn.Conv2d) for m in s.modules()) for s in MultiScaleDiscriminator().scales] \
        == [5, 5, 5]


def test_unit_translates_through_the_mean_of_the_latent() -> None:
    model = _build(UNIT)
    x = _images(3)
    out = translate_batch(model, x, source=0, target=1, mode="deterministic", seed=0, keys=[0, 1, 2])
    model.gen_a.eval(), model.gen_b.eval()
    with torch.no_grad():
        expected = model.gen_b.dec(model.gen_a.enc(x))
    torch.testing.assert_close(out, expected)
    back = translate_batch(model, x, source=1, target=0, mode="deterministic", seed=5, keys=[0, 1, 2])
    with torch.no_grad():
        torch.testing.assert_close(back, model.gen_a.dec(model.gen_b.enc(x)))


def test_unit_step_reports_every_official_loss() -> None:
    model = _build(UNIT, 16)
    losses = model.train_step({"A": _images(2, 16), "B": _images(2, 16, 1)}, 0)
    assert set(losses) == {"D_a", "D_b", "G_adv_a", "G_adv_b", "recon_x_a", "recon_x_b", "kl_a", "kl_b", "cyc_x_a",
                           "cyc_x_b", "kl_cyc_aba", "kl_cyc_bab"}


def test_munit_latent_styles_come_from_the_noise_and_references_set_the_style() -> None:
    model = _build(MUNIT)
    x, refs = _images(3), _images(3, seed=9)
    run = dict(source=0, target=1, keys=[0, 1, 2])
    a, b = (translate_batch(model, x, mode="latent", seed=s, **run) for s in (0, 1))
    assert not torch.equal(a, b)
    guided = translate_batch(model, x, mode="reference", seed=0, reference=refs, **run)
    model.gen_a.eval(), model.gen_b.eval()
    with torch.no_grad():
        expected = model.gen_b.decode(model.gen_a.enc_content(x), model.gen_b.enc_style(refs))
    torch.testing.assert_close(guided, expected)
    swapped = translate_batch(model, x, mode="reference", seed=0, reference=refs.flip(0), **run)
    assert not torch.allclose(guided, swapped)


def test_munit_cycle_term_only_when_its_weight_is_set() -> None:
    batch = {"A": _images(2, 16), "B": _images(2, 16, 1)}
    off = _build(MUNIT, 16).train_step(batch, 0)
    task = probe_task("unpaired", 16)
    on = MUNIT(task, {**MUNIT.hparams(task), **SMALL, "recon_x_cyc_w": 10.0}).train_step(batch, 0)
    assert "cyc_x_a" not in off and "cyc_x_a" in on and {"recon_s_a", "recon_c_b"} <= set(off)
