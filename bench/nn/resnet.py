"""The CycleGAN ResNet generator (c7s1-64, d128, d256, n×R256, u128, u64, c7s1-3), optionally anti-aliased as
CUT's, with a feature tap for losses on its encoder's layers (PatchNCE)."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from bench.nn.antialias import BlurDownsample, BlurUpsample
from bench.nn.norms import conv_bias, norm_layer


def resnet_blocks(image_size: int) -> int:
    """9 residual blocks at 256 px and above, 6 below (the CycleGAN convention)."""
    return 9 if image_size >= 256 else 6


class ResnetBlock(nn.Module):
    """pad → conv3 → norm → ReLU → [dropout] → pad → conv3 → norm, times ``scale`` (TUNIT's 0.1), plus the identity;
    no activation after."""

    def __init__(self, dim: int, norm: str = "instance", use_dropout: bool = False, padding: str = "reflect",
                 scale: float = 1.0):
        super().__init__()
        self.scale = scale
        bias, make_norm = conv_bias(norm), norm_layer(norm)
        pad = nn.ReflectionPad2d if padding == "reflect" else nn.ReplicationPad2d if padding == "replicate" else None
        p = 0 if pad else 1

        def conv() -> list[nn.Module]:
            return ([pad(1)] if pad else []) + [nn.Conv2d(dim, dim, 3, padding=p, bias=bias), make_norm(dim)]

        layers = conv() + [nn.ReLU(True)] + ([nn.Dropout(0.5)] if use_dropout else []) + conv()
        self.block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x) * self.scale  # × 1.0 is exact: the plain block is unchanged


class ResnetGenerator(nn.Module):
    """Encoder (2 stride-2 convs), ``n_blocks`` residual blocks, decoder (2 transposed convs), tanh output.

    ``antialias``: each stride-2 conv becomes conv (stride 1) → norm → ReLU → blur-pool, and each transposed conv
    a blur-upsample → conv3 → norm → ReLU (CUT's default layout; the parameter count does not change).
    """

    def __init__(self, in_ch: int = 3, out_ch: int = 3, ngf: int = 64, norm: str = "instance",
                 use_dropout: bool = False, n_blocks: int = 9, n_down: int = 2, antialias: bool = False):
        super().__init__()
        bias, make_norm = conv_bias(norm), norm_layer(norm)
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(in_ch, ngf, 7, bias=bias), make_norm(ngf),
                                   nn.ReLU(True)]
        for i in range(n_down):
            c = ngf * 2**i
            if antialias:
                layers += [nn.Conv2d(c, c * 2, 3, padding=1, bias=bias), make_norm(c * 2), nn.ReLU(True),
                           BlurDownsample(c * 2)]
            else:
                layers += [nn.Conv2d(c, c * 2, 3, stride=2, padding=1, bias=bias), make_norm(c * 2), nn.ReLU(True)]
        width = ngf * 2**n_down
        layers += [ResnetBlock(width, norm, use_dropout) for _ in range(n_blocks)]
        for i in range(n_down):
            c = ngf * 2 ** (n_down - i)
            if antialias:
                layers += [BlurUpsample(c), nn.Conv2d(c, c // 2, 3, padding=1, bias=bias)]
            else:
                layers += [nn.ConvTranspose2d(c, c // 2, 3, stride=2, padding=1, output_padding=1, bias=bias)]
            layers += [make_norm(c // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(ngf, out_ch, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)

    def features(self, x: torch.Tensor, layers: Sequence[int]) -> list[torch.Tensor]:
        """The outputs of ``self.model[i]`` for each ``i`` in ``layers`` (sorted), stopping after the deepest one."""
        if any(not 0 <= i < len(self.model) for i in layers):
            raise ValueError(f"feature layers {list(layers)} outside the generator's {len(self.model)} layers")
        wanted, out = set(layers), []
        for i, layer in enumerate(self.model[: max(layers) + 1]):
            x = layer(x)
            if i in wanted:
                out.append(x)
        return out
