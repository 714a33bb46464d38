"""PixelDA (Bousmalis et al., "Unsupervised Pixel-Level Domain Adaptation with Generative Adversarial Networks",
CVPR 2017).

Official code (TensorFlow): tensorflow/models research/domain_adaptation/pixel_domain_adaptation
(``pixelda_model.py``, ``pixelda_losses.py``, ``pixelda_task_towers.py``, ``hparams.py``, ``pixelda_train.py``), run
with the README's MNIST→MNIST-M flags (arch=resnet, task_tower=mnist and the searched loss weights).

- G (``arch=resnet``): noise z ~ U[-1, 1]^10 → FC (BN, ReLU) to one H×W channel, concatenated to the source image;
  conv3-64 (ReLU, no BN); 6 residual blocks (conv3 → BN → ReLU → conv3 → BN, plus the identity); 1×1 conv → tanh.
  Full resolution throughout: no down- or up-sampling.
- D: conv3-64 stride 1 (LeakyReLU 0.2, no BN), then stride-2 conv3 → BN → LeakyReLU with filters doubling until
  the map is 4×4, then an FC logit; after every layer dropout (keep 0.9) and additive Gaussian noise (σ 0.2).
- T: the task classifier (``bench.nn.digit_classifier``, DANN's MNIST tower) with private first layers for
  source and for transferred images; target images use the transferred branch, and ``classify`` returns those
  logits. T lives in the official 'discriminator' scope, so it is trained in the D step, by D's optimiser.
- Losses: D step: 0.1356 · sigmoid-CE domain loss (transferred = 0, target = 1) + CE of T on source and on
  transferred images (weights 1, 1); G step: 0.0113 · non-saturating adversarial loss + 0.0101 · CE of T on the
  transferred images. Similarity (content) loss weight 0, as for MNIST-M.
- Adam 1e-3 (β₁ 0.5), batch 32, each gradient clipped to norm 5 (slim clips per variable), N(0, 0.02) init,
  one D step then one G step, BN moving-average decay 0.9 (PyTorch's momentum 0.1), no weight decay (the code
  registers L2 regularisers but its train ops minimise the loss tensors without them). The official lr × 0.95
  every 20k global steps counts the D and the G update as one step each, so here it decays every 10k
  iterations (the paper's 16M examples are 250k iterations); a shorter budget decays at the same fractions.

Deviations: one batch and one noise draw per iteration serve the D and the G step (the official graph draws a
new batch for each of the two updates), and the G step leaves out T's source term, which has no gradient
there; batch norms carry a scale γ as well as the shift β (slim's default has β only) and PyTorch's eps 1e-5
(slim: 1e-3), because the generator reuses the shared ``ResnetBlock``; stride-2 convs pad symmetrically
(TensorFlow's 'SAME' pads the far side); translation and ``classify`` run in eval mode (moving averages, as the
official evaluation does).
Embedded profile: 16 filters, 2 residual blocks, ndf 16, 300 steps.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.data.tasks import Task
from bench.inference import Noise
from bench.method import Method, Official
from bench.nn.digit_classifier import DigitClassifier
from bench.nn.init import init_weights
from bench.nn.losses import GANLoss, set_requires_grad
from bench.nn.resnet import ResnetBlock
from bench.nn.schedules import on_budget, step_decay


class PixelDAGenerator(nn.Module):
    """Source image + projected noise channel → conv3 → residual blocks (BN) → 1×1 conv → tanh, at full resolution."""

    def __init__(self, in_ch: int, out_ch: int, image_size: int, noise_dims: int, filters: int, blocks: int):
        super().__init__()
        self.image_size = image_size
        self.project = nn.Sequential(nn.Linear(noise_dims, image_size * image_size, bias=False),
                                     nn.BatchNorm1d(image_size * image_size), nn.ReLU(True))
        self.body = nn.Sequential(nn.Conv2d(in_ch + 1, filters, 3, padding=1), nn.ReLU(True),
                                  *[ResnetBlock(filters, "batch", padding="zero") for _ in range(blocks)],
                                  nn.Conv2d(filters, out_ch, 1), nn.Tanh())

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        noise = self.project(z).view(-1, 1, self.image_size, self.image_size)
        return self.body(torch.cat([x, noise], 1))


class HiddenNoise(nn.Module):
    """PixelDA's D regulariser after every layer: dropout (keep ``keep``), then additive N(0, σ²) noise."""

    def __init__(self, keep: float, std: float):
        super().__init__()
        self.keep, self.std = keep, std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return x
        x = F.dropout(x, 1.0 - self.keep, training=True)
        return x + torch.randn_like(x) * self.std if self.std > 0 else x


class PixelDADiscriminator(nn.Module):
    """conv3 (stride 1, no BN), then stride-2 conv3 + BN, doubling the filters, down to ``min_size``; FC → 1 logit."""

    def __init__(self, in_ch: int, image_size: int, ndf: int, min_size: int, keep: float, std: float,
                 leak: float = 0.2):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(in_ch, ndf, 3, padding=1), nn.LeakyReLU(leak, True),
                                   HiddenNoise(keep, std)]
        size, ch = image_size, ndf
        while size > min_size:
            layers += [nn.Conv2d(ch, ch * 2, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(ch * 2),
                       nn.LeakyReLU(leak, True), HiddenNoise(keep, std)]
            size, ch = math.ceil(size / 2), ch * 2
        layers += [nn.Flatten(), nn.Linear(ch * size * size, 1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class PixelDA(Method):
    name = "pixelda"
    settings = frozenset({"unpaired"})
    directions = "a2b"
    paper = "Bousmalis et al., CVPR 2017"
    code = "tensorflow/models research/domain_adaptation/pixel_domain_adaptation"
    supervision = "source labels"
    needs_labels = True
    modes = ("latent",)
    inference = ("G",)
    embedded_steps = 300
    paper_iterations = 250_000  # MNIST-M: 16M examples = 500k global steps of batch 32, two per iteration
    official = Official({"G": 458_755, "D": 1_560_065, "T": 361_722}, 32,
                        "tensorflow/models research/domain_adaptation/pixel_domain_adaptation (arch resnet, task "
                        "tower mnist, noise_dims 10), with PyTorch's affine batch norms")

    @classmethod
    def hparams(cls, task: Task, profile: str = "paper") -> dict:
        hp = {"batch_size": 32, "lr": 1e-3, "beta1": 0.5, "beta2": 0.999, "lr_decay_every": 10000,
              "lr_decay_rate": 0.95, "clip_grad_norm": 5.0, "noise_dims": 10, "resnet_blocks": 6,
              "resnet_filters": 64, "ndf": 64, "d_min_size": 4, "d_dropout_keep": 0.9, "d_noise_std": 0.2,
              "domain_loss_weight": 0.135603587834, "style_transfer_loss_weight": 0.0113173311334,
              "task_loss_in_g_weight": 0.0100959947002, "source_task_loss_weight": 1.0,
              "transferred_task_loss_weight": 1.0, "num_classes": 10, "init_std": 0.02}
        if profile == "embedded":
            hp.update(resnet_filters=16, resnet_blocks=2, ndf=16)
        return hp

    def __init__(self, task: Task, hparams: dict, device: torch.device | str = "cpu", steps: int = 1):
        super().__init__(task, hparams, device, steps)
        hp, size = self.hp, task.image_size
        init = lambda net: self.to_device(init_weights(net, "normal", hp["init_std"]))  # noqa: E731
        self.G = init(PixelDAGenerator(3, 3, size, hp["noise_dims"], hp["resnet_filters"], hp["resnet_blocks"]))
        self.D = init(PixelDADiscriminator(3, size, hp["ndf"], hp["d_min_size"], hp["d_dropout_keep"],
                                           hp["d_noise_std"]))
        self.T = init(DigitClassifier(3, hp["num_classes"], size, branches=2))
        self.nets = {"G": self.G, "D": self.D, "T": self.T}
        betas = (hp["beta1"], hp["beta2"])
        self.optimizers = {"G": torch.optim.Adam(self.G.parameters(), hp["lr"], betas=betas),
                           "D": torch.optim.Adam([*self.D.parameters(), *self.T.parameters()], hp["lr"], betas=betas)}
        every = on_budget(hp["lr_decay_every"], self.paper_iterations, self.steps)
        self.schedulers = {k: step_decay(o, every, hp["lr_decay_rate"]) for k, o in self.optimizers.items()}
        self.gan = GANLoss("vanilla")

    def _step(self, name: str, loss: torch.Tensor) -> None:
        """Backpropagate ``loss``, clip each parameter's gradient to the norm bound (slim's rule) and step."""
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        for group in opt.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    torch.nn.utils.clip_grad_norm_(p, self.hp["clip_grad_norm"])
        opt.step()

    def train_step(self, batch: dict, step: int) -> dict[str, float]:
        hp = self.hp
        source, labels, target = batch["A"], batch["label_A"], batch["B"]
        for net in self.nets.values():
            net.train()
        z = torch.rand(source.size(0), hp["noise_dims"], device=self.device) * 2 - 1
        fake = self.G(source, z)
        set_requires_grad([self.D, self.T], True)
        d_transferred = self.gan(self.D(fake.detach()), False)
        d_target = self.gan(self.D(target), True)
        task_source = F.cross_entropy(self.T(source, 0), labels)
        task_transferred = F.cross_entropy(self.T(fake.detach(), 1), labels)
        task = hp["source_task_loss_weight"] * task_source + hp["transferred_task_loss_weight"] * task_transferred
        self._step("D", hp["domain_loss_weight"] * (d_transferred + d_target) + task)
        set_requires_grad([self.D, self.T], False)
        g_adv = self.gan(self.D(fake), True, for_d=False)
        g_task = F.cross_entropy(self.T(fake, 1), labels)
        self._step("G", hp["style_transfer_loss_weight"] * g_adv
                   + hp["task_loss_in_g_weight"] * hp["transferred_task_loss_weight"] * g_task)
        return {"D_transferred": d_transferred.item(), "D_target": d_target.item(), "T_source": task_source.item(),
                "T_transferred": task_transferred.item(), "G_adv": g_adv.item(), "G_task": g_task.item()}

    def translate(self, x: torch.Tensor, *, source: int, target: int, mode: str, noise: Noise | None = None,
                  reference: torch.Tensor | None = None) -> torch.Tensor:
        """G(x, z) with z ~ U[-1, 1]^noise_dims from the harness's per-image noise."""
        return self.G(x, noise.rand(self.hp["noise_dims"]) * 2 - 1)

    @torch.no_grad()
    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Target-domain class logits: T's transferred branch, the one the official evaluation scores on the target."""
        self.T.eval()
        return self.T(x, 1)
