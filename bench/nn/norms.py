"""Normalisation selection shared by every network: batch, instance (no affine, no running stats) or none."""

from __future__ import annotations

from typing import Callable

from torch import nn

from bench.errors import ConfigError

NORMS = ("batch", "instance", "none")


def norm_layer(kind: str) -> Callable[[int], nn.Module]:
    """A factory ``channels → module`` for the named normalisation (the pix2pix/CycleGAN conventions)."""
    if kind == "batch":
        return lambda c: nn.BatchNorm2d(c, affine=True, track_running_stats=True)
    if kind == "instance":
        return lambda c: nn.InstanceNorm2d(c, affine=False, track_running_stats=False)
    if kind == "none":
        return lambda c: nn.Identity()
    raise ConfigError(f"unknown norm {kind!r}; expected one of {NORMS}")


def conv_bias(kind: str) -> bool:
    """Convolutions carry a bias unless a batch norm (with its own affine shift) follows them."""
    norm_layer(kind)
    return kind != "batch"
