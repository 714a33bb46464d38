"""Anti-aliased resampling (Zhang, "Making Convolutional Networks Shift-Invariant Again", ICML 2019), the
default of the CUT code: a fixed binomial blur before striding down, and a fixed binomial transposed filter up.

Both layers hold their filter as a buffer, so they add no parameters: a network keeps its count with or without
them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

_BINOMIAL = {1: [1.0], 2: [1.0, 1.0], 3: [1.0, 2.0, 1.0], 4: [1.0, 3.0, 3.0, 1.0], 5: [1.0, 4.0, 6.0, 4.0, 1.0]}


def binomial_filter(size: int) -> torch.Tensor:
    """The ``size``×``size`` outer product of a binomial row, normalised to sum 1."""
    row = torch.tensor(_BINOMIAL[size])
    kernel = row[:, None] * row[None, :]
    return kernel / kernel.sum()


class BlurDownsample(nn.Module):
    """Reflect-pad, blur with a 3×3 binomial per channel, keep every second pixel."""

    def __init__(self, channels: int, size: int = 3):
        super().__init__()
        pad = (size - 1) // 2, size // 2
        self.pad = nn.ReflectionPad2d((pad[0], pad[1], pad[0], pad[1]))
        self.register_buffer("filt", binomial_filter(size)[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(self.pad(x), self.filt, stride=2, groups=x.shape[1])


class BlurUpsample(nn.Module):
    """×2 up by a transposed 4×4 binomial per channel (scaled by 4) on a replicate-padded input."""

    def __init__(self, channels: int, size: int = 4):
        super().__init__()
        self.size = size
        self.pad = nn.ReplicationPad2d(1)
        self.register_buffer("filt", (binomial_filter(size) * 4)[None, None].repeat(channels, 1, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = F.conv_transpose2d(self.pad(x), self.filt, stride=2, padding=1 + (self.size - 1) // 2,
                                 groups=x.shape[1])[:, :, 1:, 1:]
        return out if self.size % 2 else out[:, :, :-1, :-1]
