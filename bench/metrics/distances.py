"""Perceptual distances between image batches: LPIPS (AlexNet, v0.1) and its evaluation-network analogue."""

from __future__ import annotations

from typing import Protocol

import torch
import torch.nn.functional as F

from bench.data.loader import to_float
from bench.errors import ConfigError
from bench.metrics.backbones import alexnet_weights
from bench.metrics.evalnet import DigitNet


class Distance(Protocol):
    name: str

    def __call__(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """Per-pair distances (N,) between uint8 batches ``a`` and ``b``."""
        ...


class EvalnetLPIPS:
    """LPIPS's formula on the evaluation network's conv stages: unit-normalised channels, squared
    difference summed over channels, spatial mean, summed over stages (no learned weights)."""

    name = "evalnet-lpips"

    def __init__(self, net: DigitNet, device: torch.device | str = "cpu"):
        self.net, self.device = net.to(device).eval(), torch.device(device)

    @torch.no_grad()
    def __call__(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        fa = self.net.stage_features(self.net.prepare(a))
        fb = self.net.stage_features(self.net.prepare(b))
        total = torch.zeros(len(a), device=self.device)
        for x, y in zip(fa, fb):
            diff = F.normalize(x, dim=1, eps=1e-10) - F.normalize(y, dim=1, eps=1e-10)
            total += diff.pow(2).sum(1).mean((1, 2))
        return total.cpu()


MIN_ALEX_SIZE = 32


class AlexLPIPS:
    """The ``lpips`` package's LPIPS, AlexNet backbone, version 0.1 (linear layers on)."""

    name = "lpips-alex-v0.1"

    def __init__(self, device: torch.device | str = "cpu"):
        import lpips

        alexnet_weights()
        self.device = torch.device(device)
        self.model = lpips.LPIPS(net="alex", version="0.1", verbose=False).to(self.device).eval()

    @torch.no_grad()
    def __call__(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if min(a.shape[-2:]) < MIN_ALEX_SIZE:  # AlexNet's pools leave nothing of smaller images
            raise ConfigError(f"LPIPS with AlexNet needs images of at least {MIN_ALEX_SIZE} px; these are "
                              f"{a.shape[-1]}×{a.shape[-2]}: score the task at a larger image size")
        return self.model(to_float(a).to(self.device), to_float(b).to(self.device)).flatten().cpu()


def batched(distance: Distance, a: torch.Tensor, b: torch.Tensor, batch_size: int = 256) -> torch.Tensor:
    return torch.cat([distance(a[i:i + batch_size], b[i:i + batch_size]) for i in range(0, len(a), batch_size)])
