"""StarGAN v2's networks (clovaai/stargan-v2 ``core/model.py``): pre-activation residual blocks scaled by 1/√2,
AdaIN residual blocks whose scale and shift come from a style code through a linear layer, a mapping network and a
style encoder with one output head per domain, and a multi-task discriminator (one logit per domain).

Widths follow the code: ``2**14 // image_size`` channels after the first conv, doubling per downsampling up to
``max_dim`` (512). ``base`` overrides the first width (the embedded suite's narrow networks).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def first_width(image_size: int, base: int | None = None) -> int:
    return base or 2**14 // image_size


class PreActBlock(nn.Module):
    """[IN] → LReLU → conv3 → [avgpool] → [IN] → LReLU → conv3, plus a (1×1, pooled) shortcut, over √2."""

    def __init__(self, dim_in: int, dim_out: int, normalize: bool = False, downsample: bool = False):
        super().__init__()
        self.normalize, self.downsample = normalize, downsample
        self.conv1, self.conv2 = nn.Conv2d(dim_in, dim_in, 3, 1, 1), nn.Conv2d(dim_in, dim_out, 3, 1, 1)
        if normalize:
            self.norm1, self.norm2 = nn.InstanceNorm2d(dim_in, affine=True), nn.InstanceNorm2d(dim_in, affine=True)
        self.conv1x1 = nn.Conv2d(dim_in, dim_out, 1, 1, 0, bias=False) if dim_in != dim_out else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        short = self.conv1x1(x) if self.conv1x1 is not None else x
        short = F.avg_pool2d(short, 2) if self.downsample else short
        h = self.conv1(F.leaky_relu(self.norm1(x) if self.normalize else x, 0.2))
        h = F.avg_pool2d(h, 2) if self.downsample else h
        h = self.conv2(F.leaky_relu(self.norm2(h) if self.normalize else h, 0.2))
        return (short + h) / math.sqrt(2)


class StyleAdaIN(nn.Module):
    """(1 + γ) · IN(x) + β with (γ, β) = FC(s)."""

    def __init__(self, style_dim: int, channels: int):
        super().__init__()
        self.norm = nn.InstanceNorm2d(channels, affine=False)
        self.fc = nn.Linear(style_dim, channels * 2)

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.fc(s)[:, :, None, None].chunk(2, dim=1)
        return (1 + gamma) * self.norm(x) + beta


class AdainBlock(nn.Module):
    """AdaIN → LReLU → [×2 nearest] → conv3 → AdaIN → LReLU → conv3, plus the (upsampled, 1×1) shortcut, over √2
    (the code's w_hpf = 0 path)."""

    def __init__(self, dim_in: int, dim_out: int, style_dim: int, upsample: bool = False):
        super().__init__()
        self.upsample = upsample
        self.conv1, self.conv2 = nn.Conv2d(dim_in, dim_out, 3, 1, 1), nn.Conv2d(dim_out, dim_out, 3, 1, 1)
        self.norm1, self.norm2 = StyleAdaIN(style_dim, dim_in), StyleAdaIN(style_dim, dim_out)
        self.conv1x1 = nn.Conv2d(dim_in, dim_out, 1, 1, 0, bias=False) if dim_in != dim_out else None

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        up = (lambda t: F.interpolate(t, scale_factor=2, mode="nearest")) if self.upsample else (lambda t: t)
        short = up(x)
        short = self.conv1x1(short) if self.conv1x1 is not None else short
        h = self.conv1(up(F.leaky_relu(self.norm1(x, s), 0.2)))
        h = self.conv2(F.leaky_relu(self.norm2(h, s), 0.2))
        return (h + short) / math.sqrt(2)


class StyleGenerator(nn.Module):
    """from-RGB conv → log2(size) − 4 downsampling blocks and 2 more (IN) → the mirror of AdaIN blocks → to-RGB."""

    def __init__(self, image_size: int, style_dim: int = 64, max_dim: int = 512, base: int | None = None):
        super().__init__()
        dim_in = first_width(image_size, base)
        self.from_rgb = nn.Conv2d(3, dim_in, 3, 1, 1)
        self.encode, self.decode = nn.ModuleList(), nn.ModuleList()
        self.to_rgb = nn.Sequential(nn.InstanceNorm2d(dim_in, affine=True), nn.LeakyReLU(0.2),
                                    nn.Conv2d(dim_in, 3, 1, 1, 0))
        dim_out = dim_in
        for _ in range(max(0, int(math.log2(image_size)) - 4)):
            dim_out = min(dim_in * 2, max_dim)
            self.encode.append(PreActBlock(dim_in, dim_out, normalize=True, downsample=True))
            self.decode.insert(0, AdainBlock(dim_out, dim_in, style_dim, upsample=True))
            dim_in = dim_out
        for _ in range(2):
            self.encode.append(PreActBlock(dim_out, dim_out, normalize=True))
            self.decode.insert(0, AdainBlock(dim_out, dim_out, style_dim))

    def forward(self, x: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        x = self.from_rgb(x)
        for block in self.encode:
            x = block(x)
        for block in self.decode:
            x = block(x, s)
        return self.to_rgb(x)


class MappingNetwork(nn.Module):
    """z → 4 shared FC-512 layers → per domain 3 FC-512 and an FC to the style; returns the style of domain y."""

    def __init__(self, latent_dim: int = 16, style_dim: int = 64, domains: int = 2, hidden: int = 512):
        super().__init__()
        shared: list[nn.Module] = [nn.Linear(latent_dim, hidden), nn.ReLU()]
        for _ in range(3):
            shared += [nn.Linear(hidden, hidden), nn.ReLU()]
        self.shared = nn.Sequential(*shared)
        self.unshared = nn.ModuleList(
            nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(),
                          nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, style_dim))
            for _ in range(domains))

    def forward(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.shared(z)
        return _pick(torch.stack([head(h) for head in self.unshared], dim=1), y)


def _trunk(image_size: int, max_dim: int, base: int | None) -> tuple[list[nn.Module], int]:
    """The style encoder's and discriminator's shared trunk: conv3, log2(size) − 2 downsampling blocks, LReLU,
    a 4×4 conv to 1×1, LReLU; returns the layers and the width."""
    dim_in = first_width(image_size, base)
    layers: list[nn.Module] = [nn.Conv2d(3, dim_in, 3, 1, 1)]
    dim_out = dim_in
    for _ in range(int(math.log2(image_size)) - 2):
        dim_out = min(dim_in * 2, max_dim)
        layers.append(PreActBlock(dim_in, dim_out, downsample=True))
        dim_in = dim_out
    layers += [nn.LeakyReLU(0.2), nn.Conv2d(dim_out, dim_out, 4, 1, 0), nn.LeakyReLU(0.2)]
    return layers, dim_out


def _pick(per_domain: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Row i's entry for domain y[i] from a (batch, domains, ...) tensor."""
    return per_domain[torch.arange(len(y), device=y.device), y]


class StyleEncoder(nn.Module):
    """The shared trunk, then one linear head per domain; returns the style for domain y."""

    def __init__(self, image_size: int, style_dim: int = 64, domains: int = 2, max_dim: int = 512,
                 base: int | None = None):
        super().__init__()
        layers, width = _trunk(image_size, max_dim, base)
        self.shared = nn.Sequential(*layers)
        self.unshared = nn.ModuleList(nn.Linear(width, style_dim) for _ in range(domains))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        h = self.shared(x).flatten(1)
        return _pick(torch.stack([head(h) for head in self.unshared], dim=1), y)


class MultiTaskDiscriminator(nn.Module):
    """The shared trunk and a 1×1 conv to one real/fake logit per domain; returns domain y's logit."""

    def __init__(self, image_size: int, domains: int = 2, max_dim: int = 512, base: int | None = None):
        super().__init__()
        layers, width = _trunk(image_size, max_dim, base)
        self.main = nn.Sequential(*layers, nn.Conv2d(width, domains, 1, 1, 0))

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return _pick(self.main(x).flatten(1), y)


def he_init(module: nn.Module) -> nn.Module:
    """The code's initialisation: kaiming normal (fan in, ReLU gain) for conv and linear weights, zero biases."""
    for m in module.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.kaiming_normal_(m.weight, mode="fan_in", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)
    return module
