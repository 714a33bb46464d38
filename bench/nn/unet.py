"""The pix2pix U-Net generator, built recursively from skip blocks; its depth follows the image size."""

from __future__ import annotations

import math

import torch
from torch import nn

from bench.errors import ConfigError
from bench.nn.norms import conv_bias, norm_layer


def unet_depth(image_size: int) -> int:
    """Number of down-samplings that take the image to 1×1: log2(size) (8 for unet_256)."""
    depth = int(math.log2(image_size))
    if 2**depth != image_size:
        raise ConfigError(f"the U-Net needs a power-of-two image size; got {image_size}")
    return depth


def unet_channels(depth: int, ngf: int) -> list[int]:
    """Encoder widths per level: ngf, 2ngf, 4ngf, then 8ngf for every deeper level."""
    return [ngf * min(2**i, 8) for i in range(depth)]


class UnetSkipBlock(nn.Module):
    """One U-Net level: pre-activated down conv, the inner levels, up conv, and the skip concatenation."""

    def __init__(self, outer_nc: int, inner_nc: int, input_nc: int | None = None, submodule: nn.Module | None = None,
                 outermost: bool = False, innermost: bool = False, norm: str = "batch", use_dropout: bool = False):
        super().__init__()
        self.outermost = outermost
        bias, make_norm = conv_bias(norm), norm_layer(norm)
        input_nc = outer_nc if input_nc is None else input_nc
        down = nn.Conv2d(input_nc, inner_nc, 4, 2, 1, bias=bias)
        if outermost:
            layers = [down, submodule, nn.ReLU(True), nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1), nn.Tanh()]
        elif innermost:
            layers = [nn.LeakyReLU(0.2, True), down,
                      nn.ReLU(True), nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1, bias=bias), make_norm(outer_nc)]
        else:
            layers = [nn.LeakyReLU(0.2, True), down, make_norm(inner_nc), submodule,
                      nn.ReLU(True), nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1, bias=bias),
                      make_norm(outer_nc)]
            if use_dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x) if self.outermost else torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    """U-Net of ``depth`` levels; dropout on the 8ngf decoder blocks below the innermost (3 of them at 256)."""

    def __init__(self, in_ch: int, out_ch: int, depth: int, ngf: int = 64, norm: str = "batch",
                 use_dropout: bool = False):
        super().__init__()
        if depth < 2:
            raise ConfigError(f"a U-Net needs at least 2 levels; got {depth}")
        widths = unet_channels(depth, ngf)
        block = UnetSkipBlock(widths[-2], widths[-1], innermost=True, norm=norm)
        for i in range(depth - 2, 0, -1):
            block = UnetSkipBlock(widths[i - 1], widths[i], submodule=block, norm=norm,
                                  use_dropout=use_dropout and i >= 4)
        self.model = UnetSkipBlock(out_ch, widths[0], input_nc=in_ch, submodule=block, outermost=True, norm=norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
