"""A pyramid of PatchGANs (BicycleGAN's ``D_NLayersMulti``): one per scale, each on a 2× average-pooled input."""

from __future__ import annotations

import torch
from torch import nn

from bench.nn.patchgan import NLayerDiscriminator, patchgan_layers


class ScalePyramid(nn.Module):
    """Discriminators on an image pyramid: scale i sees the input average-pooled i times (3×3, stride 2, padding
    not counted); returns the list of their outputs (GAN losses sum over it)."""

    def __init__(self, scales: list[nn.Module]):
        super().__init__()
        self.scales = nn.ModuleList(scales)
        self.down = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, scale in enumerate(self.scales):
            if i:
                x = self.down(x)
            out.append(scale(x))
        return out


def scale_sizes(image_size: int | None, num_scales: int) -> list[int | None]:
    """The input size of each pyramid scale (``None`` throughout when the image size is not known)."""
    sizes: list[int | None] = [image_size]
    for _ in range(num_scales - 1):
        sizes.append(None if sizes[-1] is None else (sizes[-1] + 1) // 2)
    return sizes


class MultiScalePatchGAN(ScalePyramid):
    """``num_d`` PatchGANs; scale i sees the input pooled i times (3×3, stride 2) and has ndf/2^i channels.

    Returns the list of logit maps (``GANLoss`` sums over it). With ``image_size`` given, a scale whose input
    is too small for ``n_layers`` loses layers by the PatchGAN rule (``patchgan_layers``); at 256 px every
    scale keeps all of them.
    """

    def __init__(self, in_ch: int = 3, ndf: int = 64, n_layers: int = 3, norm: str = "instance", num_d: int = 2,
                 image_size: int | None = None):
        super().__init__([NLayerDiscriminator(in_ch, int(round(ndf / 2**i)),
                                              n_layers if size is None else patchgan_layers(size, n_layers), norm)
                          for i, size in enumerate(scale_sizes(image_size, num_d))])
