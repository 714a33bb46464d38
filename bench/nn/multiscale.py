"""A pyramid of PatchGANs (BicycleGAN's ``D_NLayersMulti``): one per scale, each on a 2× average-pooled input."""

from __future__ import annotations

import torch
from torch import nn

from bench.nn.patchgan import NLayerDiscriminator, patchgan_layers


class MultiScalePatchGAN(nn.Module):
    """``num_d`` PatchGANs; scale i sees the input pooled i times (3×3, stride 2) and has ndf/2^i channels.

    Returns the list of logit maps (``GANLoss`` sums over it). With ``image_size`` given, a scale whose input
    is too small for ``n_layers`` loses layers by the PatchGAN rule (``patchgan_layers``); at 256 px every
    scale keeps all of them.
    """

    def __init__(self, in_ch: int = 3, ndf: int = 64, n_layers: int = 3, norm: str = "instance", num_d: int = 2,
                 image_size: int | None = None):
        super().__init__()
        self.scales = nn.ModuleList()
        size = image_size
        for i in range(num_d):
            layers = n_layers if size is None else patchgan_layers(size, n_layers)
            self.scales.append(NLayerDiscriminator(in_ch, int(round(ndf / 2**i)), layers, norm))
            size = None if size is None else (size + 1) // 2
        self.down = nn.AvgPool2d(3, stride=2, padding=1, count_include_pad=False)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, scale in enumerate(self.scales):
            if i:
                x = self.down(x)
            out.append(scale(x))
        return out
