"""TUNIT's networks and losses (clovaai/tunit ``models/generator.py``, ``guidingNet.py``, ``discriminator.py``,
``tools/ops.py``): a content/AdaIN generator whose residual branches are scaled by 0.1, a VGG-11-BN guiding network
with a cluster head and a style head, a discriminator of pre-activation FRN residual blocks with one logit per
pseudo-domain, the IIC mutual-information loss and the MoCo-style contrastive loss (unnormalised vectors, τ 0.07).

Widths follow the code (first width 64 below 256 px, 32 from 256; the generator's bottleneck at 16×16, the whole
image below 16 px); ``width`` overrides the first width of each network for narrow CPU variants. One deviation,
inactive from 32 px up: the guiding network skips the max-pools that would leave less than 1×1.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.nn.munit import MLP, ContentEncoder, Decoder, adain_param_count, set_adain_params
from bench.nn.stargan2 import _pick

VGG11 = (1, "M", 2, "M", 4, 4, "M", 8, 8, "M", 8, 8, "M")  # VGG-11's widths in units of the first (64)


def code_width(image_size: int, width: int | None = None) -> int:
    """The code's first width: 64 below 256 px, 32 from 256 px (or ``width`` where given)."""
    return width or (64 if image_size < 256 else 32)


class TunitGenerator(nn.Module):
    """Content encoder (conv7, stride-2 conv4s down to 16×16, two residual blocks ×0.1, IN) and an AdaIN decoder
    whose scales and shifts an MLP makes from the style (two AdaIN residual blocks, upsample + conv5 + AdaIN)."""

    def __init__(self, image_size: int, style_dim: int = 128, width: int | None = None, n_res: int = 2,
                 mlp_dim: int = 256):
        super().__init__()
        n_down = max(0, int(math.log2(image_size)) - 4)
        self.enc = ContentEncoder(n_down, n_res, 3, code_width(image_size, width), res_scale=0.1)
        self.dec = Decoder(n_down, n_res, self.enc.out_dim, 3, res_norm="adain", up_norm="adain", res_scale=0.1)
        self.mlp = MLP(style_dim, adain_param_count(self.dec), mlp_dim, 3)

    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        set_adain_params(self.dec, self.mlp(style))
        return self.dec(content)

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return self.decode(self.enc(x), style)


class GuidingNet(nn.Module):
    """VGG-11 with batch norm, global average pooling, and two linear heads on its 512-d vector: ``disc``, the K
    pseudo-domain logits (IIC), and ``cont``, the style / MoCo vector."""

    def __init__(self, image_size: int, clusters: int = 10, style_dim: int = 128, width: int = 64):
        super().__init__()
        layers: list[nn.Module] = []
        c_in, size = 3, image_size
        for unit in VGG11:
            if unit == "M":
                if size >= 2:
                    layers.append(nn.MaxPool2d(2, 2))
                    size //= 2
            else:
                layers += [nn.Conv2d(c_in, unit * width, 3, padding=1), nn.BatchNorm2d(unit * width), nn.ReLU(True)]
                c_in = unit * width
        self.features = nn.Sequential(*layers)
        self.disc, self.cont = nn.Linear(c_in, clusters), nn.Linear(c_in, style_dim)
        for m in self.modules():  # torchvision's VGG initialisation, as the code
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.Linear):
                nn.init.normal_(m.weight, 0, 0.01)
                nn.init.zeros_(m.bias)

    def _vector(self, x: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(self.features(x), 1).flatten(1)

    def moco(self, x: torch.Tensor) -> torch.Tensor:
        return self.cont(self._vector(x))

    def iic(self, x: torch.Tensor) -> torch.Tensor:
        return self.disc(self._vector(x))


class FRN(nn.Module):
    """Filter response norm with a thresholded linear unit: max(γ · x / √(E[x²] + ε) + β, τ)."""

    def __init__(self, channels: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))
        self.tau = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x * torch.rsqrt(x.pow(2).mean((2, 3), keepdim=True) + self.eps)
        return torch.max(self.gamma * x + self.beta, self.tau)


class FRNBlock(nn.Module):
    """FRN → conv3 → [avgpool] → FRN → conv3, plus a (1×1, pooled) shortcut, over √2 (the code's ActFirstResBlk)."""

    def __init__(self, dim_in: int, dim_out: int, downsample: bool):
        super().__init__()
        self.downsample = downsample
        self.norm1, self.conv1 = FRN(dim_in), nn.Conv2d(dim_in, dim_in, 3, 1, 1)
        self.norm2, self.conv2 = FRN(dim_in), nn.Conv2d(dim_in, dim_out, 3, 1, 1)
        self.conv1x1 = nn.Conv2d(dim_in, dim_out, 1, 1, 0, bias=False) if dim_in != dim_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        short = self.conv1x1(x) if self.conv1x1 is not None else x
        short = F.avg_pool2d(short, 2) if self.downsample else short
        h = self.conv1(self.norm1(x))
        h = F.avg_pool2d(h, 2) if self.downsample else h
        return (short + self.conv2(self.norm2(h))) / math.sqrt(2)


class TunitDiscriminator(nn.Module):
    """conv3, then per resolution a same-width and a downsampling FRN block (log2(size) − 2 times, widths doubling
    up to ``max_dim``), LReLU → conv4 to 1×1 → LReLU → 1×1 conv to one logit per pseudo-domain; returns domain y's."""

    def __init__(self, image_size: int, domains: int = 10, width: int | None = None, max_dim: int = 1024):
        super().__init__()
        dim_in = code_width(image_size, width)
        layers: list[nn.Module] = [nn.Conv2d(3, dim_in, 3, 1, 1)]
        for _ in range(int(math.log2(image_size)) - 2):
            dim_out = min(dim_in * 2, max_dim)
            layers += [FRNBlock(dim_in, dim_in, False), FRNBlock(dim_in, dim_out, True)]
            dim_in = dim_out
        layers += [nn.LeakyReLU(0.2), nn.Conv2d(dim_in, dim_in, 4, 1, 0), nn.LeakyReLU(0.2),
                   nn.Conv2d(dim_in, domains, 1, 1, 0)]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return _pick(self.main(x).flatten(1), y)


def iic_loss(p: torch.Tensor, p_aug: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """Minus the mutual information of the cluster assignments of two views (IIC): the symmetrised joint of the
    two softmax outputs against the product of its marginals, summed over the K × K cells."""
    joint = p.t() @ p_aug
    joint = (joint + joint.t()) / 2
    joint = joint / joint.sum()
    p_i, p_j = joint.sum(1, keepdim=True).expand_as(joint), joint.sum(0, keepdim=True).expand_as(joint)
    joint, p_i, p_j = joint.clamp_min(eps), p_i.clamp_min(eps), p_j.clamp_min(eps)
    return -(joint * (joint.log() - p_i.log() - p_j.log())).sum()


def contrastive_loss(query: torch.Tensor, key: torch.Tensor, queue: torch.Tensor, tau: float = 0.07) -> torch.Tensor:
    """InfoNCE with the key as the positive and the queue as negatives, on unnormalised vectors (as the code)."""
    positive = (query * key.detach()).sum(1, keepdim=True)
    logits = torch.cat([positive, query @ queue.detach().t()], 1) / tau
    return F.cross_entropy(logits, torch.zeros(len(query), dtype=torch.long, device=query.device))
