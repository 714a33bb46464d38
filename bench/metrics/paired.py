"""Paired fidelity: translations against their ground truth (LPIPS, PSNR, SSIM, L1)."""

from __future__ import annotations

import numpy as np
import torch
from skimage.metrics import structural_similarity

from bench.metrics.distances import Distance, batched


def psnr(fake: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean per-image PSNR in dB on 8-bit RGB (data range 255)."""
    mse = (fake.double() - truth.double()).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return (10 * torch.log10(255.0**2 / mse)).mean().item()


def ssim(fake: torch.Tensor, truth: torch.Tensor) -> float:
    """Mean per-image SSIM (scikit-image, Gaussian-free 7×7 window, RGB channels averaged)."""
    size = fake.shape[-1]
    win = min(7, size if size % 2 else size - 1)
    scores = [structural_similarity(f.permute(1, 2, 0).numpy(), t.permute(1, 2, 0).numpy(), channel_axis=2,
                                    data_range=255, win_size=win)
              for f, t in zip(fake, truth)]
    return float(np.mean(scores))


def paired_fidelity(fake: torch.Tensor, truth: torch.Tensor, distance: Distance) -> dict[str, float]:
    """LPIPS (of ``distance``), PSNR, SSIM and L1 (on [0, 1] pixel values) of uint8 translations vs truth."""
    return {"lpips": batched(distance, fake, truth).mean().item(), "psnr": psnr(fake, truth),
            "ssim": ssim(fake, truth),
            "l1": (fake.float() - truth.float()).abs().mean().item() / 255.0}
