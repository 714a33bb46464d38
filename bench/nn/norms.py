"""Normalisation selection shared by every network: batch, instance (no affine, no running stats), affine instance
(learned scale and shift, StarGAN), adaptive instance norm (scale and shift set from a style code, MUNIT) or none."""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError

NORMS = ("batch", "instance", "instance_affine", "adain", "none")


class AdaIN(nn.Module):
    """Instance norm whose scale and shift are set per sample from a style code (``set_params``) before use."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.channels, self.eps = channels, eps
        self.weight: torch.Tensor | None = None
        self.bias: torch.Tensor | None = None

    def set_params(self, weight: torch.Tensor, bias: torch.Tensor) -> None:
        self.weight, self.bias = weight, bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight is None or self.bias is None:
            raise RuntimeError("AdaIN used before its parameters were set from a style code")
        x = F.instance_norm(x, eps=self.eps)
        return x * self.weight[:, :, None, None] + self.bias[:, :, None, None]


def norm_layer(kind: str) -> Callable[[int], nn.Module]:
    """A factory ``channels → module`` for the named normalisation (the pix2pix/CycleGAN conventions)."""
    if kind == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if kind == "instance":
        return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    if kind == "instance_affine":
        return lambda c: nn.InstanceNorm2d(c, affine=True, track_running_stats=False)
    if kind == "adain":
        return AdaIN
    if kind == "none":
        return lambda c: nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; expected one of {NORMS}")


def conv_bias(kind: str) -> bool:
    """Convolutions carry a bias unless a norm with its own affine shift (batch, affine instance) follows them."""
    norm_layer(kind)
    return kind not in ("batch", "instance_affine")
