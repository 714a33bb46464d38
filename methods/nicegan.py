"""NICE-GAN (Chen et al., "Reusing Discriminators for Encoding: Towards Unsupervised Image-to-Image Translation",
CVPR 2020).

Official code: alpc91/NICE-GAN-pytorch (``networks.py``, ``NICE.py``, ``main.py``). No separate encoders: each
domain's discriminator begins with the encoder whose code z feeds the other domain's generator.
- Discriminator (every conv and the CAM linear layer spectrally normalised, reflect padding 1, LReLU 0.2):
  encoder conv k4s2 (3 → ch) → conv k4s2 (ch → 2ch); CAM block: GAP ‖ GMP → linear (4ch → 1, no bias) = CAM
  logit, the feature map doubled and reweighted by that layer's raw weight → conv 1×1 (4ch → 2ch, not
  normalised) → λ·that + input (λ learnt, starts at 0) → LReLU = z. Local head: one conv k4s2 doubling, conv
  k4s1 doubling, conv k4 → 1 (no bias). Global head, branching after the local head's stride-2 conv: two more
  convs k4s2 doubling, conv k4s1 doubling, conv k4 → 1 (no bias). (The code's ``n_dis`` = 7.)
- Generator (decoder only, input z): pad → conv3 (2ch → 4ch) → ILN → ReLU; γ, β from the ``light`` head
  (GAP → linear → ReLU → linear → ReLU, then two bias-free linears) or the full head (the flattened map instead
  of GAP); 6 residual blocks with AdaILN; 2 × [pad → conv3 (C → C/2) → ILN → ReLU → conv 1×1 (C/2 → 2C) →
  pixel-shuffle ×2 → ILN → ReLU]; reflect pad 3 → conv 7×7 (→ 3, no bias) → tanh. ILN/AdaILN: ``bench.nn.iln``.
- Objective: LSGAN on the local, global and CAM outputs (adv weight 1); cycle L1(G_{B→A}(E_B(G_{A→B}(E_A(a)))), a)
  × 10, the fake re-encoded by the other domain's discriminator; reconstruction L1(G_{B→A}(E_A(a)), a) × 10; and
  symmetrically. Decoupled training: the D step (first) trains the discriminators with their encoders; the G
  step back-propagates through the encoders into the generators, but only the generators' optimiser steps.
- Adam 1e-4, β = (0.5, 0.999), weight decay 1e-4, batch 1, PyTorch's default init; with ``decay`` the lr falls
  linearly to zero over the second half of the budget, step by step as in the code. Translation runs the
  encoder and generator in eval mode (spectral norm without a power iteration), as the code's test does.
Defaults are the ``light`` version, which the paper's results use (per the authors).

Deviations:
- Sizes below 128 px: each head keeps at most as many stride-2 convs as leave a 4×4 map before its two final
  stride-1 convs (the reflect padding needs it): local min(1, log2(size) − 4), global min(2, log2(size) − 4 −
  local) — both heads complete from 128 px up; at 32 px the global head has no stride-2 conv of its own.
- One width ``ch`` for encoder, heads and generator, as the code's ``--ch``.
- The CAM heatmap output (used only for the code's visualisations) is not computed.
Embedded profile: ch 16, one residual block, batch 8, 150 steps; and, listed in the board's notes, lr 4e-4 with
no decay.
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm
from torch.optim.lr_scheduler import LambdaLR

from bench.errors import ConfigError
from bench.method import Method, Official
from bench.nn import GANLoss, constant, set_requires_grad
from bench.nn.iln import ILN, AdaILN


def _sn_conv(c_in: int, c_out: int, stride: int, bias: bool = True) -> list[nn.Module]:
    return [nn.ReflectionPad2d(1), spectral_norm(nn.Conv2d(c_in, c_out, 4, stride, bias=bias))]


def _down(c_in: int, n: int) -> tuple[list[nn.Module], int]:
    """``n`` spectral-normed k4s2 convs that double the width, each followed by LReLU(0.2)."""
    layers: list[nn.Module] = []
    for _ in range(n):
        layers += _sn_conv(c_in, 2 * c_in, 2) + [nn.LeakyReLU(0.2, True)]
        c_in *= 2
    return layers, c_in


def _head(c_in: int) -> nn.Sequential:
    """conv k4s1 doubling → LReLU → conv k4 → one logit map (no bias)."""
    return nn.Sequential(*_sn_conv(c_in, 2 * c_in, 1), nn.LeakyReLU(0.2, True), *_sn_conv(2 * c_in, 1, 1, bias=False))


class NiceDiscriminator(nn.Module):
    """Encoder + CAM block (the latent code z), then a local and a global PatchGAN head."""

    def __init__(self, ch: int = 64, local_downs: int = 1, global_downs: int = 2):
        super().__init__()
        self.encoder = nn.Sequential(*_sn_conv(3, ch, 2), nn.LeakyReLU(0.2, True),
                                     *_sn_conv(ch, 2 * ch, 2), nn.LeakyReLU(0.2, True))
        self.fc = spectral_norm(nn.Linear(4 * ch, 1, bias=False))
        self.conv1x1 = nn.Conv2d(4 * ch, 2 * ch, 1)
        self.lamda = nn.Parameter(torch.zeros(1))
        local, c_local = _down(2 * ch, local_downs)
        glob, c_global = _down(c_local, global_downs)
        self.local_down, self.global_down = nn.Sequential(*local), nn.Sequential(*glob)
        self.local_head, self.global_head = _head(c_local), _head(c_global)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(z, CAM logit) of images ``x``."""
        x0 = self.encoder(x)
        pooled = torch.cat([F.adaptive_avg_pool2d(x0, 1), F.adaptive_max_pool2d(x0, 1)], 1).flatten(1)
        cam_logit = self.fc(pooled)
        # The code reweights with the linear layer's raw parameter, not its spectrally normalised weight.
        h = self.conv1x1(torch.cat([x0, x0], 1) * self.fc.weight_orig[:, :, None, None])
        return F.leaky_relu(self.lamda * h + x0, 0.2), cam_logit

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        """([local logits, global logits, CAM logit], z)."""
        z, cam_logit = self.encode(x)
        h = self.local_down(z)
        return [self.local_head(h), self.global_head(self.global_down(h)), cam_logit], z


class AdaILNBlock(nn.Module):
    """pad → conv3 → AdaILN → ReLU → pad → conv3 → AdaILN, plus the identity (bias-free convs)."""

    def __init__(self, dim: int):
        super().__init__()
        self.conv1 = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=False))
        self.conv2 = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(dim, dim, 3, bias=False))
        self.norm1, self.norm2 = AdaILN(dim), AdaILN(dim)

    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        h = F.relu(self.norm1(self.conv1(x), gamma, beta))
        return x + self.norm2(self.conv2(h), gamma, beta)


class NiceGenerator(nn.Module):
    """Decoder from z (2ch channels at 1/4 size): ILN conv, γ/β head, AdaILN blocks, two pixel-shuffle ups."""

    def __init__(self, ch: int = 64, n_res: int = 6, light: bool = True, image_size: int = 256):
        super().__init__()
        c = 4 * ch
        self.light = light
        self.up0 = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(2 * ch, c, 3), ILN(c), nn.ReLU(True))
        fc_in = c if light else (image_size // 4) ** 2 * c
        self.fc = nn.Sequential(nn.Linear(fc_in, c, bias=False), nn.ReLU(True), nn.Linear(c, c, bias=False),
                                nn.ReLU(True))
        self.gamma, self.beta = nn.Linear(c, c, bias=False), nn.Linear(c, c, bias=False)
        self.blocks = nn.ModuleList(AdaILNBlock(c) for _ in range(n_res))
        up: list[nn.Module] = []
        for width in (c, c // 2):
            half = width // 2
            up += [nn.ReflectionPad2d(1), nn.Conv2d(width, half, 3, bias=False), ILN(half), nn.ReLU(True),
                   nn.Conv2d(half, 4 * half, 1), nn.PixelShuffle(2), ILN(half), nn.ReLU(True)]
        up += [nn.ReflectionPad2d(3), nn.Conv2d(ch, 3, 7, bias=False), nn.Tanh()]
        self.up = nn.Sequential(*up)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.up0(z)
        pooled = F.adaptive_avg_pool2d(x, 1) if self.light else x
        h = self.fc(pooled.flatten(1))
        gamma, beta = self.gamma(h), self.beta(h)
        for block in self.blocks:
            x = block(x, gamma, beta)
        return self.up(x)


class _SecondHalfDecay:
    """The code's lr rule: at iteration t (1-based) past half the budget, lr = lr₀ · (1 − (t − half) / half)."""

    def __init__(self, total: int):
        self.half = max(1, total // 2)

    def __call__(self, step: int) -> float:
        return 1.0 - max(0, step + 1 - self.half) / self.half


def nicegan_downs(image_size: int) -> tuple[int, int]:
    """Stride-2 convs of the (local, global) heads: the code's (1, 2), fewer where the map would fall below 4×4."""
    room = int(math.log2(image_size)) - 4
    if 2 ** (room + 4) != image_size or room < 0:
        raise ConfigError(f"NICE-GAN needs a power-of-two image size of at least 16; got {image_size}")
    local = min(1, room)
    return local, min(2, room - local)


class NICEGAN(Method):
    name = "nicegan"
    settings = frozenset({"unpaired"})
    directions = "both"
    paper = "Chen et al., CVPR 2020"
    code = "alpc91/NICE-GAN-pytorch"
    inference = ("disA", "gen2B", "disB", "gen2A")
    embedded_steps = 150
    paper_iterations = 300_000  # the repo default (the paper does not state it)
    official = Official({"gen2B": 8_104_640, "gen2A": 8_104_640, "disA": 46_874_433, "disB": 46_874_433}, 256,
                        "alpc91/NICE-GAN-pytorch networks.py: ResnetGenerator (light), Discriminator at 256 px")

    def inference_for(self, source, target):
        return ("disA", "gen2B") if (source, target) == (0, 1) else ("disB", "gen2A")

    @classmethod
    def hparams(cls, task, profile="paper"):
        local, glob = nicegan_downs(task.image_size)
        hp = {"batch_size": 1, "lr": 1e-4, "beta1": 0.5, "beta2": 0.999, "weight_decay": 1e-4, "ch": 64,
              "n_res": 6, "light": True, "local_downs": local, "global_downs": glob, "adv_weight": 1.0,
              "cycle_weight": 10.0, "recon_weight": 10.0, "decay": True}
        if profile == "embedded":
            hp.update(ch=16, n_res=1, batch_size=8, lr=4e-4, decay=False)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        # gen2B maps A→B from disA's code z; disA judges (and encodes) domain A.
        self.gen2B = self.to_device(NiceGenerator(hp["ch"], hp["n_res"], hp["light"], task.image_size))
        self.gen2A = self.to_device(NiceGenerator(hp["ch"], hp["n_res"], hp["light"], task.image_size))
        self.disA = self.to_device(NiceDiscriminator(hp["ch"], hp["local_downs"], hp["global_downs"]))
        self.disB = self.to_device(NiceDiscriminator(hp["ch"], hp["local_downs"], hp["global_downs"]))
        self.nets = {"gen2B": self.gen2B, "gen2A": self.gen2A, "disA": self.disA, "disB": self.disB}
        adam = dict(lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), weight_decay=hp["weight_decay"])
        self.optimizers = {
            "G": torch.optim.Adam(itertools.chain(self.gen2B.parameters(), self.gen2A.parameters()), **adam),
            "D": torch.optim.Adam(itertools.chain(self.disA.parameters(), self.disB.parameters()), **adam),
        }
        self.schedulers = {k: LambdaLR(o, _SecondHalfDecay(self.steps)) if hp["decay"] else constant(o)
                           for k, o in self.optimizers.items()}
        self.gan = GANLoss("lsgan")

    def _d_step(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        """Discriminators with their encoders: real codes, detached fakes, LSGAN on every head."""
        self.optimizers["D"].zero_grad(set_to_none=True)
        real_a, z_a = self.disA(a)
        real_b, z_b = self.disB(b)
        with torch.no_grad():
            fake_a2b, fake_b2a = self.gen2B(z_a), self.gen2A(z_b)
        fake_a, _ = self.disA(fake_b2a)
        fake_b, _ = self.disB(fake_a2b)
        w = self.hp["adv_weight"]
        losses = {"D_A": w * (self.gan(real_a, True) + self.gan(fake_a, False)),
                  "D_B": w * (self.gan(real_b, True) + self.gan(fake_b, False))}
        (losses["D_A"] + losses["D_B"]).backward()
        self.optimizers["D"].step()
        return losses

    def _g_step(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        """Generators only: gradients pass through the (frozen) encoders, which this step never updates."""
        hp = self.hp
        set_requires_grad([self.disA, self.disB], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        _, z_a = self.disA(a)
        _, z_b = self.disB(b)
        fake_a2b, fake_b2a = self.gen2B(z_a), self.gen2A(z_b)
        fake_a, fake_z_a = self.disA(fake_b2a)
        fake_b, fake_z_b = self.disB(fake_a2b)
        losses = {"G_A": hp["adv_weight"] * self.gan(fake_a, True, for_d=False),
                  "G_B": hp["adv_weight"] * self.gan(fake_b, True, for_d=False),
                  "cycle_A": hp["cycle_weight"] * F.l1_loss(self.gen2A(fake_z_b), a),
                  "cycle_B": hp["cycle_weight"] * F.l1_loss(self.gen2B(fake_z_a), b),
                  "recon_A": hp["recon_weight"] * F.l1_loss(self.gen2A(z_a), a),
                  "recon_B": hp["recon_weight"] * F.l1_loss(self.gen2B(z_b), b)}
        sum(losses.values()).backward()
        self.optimizers["G"].step()
        set_requires_grad([self.disA, self.disB], True)
        return losses

    def train_step(self, batch, step):
        for net in self.nets.values():
            net.train()
        a, b = batch["A"], batch["B"]
        losses = {**self._d_step(a, b), **self._g_step(a, b)}
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        encoder, generator = (self.disA, self.gen2B) if (source, target) == (0, 1) else (self.disB, self.gen2A)
        return generator(encoder.encode(x)[0])
