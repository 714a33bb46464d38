"""PixelDA: parameter counts at 32 px, a tiny training run, bit-identical resume, noise, classifier and D/G steps."""

from __future__ import annotations

import json
import math

import torch

from bench.data.tasks import get_task
from bench.describe import describe
from bench.train import load_checkpoint, make_spec, train
from methods.pixelda import PixelDA
from tests.method_checks import assert_resumes_exactly

TINY = {"resnet_filters": 8, "resnet_blocks": 1, "ndf": 8, "batch_size": 4}


def test_parameter_counts_follow_the_official_layer_list():
    # tensorflow/models research/domain_adaptation/pixel_domain_adaptation, arch=resnet, task_tower=mnist, at
    # MNIST-M's 32 px with noise_dims 10 (hparams.py defaults). Counted with PyTorch's affine batch norms (γ and β;
    # slim's batch norm has β only: G 456,963, D 1,559,169 in the TensorFlow graph).
    size, noise, f = 32, 10, 64
    bn = lambda c: 2 * c  # noqa: E731
    generator = (noise * size * size + bn(size * size)  # noise FC (no bias) + BN
                 + (3 + 1) * f * 9 + f  # conv3 over image + noise channel
                 + 6 * 2 * (f * f * 9 + bn(f))  # 6 residual blocks, convs without bias
                 + f * 3 + 3)  # 1×1 conv out
    discriminator = (3 * 64 * 9 + 64  # conv3 stride 1, no BN
                     + sum(c * 2 * c * 9 + bn(2 * c) for c in (64, 128, 256))  # 32 → 16 → 8 → 4
                     + 512 * 4 * 4 + 1)  # FC logit
    private, shared = 3 * 32 * 25 + 32, 32 * 48 * 25 + 48 + 48 * 8 * 8 * 100 + 100 + 100 * 100 + 100 + 100 * 10 + 10
    assert describe("pixelda", 32)["parameters"] == {"G": generator, "D": discriminator, "T": 2 * private + shared}
    assert (generator, discriminator, 2 * private + shared) == (458_755, 1_560_065, 361_722)


def test_paper_loss_weights_and_optimiser():
    hp = PixelDA.hparams(get_task("hand2mnistm"))
    # README flags of the MNIST→MNIST-M run and hparams.py.
    assert (hp["domain_loss_weight"], hp["style_transfer_loss_weight"], hp["task_loss_in_g_weight"]) == \
        (0.135603587834, 0.0113173311334, 0.0100959947002)
    assert (hp["lr"], hp["beta1"], hp["batch_size"], hp["noise_dims"], hp["clip_grad_norm"]) == (1e-3, 0.5, 32, 10, 5.0)


def test_trains_and_translates(digits_root, tmp_path):
    spec = make_spec("hand2mnistm", "pixelda", 0, 4, TINY, image_size=16)
    train(spec, tmp_path, data_root=digits_root, progress=False, log_every=1, threads=1)
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert len(records) == 4 and {"D_target", "T_source", "G_adv", "G_task"} <= set(records[0])
    assert all(math.isfinite(v) for r in records for v in r.values())
    assert (tmp_path / "samples.png").is_file()
    _, method, _ = load_checkpoint(tmp_path, torch.device("cpu"))
    x = torch.rand(5, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        y = method.translate(x, source=0, target=1, seed=0)
        logits = method.classify(x)
    assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    assert logits.shape == (5, 10)


def test_resume_is_bit_identical(digits_root, tmp_path, monkeypatch):
    spec = make_spec("hand2mnistm", "pixelda", 0, 4, TINY, image_size=16)
    assert_resumes_exactly(spec, digits_root, tmp_path, monkeypatch)


def _method() -> PixelDA:
    task = get_task("hand2mnistm", 16)
    return PixelDA(task, {**PixelDA.hparams(task), **TINY, "steps": 10})


def _batch() -> dict:
    return {"A": torch.rand(4, 3, 16, 16) * 2 - 1, "B": torch.rand(4, 3, 16, 16) * 2 - 1,
            "label_A": torch.tensor([0, 1, 2, 3]), "label_B": torch.tensor([4, 5, 6, 7])}


def test_the_noise_comes_from_the_seed_and_leaves_the_global_rng_alone():
    torch.manual_seed(0)
    method = _method()
    for step in range(3):
        method.train_step(_batch(), step)
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    before = torch.get_rng_state()
    with torch.no_grad():
        a, b, c = (method.translate(x, source=0, target=1, seed=s) for s in (7, 7, 8))
    assert torch.equal(torch.get_rng_state(), before)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_d_step_trains_d_and_the_classifier_g_step_trains_g():
    torch.manual_seed(0)
    method = _method()
    snap = {n: [p.detach().clone() for p in net.parameters()] for n, net in method.nets.items()}
    method.train_step(_batch(), 0)
    for name, net in method.nets.items():
        assert all(not torch.equal(a, b) for a, b in zip(snap[name], net.parameters())), name
    # Target images go through the transferred-image branch, the one classify() scores.
    x = torch.rand(3, 3, 16, 16) * 2 - 1
    assert torch.equal(method.classify(x), method.T.eval()(x, 1))
    assert set(method.optimizers) == {"G", "D"}
    assert {id(p) for p in method.optimizers["D"].param_groups[0]["params"]} == \
        {id(p) for p in [*method.D.parameters(), *method.T.parameters()]}


def test_needs_labels():
    task = get_task("hand2mnistm", 16)
    assert PixelDA.supports(task)
    unlabelled = get_task("horse2zebra")
    assert not PixelDA.supports(unlabelled)
