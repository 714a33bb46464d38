"""GANILLA (Hicsonmez et al., "GANILLA: Generative Adversarial Networks for Image to Illustration Translation",
Image and Vision Computing 2020).

Official code: giddyyupp/ganilla (``models/networks.py``: ``resnet_fpn`` with depth 18, ``BasicBlock_Ganilla``,
``PyramidFeatures``; ``models/cycle_gan_model.py``). The CycleGAN framework with a new generator:
- downsampling: reflect pad 3 → conv 7×7 (bias) → IN → ReLU → reflect pad 1 → max-pool 3 s2, then four ResNet-18
  stages of two concatenating residual blocks (widths 64, 128, 128, 256; strides 1, 2, 2, 2). A block is
  pad → conv3 (stride s) → IN → ReLU → pad → conv3 → IN, concatenated with the shortcut (identity, or conv 1×1
  stride s + IN), then pad → conv3 (2C → C) → IN → ReLU; block convs have no bias, IN has no affine;
- upsampling (FPN-like): 1×1 lateral convs to 128 channels on every stage output; from the deepest, nearest ×2
  upsampling and addition into the next lateral; a last nearest ×2 → pad → conv3 (128 → 64); then reflect pad 3
  → conv 7×7 (→ 3) → tanh.
Discriminators, losses and training are CycleGAN's (see ``methods/cyclegan.py``): 70×70 PatchGAN with IN, LSGAN,
cycle λ = 10 each way, identity 0.5·λ, a 50-image pool, Adam 2e-4 (0.5, 0.999), batch 1, lr constant for half
the budget then linear to zero, init N(0, 0.02), no dropout.

Deviations:
- Widths follow ``ngf``: stages ngf·(1, 2, 2, 4), FPN 2·ngf, output conv ngf. The code ties only the stem to
  ``ngf`` and hard-codes the rest; both agree at the default 64.
- Sizes below 64 px drop the deepest stages so that the smallest map stays at least 4×4 (16×16 at 256 px;
  instance norm over a 2×2 map all but erases it, and a 32-px run with four stages barely learns):
  min(4, log2(size) − 2) stages (4 from 64 px up, 3 at 32 px). Sizes must be multiples of 2^stages.
- The FPN weights (all 1 by default; the code multiplies the C2 lateral by two of them) are not offered.
- As for CycleGAN, the PatchGAN loses layers below 32 px so that its output stays at least 1×1.
Embedded profile: CycleGAN's (ngf = ndf = 16, batch 8, 250 steps).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.method import Official
from methods.cyclegan import CycleGAN


def _in(channels: int) -> nn.InstanceNorm2d:
    return nn.InstanceNorm2d(channels, affine=False, track_running_stats=False)


def _conv3(c_in: int, c_out: int, stride: int = 1) -> list[nn.Module]:
    return [nn.ReflectionPad2d(1), nn.Conv2d(c_in, c_out, 3, stride, bias=False)]


class GanillaBlock(nn.Module):
    """Residual block that concatenates its branch with the shortcut and fuses them with a 3×3 conv."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1, use_dropout: bool = False):
        super().__init__()
        branch = _conv3(c_in, c_out, stride) + [_in(c_out), nn.ReLU(True)]
        branch += ([nn.Dropout(0.5)] if use_dropout else []) + _conv3(c_out, c_out) + [_in(c_out)]
        self.branch = nn.Sequential(*branch)
        self.shortcut = (nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride, bias=False), _in(c_out))
                         if stride != 1 or c_in != c_out else nn.Identity())
        self.fuse = nn.Sequential(*_conv3(2 * c_out, c_out), _in(c_out), nn.ReLU(True))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fuse(torch.cat([self.branch(x), self.shortcut(x)], 1))


class GanillaGenerator(nn.Module):
    """ResNet-18-style encoder with concatenating blocks and an FPN-like nearest-upsampling decoder."""

    def __init__(self, ngf: int = 64, stages: int = 4, use_dropout: bool = False):
        super().__init__()
        widths = [ngf, 2 * ngf, 2 * ngf, 4 * ngf][:stages]
        strides = [1, 2, 2, 2][:stages]
        self.stem = nn.Sequential(nn.ReflectionPad2d(3), nn.Conv2d(3, ngf, 7), _in(ngf), nn.ReLU(True),
                                  nn.ReflectionPad2d(1), nn.MaxPool2d(3, 2))
        self.stages = nn.ModuleList()
        c_in = ngf
        for c_out, stride in zip(widths, strides):
            self.stages.append(nn.Sequential(GanillaBlock(c_in, c_out, stride, use_dropout),
                                             GanillaBlock(c_out, c_out, 1, use_dropout)))
            c_in = c_out
        feature = 2 * ngf
        self.laterals = nn.ModuleList(nn.Conv2d(c, feature, 1) for c in widths)
        self.head = nn.Sequential(nn.ReflectionPad2d(1), nn.Conv2d(feature, ngf, 3), nn.ReflectionPad2d(3),
                                  nn.Conv2d(ngf, 3, 7), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
        p = self.laterals[-1](feats[-1])
        for lateral, c in zip(reversed(self.laterals[:-1]), reversed(feats[:-1])):
            p = F.interpolate(p, scale_factor=2, mode="nearest") + lateral(c)
        return self.head(F.interpolate(p, scale_factor=2, mode="nearest"))


def ganilla_stages(image_size: int) -> int:
    """ResNet-18 stages kept at ``image_size``: 4 from 64 px up, fewer below so the last map stays ≥ 4×4."""
    stages = min(4, int(math.log2(image_size)) - 2)
    if stages < 1 or image_size % 2**stages:
        raise ConfigError(f"GANILLA needs an image size divisible by {2 ** max(stages, 1)}; got {image_size}")
    return stages


class GANILLA(CycleGAN):
    name = "ganilla"
    paper = "Hicsonmez et al., Image and Vision Computing 2020"
    code = "giddyyupp/ganilla"
    official = Official({"G_A": 7_228_419, "G_B": 7_228_419, "D_A": 2_764_737, "D_B": 2_764_737}, 256,
                        "giddyyupp/ganilla models/networks.py: resnet_fpn (depth 18), basic PatchGAN")

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {k: v for k, v in super().hparams(task, profile).items() if k != "n_blocks"}
        return {**hp, "stages": ganilla_stages(task.image_size)}

    def make_generator(self) -> nn.Module:
        """The GANILLA generator; it always uses instance norm, as in the code (``norm`` applies to D only)."""
        hp = self.hp
        return GanillaGenerator(hp["ngf"], hp["stages"], hp["use_dropout"])
