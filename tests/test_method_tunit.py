"""TUNIT: what is specific to it (the guiding-only phase, the momentum copies' schedule, IIC and the contrastive
loss, reference translation through the copies, clustering accuracy). Counts, determinism and kill-and-resume live
in the conformance suite."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from bench.describe import describe, probe_task
from bench.inference import translate_batch
from bench.metrics.accuracy import clustering_accuracy
from bench.nn.tunit import contrastive_loss, iic_loss
from methods.tunit import TUNIT, guiding_view

SMALL = {"gen_dim": 4, "dis_dim": 4, "dis_max": 16, "guide_dim": 4, "mlp_dim": 16, "style_dim": 8, "clusters": 3,
         "batch_size": 4, "queue": 10}


def _build(steps: int) -> TUNIT:
    task = probe_task("multidomain", 16, 3)
    torch.manual_seed(0)
    model = TUNIT(task, {**TUNIT.hparams(task), **SMALL}, "cpu", steps)
    model.setup(_batch())
    return model


def _batch() -> dict:
    return {"x": torch.rand(4, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1}


def _copy(net: torch.nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in net.parameters()]


def _changed(before: list[torch.Tensor], net: torch.nn.Module) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, net.parameters()))


def test_only_the_guiding_network_trains_before_the_gan_phase_and_the_queue_is_bounded() -> None:
    model = _build(steps=20)  # the guiding-only phase is 65k of 200k: the first 6 of 20 steps
    assert (model.separated, model.ema_start) == (6, 7)
    nets = {k: _copy(v) for k, v in model.nets.items()}
    for step in range(6):
        losses = model.train_step(_batch(), step)
        model.update_ema()
    assert set(losses) == {"C_moco", "C_iic"}
    assert _changed(nets["C"], model.nets["C"])
    assert not _changed(nets["G"], model.nets["G"]) and not _changed(nets["D"], model.nets["D"])
    losses = model.train_step(_batch(), 6)
    assert {"D", "D_r1", "G_adv", "G_rec", "G_sty"} <= set(losses)
    assert _changed(nets["G"], model.nets["G"]) and _changed(nets["D"], model.nets["D"])
    assert model.extra["queue"].shape == (10, 8)  # the first batch, then a key batch per step, the last 10 kept


def test_g_copy_starts_as_g_at_ema_start_and_follows_it_after() -> None:
    model = _build(steps=20)
    start = _copy(model.ema["G_ema"])
    for step in range(model.ema_start):
        model.train_step(_batch(), step)
        model.update_ema()
        if step + 1 < model.ema_start:
            assert not _changed(start, model.ema["G_ema"])
    assert all(torch.equal(a, b) for a, b in zip(model.ema["G_ema"].parameters(), model.nets["G"].parameters()))
    model.train_step(_batch(), model.ema_start)
    model.update_ema()
    for shadow, net in zip(model.ema["G_ema"].parameters(), model.nets["G"].parameters()):
        assert not torch.equal(shadow, net)  # 0.999 of the copy and 0.001 of G's newer weights


def test_reference_translation_uses_the_copies_and_ignores_the_target_label() -> None:
    model = _build(steps=4)
    for step in range(4):
        model.train_step(_batch(), step)
        model.update_ema()
    x, refs = _batch()["x"], torch.rand(4, 3, 16, 16) * 2 - 1
    out = translate_batch(model, x, source=0, target=1, mode="reference", seed=0, keys=range(4), reference=refs)
    other = translate_batch(model, x, source=0, target=2, mode="reference", seed=0, keys=range(4), reference=refs)
    model.ema["C_ema"].eval()
    with torch.no_grad():
        expected = model.ema["G_ema"](x, model.ema["C_ema"].moco(refs))
    torch.testing.assert_close(out, expected)
    torch.testing.assert_close(out, other)
    assert TUNIT.modes == ("reference",) and "unsupervised" in TUNIT.batch


def test_iic_is_minus_the_mutual_information_of_the_two_assignments() -> None:
    k = 4
    labels = torch.arange(k).repeat(8)
    confident = F.one_hot(labels, k).float()
    assert iic_loss(confident, confident).item() == pytest.approx(-math.log(k), rel=1e-5)
    uniform = torch.full((32, k), 1 / k)
    assert iic_loss(confident, uniform).item() == pytest.approx(0.0, abs=1e-6)


def test_contrastive_loss_is_cross_entropy_with_the_key_first() -> None:
    g = torch.Generator().manual_seed(1)
    q, key, queue = torch.randn(5, 6, generator=g), torch.randn(5, 6, generator=g), torch.randn(9, 6, generator=g)
    logits = torch.cat([(q * key).sum(1, keepdim=True), q @ queue.t()], 1) / 0.07
    expected = -(logits.log_softmax(1)[:, 0]).mean()
    assert contrastive_loss(q, key, queue).item() == pytest.approx(expected.item(), rel=1e-5)


def test_the_guiding_view_is_a_changed_image_in_range() -> None:
    torch.manual_seed(0)
    x = _batch()["x"]
    view = guiding_view(x)
    assert view.shape == x.shape and view.min() >= -1 and view.max() <= 1
    assert not torch.allclose(view, x)


class _Clusters:
    """A stand-in method whose cluster of an image is read from its first pixel."""

    def __init__(self, k: int):
        self.k, self.device, self.keeps_train_mode = k, torch.device("cpu"), False

    def all_networks(self) -> dict:
        return {}

    def cluster(self, x: torch.Tensor) -> torch.Tensor:
        return F.one_hot(((x[:, 0, 0, 0] + 1) * 127.5).round().long(), self.k).float()


def test_clustering_accuracy_is_the_best_one_to_one_matching() -> None:
    domains = torch.tensor([0, 0, 0, 1, 1, 1, 2, 2, 2])
    images = torch.zeros(9, 3, 2, 2, dtype=torch.uint8)
    images[:, 0, 0, 0] = torch.tensor([2, 2, 2, 0, 0, 1, 1, 1, 1])  # clusters: a permutation, one image off
    assert clustering_accuracy(_Clusters(3), images, domains) == pytest.approx(8 / 9)
    images[:, 0, 0, 0] = torch.tensor([0, 1, 2, 3, 3, 3, 4, 4, 4])  # five clusters: two left unmatched
    assert clustering_accuracy(_Clusters(5), images, domains) == pytest.approx(7 / 9)


def test_copies_are_listed_as_ema_and_counted_once() -> None:
    info = describe("tunit", 16, setting="multidomain", domains=3, profile="embedded")
    roles = info["roles"]
    assert {k for k, v in roles.items() if v["role"] == "ema"} == {"G_ema", "C_ema"}
    assert info["inference_parameters"] == roles["G_ema"]["parameters"] + roles["C_ema"]["parameters"]
