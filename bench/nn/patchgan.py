"""The PatchGAN discriminator (NLayerDiscriminator): n stride-2 convs, one stride-1 conv, a 1-channel logit map."""

from __future__ import annotations

import math

import torch
from torch import nn

from bench.nn.antialias import BlurDownsample
from bench.nn.norms import conv_bias, norm_layer


def patchgan_layers(image_size: int, paper: int = 3) -> int:
    """The paper's 3 layers (70×70 receptive field), fewer when the image is too small for a 1×1 output."""
    return max(1, min(paper, int(math.floor(math.log2(image_size / 3)))))


class NLayerDiscriminator(nn.Module):
    """C64 (no norm) → C128 → C256 (stride 2) → C512 (stride 1) → 1 logit map; raw logits out.

    ``antialias`` (CUT's default): each stride-2 conv becomes a stride-1 conv followed, after its activation, by
    a blur-pool; the parameter count does not change.
    """

    def __init__(self, in_ch: int = 3, ndf: int = 64, n_layers: int = 3, norm: str = "batch",
                 antialias: bool = False):
        super().__init__()
        bias, make_norm = conv_bias(norm), norm_layer(norm)
        down = 1 if antialias else 2
        layers: list[nn.Module] = [nn.Conv2d(in_ch, ndf, 4, down, 1), nn.LeakyReLU(0.2, True)]
        layers += [BlurDownsample(ndf)] if antialias else []
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = down if n < n_layers else 1
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=bias), make_norm(ndf * mult),
                       nn.LeakyReLU(0.2, True)]
            layers += [BlurDownsample(ndf * mult)] if antialias and n < n_layers else []
        layers.append(nn.Conv2d(ndf * mult, 1, 4, 1, 1))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
