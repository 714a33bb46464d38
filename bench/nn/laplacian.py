"""A fixed Laplacian pyramid (5×5 binomial kernel, reflect padding) whose reconstruction inverts its decomposition."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def _binomial_kernel() -> torch.Tensor:
    """The 5×5 Gaussian ([1, 4, 6, 4, 1] ⊗ [1, 4, 6, 4, 1]) / 256, shaped for a depthwise conv."""
    row = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])
    return (torch.outer(row, row) / 256.0)[None, None]


class LaplacianPyramid(nn.Module):
    """``decompose``: [high band at full size, at 1/2, …, at 1/2^(n−1), low band at 1/2^n]; ``reconstruct`` inverts it.

    Down: blur, keep every second pixel. Up: insert zeros between pixels, blur with 4× the kernel. Each high
    band is the level minus the upsampled next level, so upsample-and-add gives the input back exactly (up to
    float rounding). Parameter-free; the kernel is a non-persistent buffer that follows the module's device.
    """

    def __init__(self, num_high: int = 3):
        super().__init__()
        self.num_high = num_high
        self.register_buffer("kernel", _binomial_kernel(), persistent=False)

    def _blur(self, x: torch.Tensor, scale: float = 1.0) -> torch.Tensor:
        weight = (self.kernel * scale).to(x.dtype).expand(x.size(1), 1, 5, 5)
        return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), weight, groups=x.size(1))

    def downsample(self, x: torch.Tensor) -> torch.Tensor:
        return self._blur(x)[:, :, ::2, ::2]

    def upsample(self, x: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Zero-insertion ×2 and blur; resized (nearest) to ``size`` when an odd level lost a pixel."""
        n, c, h, w = x.shape
        up = x.new_zeros(n, c, 2 * h, 2 * w)
        up[:, :, ::2, ::2] = x
        up = self._blur(up, 4.0)
        return up if up.shape[-2:] == size else F.interpolate(up, size=size)

    def decompose(self, img: torch.Tensor) -> list[torch.Tensor]:
        bands, current = [], img
        for _ in range(self.num_high):
            down = self.downsample(current)
            bands.append(current - self.upsample(down, tuple(current.shape[-2:])))
            current = down
        return bands + [current]

    def reconstruct(self, bands: list[torch.Tensor]) -> torch.Tensor:
        image = bands[-1]
        for band in reversed(bands[:-1]):
            image = self.upsample(image, tuple(band.shape[-2:])) + band
        return image
