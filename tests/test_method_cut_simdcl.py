"""CUT, FastCUT and SimDCL: what is specific to them (anti-aliased blocks, the feature tap, PatchSampleF, PatchNCE,
the dual encoders and the similarity heads). Counts, determinism and kill-and-resume live in the conformance suite."""

from __future__ import annotations

import math

import pytest
import torch

from bench.describe import probe_task
from bench.errors import ConfigError
from bench.nn import NLayerDiscriminator, ResnetGenerator
from bench.nn.antialias import BlurDownsample, BlurUpsample
from bench.nn.patchnce import PatchSampleF, patch_nce, sample_ids
from methods.cut import CUT, FastCUT
from methods.simdcl import MappingF, SimDCL

SMALL = {"ngf": 8, "ndf": 8, "n_blocks": 5, "batch_size": 2}


def _images(n: int, size: int = 16, seed: int = 0) -> torch.Tensor:
    return torch.rand(n, 3, size, size, generator=torch.Generator().manual_seed(seed)) * 2 - 1


def _build(cls, size: int = 16, **overrides):
    task = probe_task("unpaired", size)
    model = cls(task, {**cls.hparams(task), **SMALL, **overrides})
    model.setup({"A": _images(2, size), "B": _images(2, size, 1)})
    return model


def _count(net: torch.nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())


def test_antialiasing_keeps_parameter_counts_and_constant_images() -> None:
    assert _count(ResnetGenerator(ngf=8, n_blocks=2, antialias=True)) == _count(ResnetGenerator(ngf=8, n_blocks=2))
    assert _count(NLayerDiscriminator(3, 8, 3, "instance", antialias=True)) == \
        _count(NLayerDiscriminator(3, 8, 3, "instance"))
    flat = torch.full((1, 4, 8, 8), 0.3)
    torch.testing.assert_close(BlurDownsample(4)(flat), torch.full((1, 4, 4, 4), 0.3))
    torch.testing.assert_close(BlurUpsample(4)(flat), torch.full((1, 4, 16, 16), 0.3))


def test_feature_tap_reads_the_official_layers() -> None:
    """With anti-aliasing, 0/4/8/12/16 are the padded pixels, the two down-convs (before their norm) and residual
    blocks 1 and 5, as the CUT code counts them."""
    torch.manual_seed(0)
    G = ResnetGenerator(ngf=64, n_blocks=9, antialias=True).eval()
    x = _images(1, 32)
    feats = G.features(x, [0, 4, 8, 12, 16])
    assert [tuple(f.shape[1:]) for f in feats] == [(3, 38, 38), (128, 32, 32), (256, 16, 16), (256, 8, 8),
                                                   (256, 8, 8)]
    assert type(G.model[4]).__name__ == "Conv2d" and type(G.model[12]).__name__ == "ResnetBlock"
    torch.testing.assert_close(G.features(x, [len(G.model) - 1])[0], G(x))
    with pytest.raises(ValueError, match="outside"):
        G.features(x, [len(G.model)])


def test_patch_nce_is_the_per_patch_cross_entropy_against_same_image_negatives() -> None:
    g = torch.Generator().manual_seed(1)
    q = torch.nn.functional.normalize(torch.randn(2 * 5, 8, generator=g), dim=1)
    k = torch.nn.functional.normalize(torch.randn(2 * 5, 8, generator=g), dim=1)
    expected = []
    for b in range(2):
        for i in range(5):
            row = b * 5 + i
            logits = [q[row] @ k[row]] + [q[row] @ k[b * 5 + j] if j != i else torch.tensor(-10.0) for j in range(5)]
            logits = torch.stack(logits) / 0.07
            expected.append(-torch.log_softmax(logits, 0)[0])
    torch.testing.assert_close(patch_nce(q, k, 2), torch.stack(expected).mean())
    assert patch_nce(k, k, 2) < patch_nce(q, k, 2)  # a query equal to its key scores better


def test_patch_sampler_shares_locations_and_is_built_on_the_first_batch() -> None:
    feats = [torch.randn(2, 3, 6, 6), torch.randn(2, 16, 3, 3)]
    F = PatchSampleF(nc=32)
    with pytest.raises(RuntimeError, match="build"):
        F(feats, sample_ids(feats, 5))
    F.build(feats)
    assert _count(F) == (3 * 32 + 32 + 32 * 32 + 32) + (16 * 32 + 32 + 32 * 32 + 32)
    ids = sample_ids(feats, 20)
    assert [len(i) for i in ids] == [20, 9]  # a layer with fewer locations gives all of them
    out = F(feats, ids)
    assert [tuple(o.shape) for o in out] == [(40, 32), (18, 32)]
    torch.testing.assert_close(out[0].norm(dim=1), torch.ones(40), atol=1e-2, rtol=0)  # ‖x‖/(‖x‖ + 1e-7)
    moved = [f.clone() for f in feats]
    moved[0][:, :, ids[0][0] // 6, ids[0][0] % 6] += 5  # change a sampled location: its projection changes
    assert not torch.allclose(F(moved, ids)[0][0], out[0][0])


def test_cut_and_fastcut_differ_as_the_official_modes() -> None:
    task = probe_task("unpaired", 256)
    cut, fast = CUT.hparams(task), FastCUT.hparams(task)
    changed = {k for k in cut if cut[k] != fast[k]}
    assert changed == {"lambda_nce", "nce_idt", "flip_equivariance", "decay_start"}
    assert (fast["lambda_nce"], fast["nce_idt"], fast["flip_equivariance"]) == (10.0, False, True)
    assert (CUT.paper_epochs, FastCUT.paper_epochs) == (400, 200)
    assert (CUT.embedded_steps, FastCUT.embedded_steps) == (200, 1000)  # the embedded deviation its docstring names
    embedded = FastCUT.hparams(probe_task("unpaired", 32), "embedded")
    assert (embedded["lambda_nce"], embedded["nce_idt"], embedded["flip_equivariance"]) == (1.0, False, True)
    torch.manual_seed(0)
    assert set(_build(CUT).train_step({"A": _images(2), "B": _images(2, seed=1)}, 0)) == {"D", "G_GAN", "NCE",
                                                                                         "NCE_Y"}
    assert set(_build(FastCUT).train_step({"A": _images(2), "B": _images(2, seed=1)}, 0)) == {"D", "G_GAN", "NCE"}


def test_cut_nce_layers_must_exist() -> None:
    with pytest.raises(ConfigError, match="nce_layers"):
        _build(CUT, n_blocks=2, nce_layers=[0, 4, 40])


def test_cut_trains_its_feature_heads() -> None:
    torch.manual_seed(0)
    model = _build(CUT)
    before = [p.detach().clone() for p in model.F.parameters()]
    losses = model.train_step({"A": _images(2), "B": _images(2, seed=1)}, 0)
    assert all(math.isfinite(v) for v in losses.values())
    assert all(not torch.equal(a, b) for a, b in zip(before, model.F.parameters()))


def test_simdcl_mapping_head_is_the_official_size_and_maps_each_image_alone() -> None:
    head = MappingF(4)
    assert _count(head) == 10_688
    stack = torch.randn(3, 4, 16, 32)
    out = head(stack)
    assert out.shape == (3, 64)
    torch.testing.assert_close(out[1:2], head(stack[1:2]))


def test_simdcl_step_uses_dual_encoders_and_every_head() -> None:
    torch.manual_seed(0)
    model = _build(SimDCL)
    heads = ("F1", "F2", "F3", "F4", "F5", "F6")
    before = {k: [p.detach().clone() for p in model.nets[k].parameters()] for k in heads}
    losses = model.train_step({"A": _images(2), "B": _images(2, seed=1)}, 0)
    assert set(losses) == {"D_A", "D_B", "G_A", "G_B", "NCE1", "NCE2", "idt_A", "idt_B", "Sim"}
    for k in heads:
        assert all(not torch.equal(a, b) for a, b in zip(before[k], model.nets[k].parameters())), k
