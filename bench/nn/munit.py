"""The building blocks of UNIT and MUNIT (NVlabs/MUNIT and mingyuliutw/UNIT ``networks.py``): reflect-padded conv
blocks, MUNIT's layer norm, adaptive instance norm, the content and style encoders, the decoder, the MLP that
produces AdaIN parameters, and the multi-scale LSGAN discriminator.

Layer for layer as the official code, so paper-size parameter counts are equal. One deviation, inactive at 256 px:
a discriminator scale whose input is too small for all its stride-2 layers keeps only the layers that leave at
least a 1×1 map (the official code needs inputs of at least 2^n_layer pixels at every scale).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.nn.multiscale import ScalePyramid, scale_sizes
from bench.nn.norms import AdaIN, norm_layer
from bench.nn.resnet import ResnetBlock


class LayerNorm(nn.Module):
    """MUNIT's layer norm: each sample normalised over (C, H, W) by its mean and std, then a per-channel affine."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.gamma = nn.Parameter(torch.empty(channels).uniform_())
        self.beta = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(x.size(0), -1)
        shape = (-1,) + (1,) * (x.dim() - 1)
        x = (x - flat.mean(1).view(shape)) / (flat.std(1).view(shape) + self.eps)
        return x * self.gamma.view(1, -1, 1, 1) + self.beta.view(1, -1, 1, 1)


def _norm(kind: str, channels: int) -> nn.Module:
    """The harness's norms by name, plus MUNIT's layer norm (``ln``)."""
    return LayerNorm(channels) if kind == "ln" else norm_layer(kind)(channels)


def _act(kind: str) -> nn.Module:
    acts = {"relu": lambda: nn.ReLU(True), "lrelu": lambda: nn.LeakyReLU(0.2, True), "tanh": nn.Tanh,
            "none": nn.Identity}
    if kind not in acts:
        raise ConfigError(f"unknown activation {kind!r}; expected one of {sorted(acts)}")
    return acts[kind]()


def conv_block(c_in: int, c_out: int, kernel: int, stride: int, pad: int, norm: str = "none",
               act: str = "relu") -> nn.Sequential:
    """Reflection padding → conv (with bias) → norm → activation: the official ``Conv2dBlock``."""
    return nn.Sequential(nn.ReflectionPad2d(pad), nn.Conv2d(c_in, c_out, kernel, stride), _norm(norm, c_out),
                         _act(act))


class ContentEncoder(nn.Sequential):
    """conv7 → ``n_down`` × [conv4 stride 2, doubling] → ``n_res`` residual blocks (residual × ``res_scale``),
    instance norm throughout."""

    def __init__(self, n_down: int, n_res: int, in_ch: int, dim: int, res_scale: float = 1.0):
        layers: list[nn.Module] = [conv_block(in_ch, dim, 7, 1, 3, "instance")]
        for _ in range(n_down):
            layers.append(conv_block(dim, 2 * dim, 4, 2, 1, "instance"))
            dim *= 2
        layers += [ResnetBlock(dim, "instance", scale=res_scale) for _ in range(n_res)]
        super().__init__(*layers)
        self.out_dim = dim


class StyleEncoder(nn.Sequential):
    """conv7 → 2 doubling downsamples → ``n_down − 2`` more at the same width → global pool → 1×1 conv to the style."""

    def __init__(self, n_down: int, in_ch: int, dim: int, style_dim: int):
        layers: list[nn.Module] = [conv_block(in_ch, dim, 7, 1, 3)]
        for i in range(n_down):
            out = 2 * dim if i < 2 else dim
            layers.append(conv_block(dim, out, 4, 2, 1))
            dim = out
        layers += [nn.AdaptiveAvgPool2d(1), nn.Conv2d(dim, style_dim, 1)]
        super().__init__(*layers)


class Decoder(nn.Sequential):
    """``n_res`` residual blocks (``res_norm``, residual × ``res_scale``) → ``n_up`` × [nearest ×2 → conv5 →
    ``up_norm`` (MUNIT's layer norm; TUNIT's AdaIN) → ReLU] → conv7 → tanh."""

    def __init__(self, n_up: int, n_res: int, dim: int, out_ch: int, res_norm: str, up_norm: str = "ln",
                 res_scale: float = 1.0):
        layers: list[nn.Module] = [ResnetBlock(dim, res_norm, scale=res_scale) for _ in range(n_res)]
        for _ in range(n_up):
            layers += [nn.Upsample(scale_factor=2), conv_block(dim, dim // 2, 5, 1, 2, up_norm)]
            dim //= 2
        layers.append(conv_block(dim, out_ch, 7, 1, 3, "none", "tanh"))
        super().__init__(*layers)

    def adain_layers(self) -> list[AdaIN]:
        return [m for m in self.modules() if isinstance(m, AdaIN)]


class MLP(nn.Sequential):
    """``n_blk`` linear layers (ReLU between, none after) from a style code to the decoder's AdaIN parameters."""

    def __init__(self, in_dim: int, out_dim: int, dim: int, n_blk: int):
        layers: list[nn.Module] = [nn.Linear(in_dim, dim), nn.ReLU(True)]
        for _ in range(n_blk - 2):
            layers += [nn.Linear(dim, dim), nn.ReLU(True)]
        layers.append(nn.Linear(dim, out_dim))
        super().__init__(*layers)

    def forward(self, style: torch.Tensor) -> torch.Tensor:
        return super().forward(style.flatten(1))


def set_adain_params(decoder: Decoder, params: torch.Tensor) -> None:
    """Hand each AdaIN layer its slice of ``params``: shifts (the first C) then scales (the next C), in order."""
    for layer in decoder.adain_layers():
        c = layer.channels
        layer.set_params(weight=params[:, c:2 * c], bias=params[:, :c])
        params = params[:, 2 * c:]


def adain_param_count(decoder: Decoder) -> int:
    return sum(2 * layer.channels for layer in decoder.adain_layers())


def munit_scale(in_ch: int, dim: int, layers: int) -> nn.Sequential:
    """One scale of ``MsImageDis``: ``layers`` conv4 stride-2 blocks doubling from ``dim`` (LReLU, no norm, reflect
    padding), then a 1×1 conv to the logit map."""
    if layers < 1:
        raise ConfigError("MUNIT discriminator: a scale is too small for any layer; use fewer scales")
    stack: list[nn.Module] = [conv_block(in_ch, dim, 4, 2, 1, "none", "lrelu")]
    for i in range(layers - 1):
        stack.append(conv_block(dim * 2**i, dim * 2**(i + 1), 4, 2, 1, "none", "lrelu"))
    stack.append(nn.Conv2d(dim * 2**(layers - 1), 1, 1))
    return nn.Sequential(*stack)


class MultiScaleDiscriminator(ScalePyramid):
    """``num_scales`` MUNIT scales on an image pyramid (``MsImageDis``); with ``image_size`` given, a scale keeps
    only the stride-2 layers that leave it at least a 1×1 map."""

    def __init__(self, in_ch: int = 3, dim: int = 64, n_layer: int = 4, num_scales: int = 3,
                 image_size: int | None = None):
        super().__init__([munit_scale(in_ch, dim, n_layer if size is None else min(n_layer, int(math.log2(size))))
                          for size in scale_sizes(image_size, num_scales)])


def lsgan_d_loss(d: MultiScaleDiscriminator, fake: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Σ over scales of mean(D(fake)²) + mean((D(real) − 1)²), the official ``calc_dis_loss``."""
    return sum(torch.mean(f ** 2) + torch.mean((r - 1) ** 2) for f, r in zip(d(fake), d(real)))


def lsgan_g_loss(d: MultiScaleDiscriminator, fake: torch.Tensor) -> torch.Tensor:
    """Σ over scales of mean((D(fake) − 1)²), the official ``calc_gen_loss``."""
    return sum(torch.mean((f - 1) ** 2) for f in d(fake))

