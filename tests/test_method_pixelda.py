"""PixelDA: its parameter counts derived layer by layer, paper settings, noise range, classifier and D/G steps."""

from __future__ import annotations

import torch

from bench.data.tasks import get_task
from bench.inference import Noise, translate_batch
from methods.pixelda import PixelDA

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
    assert PixelDA.official.image_size == size and PixelDA.official.hparams == {}
    assert PixelDA.official.counts == {"G": generator, "D": discriminator, "T": 2 * private + shared}


def test_paper_loss_weights_and_optimiser():
    hp = PixelDA.hparams(get_task("hand2mnistm"))
    # README flags of the MNIST→MNIST-M run and hparams.py.
    assert (hp["domain_loss_weight"], hp["style_transfer_loss_weight"], hp["task_loss_in_g_weight"]) == \
        (0.135603587834, 0.0113173311334, 0.0100959947002)
    assert (hp["lr"], hp["beta1"], hp["batch_size"], hp["noise_dims"], hp["clip_grad_norm"]) == (1e-3, 0.5, 32, 10, 5.0)


def _method() -> PixelDA:
    task = get_task("hand2mnistm", 16)
    return PixelDA(task, {**PixelDA.hparams(task), **TINY}, steps=10)


def _batch() -> dict:
    return {"A": torch.rand(4, 3, 16, 16) * 2 - 1, "B": torch.rand(4, 3, 16, 16) * 2 - 1,
            "label_A": torch.tensor([0, 1, 2, 3]), "label_B": torch.tensor([4, 5, 6, 7])}


def test_the_noise_is_the_harness_noise_mapped_to_u_minus_one_one():
    torch.manual_seed(0)
    method = _method()
    for step in range(3):
        method.train_step(_batch(), step)
    seen: list[torch.Tensor] = []
    method.G.register_forward_pre_hook(lambda module, args: seen.append(args[1]))
    x, keys = torch.rand(64, 3, 16, 16) * 2 - 1, list(range(64))
    a = translate_batch(method, x, source=0, target=1, mode="latent", seed=7, keys=keys)
    b = translate_batch(method, x, source=0, target=1, mode="latent", seed=8, keys=keys)
    z = seen[0]
    assert z.shape == (64, PixelDA.hparams(method.task)["noise_dims"])
    assert torch.equal(z, Noise(7, keys).rand(z.shape[1]) * 2 - 1)
    assert -1 <= z.min() < -0.9 and 0.9 < z.max() <= 1, "z ~ U[-1, 1], as the official noise"
    assert (a - b).abs().amax(dim=(1, 2, 3)).min() > 0, "every output must change with the seed"


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
