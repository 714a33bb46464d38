"""BicycleGAN's ResNet image encoder (``E_ResNet``): an image → the mean and log-variance of a latent code."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.nn.norms import norm_layer


def resnet_encoder_blocks(image_size: int) -> int:
    """Residual blocks that leave an 8×8 map: 4 at 256 px (``resnet_256``), 3 at 128 (``resnet_128``), at least 1."""
    return max(1, int(math.log2(image_size)) - 4)


class EncoderBlock(nn.Module):
    """[norm] → LReLU → conv3 → [norm] → LReLU → conv3 → avgpool2, plus the shortcut avgpool2 → conv1×1."""

    def __init__(self, in_ch: int, out_ch: int, norm: str = "instance"):
        super().__init__()
        make_norm = norm_layer(norm)
        self.conv = nn.Sequential(make_norm(in_ch), nn.LeakyReLU(0.2), nn.Conv2d(in_ch, in_ch, 3, 1, 1),
                                  make_norm(in_ch), nn.LeakyReLU(0.2), nn.Conv2d(in_ch, out_ch, 3, 1, 1),
                                  nn.AvgPool2d(2))
        self.shortcut = nn.Sequential(nn.AvgPool2d(2), nn.Conv2d(in_ch, out_ch, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + self.shortcut(x)


class ResnetEncoder(nn.Module):
    """conv k4s2 → ``n_blocks`` blocks (widths ndf·min(4, n)) → LReLU → average pool → linear μ and log σ².

    The official network pools with a fixed AvgPool(8), i.e. over the whole 8×8 map its depth leaves at 256
    and 128 px; a global average pool is the same there and still defined when the map is smaller.
    """

    def __init__(self, in_ch: int = 3, nz: int = 8, ndf: int = 64, n_blocks: int = 4, norm: str = "instance"):
        super().__init__()
        if n_blocks < 1:
            raise ConfigError(f"the encoder needs at least one residual block; got {n_blocks}")
        layers: list[nn.Module] = [nn.Conv2d(in_ch, ndf, 4, 2, 1)]
        layers += [EncoderBlock(ndf * min(4, n), ndf * min(4, n + 1), norm) for n in range(1, n_blocks + 1)]
        layers.append(nn.LeakyReLU(0.2))
        self.conv = nn.Sequential(*layers)
        width = ndf * min(4, n_blocks + 1)
        self.fc, self.fc_var = nn.Linear(width, nz), nn.Linear(width, nz)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = F.adaptive_avg_pool2d(self.conv(x), 1).flatten(1)
        return self.fc(h), self.fc_var(h)
