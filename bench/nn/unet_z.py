"""BicycleGAN's U-Net generator with the latent code z concatenated to the input of every level (``add_all``)."""

from __future__ import annotations

import torch
from torch import nn

from bench.errors import ConfigError
from bench.nn.norms import norm_layer
from bench.nn.unet import unet_channels


def _with_z(x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
    """``x`` with the code ``z`` broadcast over its spatial positions and appended as channels."""
    if z.size(1) == 0:
        return x
    return torch.cat([x, z[:, :, None, None].expand(-1, -1, x.size(2), x.size(3))], 1)


class UnetZBlock(nn.Module):
    """One level: [LReLU] → conv k4s2 on (x ⊕ z) → [norm] → inner levels → ReLU → convT k4s2 → [norm/dropout].

    As in the official ``UnetBlock_with_z``: every conv carries a bias, the innermost level has no norm on its
    down path, the outermost none on either path and a tanh out, and a skip returns ``[up, x]``.
    """

    def __init__(self, input_nc: int, outer_nc: int, inner_nc: int, nz: int, submodule: UnetZBlock | None = None,
                 outermost: bool = False, innermost: bool = False, norm: str = "instance", use_dropout: bool = False):
        super().__init__()
        self.outermost, self.innermost = outermost, innermost
        make_norm = norm_layer(norm)
        down_conv = nn.Conv2d(input_nc + nz, inner_nc, 4, 2, 1)
        if outermost:
            down: list[nn.Module] = [down_conv]
            up: list[nn.Module] = [nn.ReLU(True), nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1), nn.Tanh()]
        elif innermost:
            down = [nn.LeakyReLU(0.2), down_conv]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner_nc, outer_nc, 4, 2, 1), make_norm(outer_nc)]
        else:
            down = [nn.LeakyReLU(0.2), down_conv, make_norm(inner_nc)]
            up = [nn.ReLU(True), nn.ConvTranspose2d(inner_nc * 2, outer_nc, 4, 2, 1), make_norm(outer_nc)]
            if use_dropout:
                up.append(nn.Dropout(0.5))
        self.down, self.submodule, self.up = nn.Sequential(*down), submodule, nn.Sequential(*up)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        h = self.down(_with_z(x, z))
        if self.submodule is not None:
            h = self.submodule(h, z)
        h = self.up(h)
        return h if self.outermost else torch.cat([h, x], 1)


class UnetZGenerator(nn.Module):
    """``G(x, z)``: a U-Net of ``depth`` levels (widths ngf·min(2^i, 8)) that sees z at every level.

    Dropout sits on the 8ngf levels between the innermost and the 4ngf→8ngf level (three at ``unet_256``),
    exactly where the official ``G_Unet_add_all`` puts it; smaller depths keep the rule (none at 32 px).
    """

    def __init__(self, in_ch: int, out_ch: int, nz: int, depth: int, ngf: int = 64, norm: str = "instance",
                 use_dropout: bool = False):
        super().__init__()
        if depth < 2:
            raise ConfigError(f"a U-Net needs at least 2 levels; got {depth}")
        self.nz = nz
        widths = unet_channels(depth, ngf)
        block = UnetZBlock(widths[-2], widths[-2], widths[-1], nz, innermost=True, norm=norm)
        for i in range(depth - 2, 0, -1):
            block = UnetZBlock(widths[i - 1], widths[i - 1], widths[i], nz, block, norm=norm,
                               use_dropout=use_dropout and i >= 4)
        self.model = UnetZBlock(in_ch, out_ch, widths[0], nz, block, outermost=True, norm=norm)

    def forward(self, x: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        return self.model(x, z)
