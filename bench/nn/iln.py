"""Instance-Layer Normalisation (ILN) and its adaptive form (AdaILN), as in U-GAT-IT and NICE-GAN.

Both mix instance-norm and layer-norm statistics with per-channel weights ρ = softmax over two learnable
logits (NICE-GAN's form; U-GAT-IT clips ρ instead). Variances are unbiased (``torch.var``) and eps sits
inside the square root, as in the official code. ILN starts mostly LN (logits 1, 3.2) with its own affine
γ = 1, β = 0; AdaILN starts mostly IN (logits 3.2, 1) and takes γ, β per sample from the generator.
"""

from __future__ import annotations

import torch
from torch import nn


def _mixed_norm(x: torch.Tensor, rho_logits: torch.Tensor, eps: float) -> torch.Tensor:
    """ρ₀ · IN(x) + ρ₁ · LN(x) with ρ = softmax(rho_logits) per channel."""
    in_mean, in_var = x.mean(dim=(2, 3), keepdim=True), x.var(dim=(2, 3), keepdim=True)
    ln_mean, ln_var = x.mean(dim=(1, 2, 3), keepdim=True), x.var(dim=(1, 2, 3), keepdim=True)
    out_in = (x - in_mean) / torch.sqrt(in_var + eps)
    out_ln = (x - ln_mean) / torch.sqrt(ln_var + eps)
    rho = torch.softmax(rho_logits, dim=2)
    return rho[:, :, 0, None, None] * out_in + rho[:, :, 1, None, None] * out_ln


class ILN(nn.Module):
    """Instance-layer norm with learnable per-channel γ, β (2C mixing logits + 2C affine parameters)."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.tensor([1.0, 3.2]).repeat(1, channels, 1))
        self.gamma = nn.Parameter(torch.ones(1, channels, 1, 1))
        self.beta = nn.Parameter(torch.zeros(1, channels, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _mixed_norm(x, self.rho, self.eps) * self.gamma + self.beta


class AdaILN(nn.Module):
    """Adaptive instance-layer norm: γ, β of shape (N, C) come from outside (only the 2C mixing logits are own)."""

    def __init__(self, channels: int, eps: float = 1e-5):
        super().__init__()
        self.eps = eps
        self.rho = nn.Parameter(torch.tensor([3.2, 1.0]).repeat(1, channels, 1))

    def forward(self, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor) -> torch.Tensor:
        return _mixed_norm(x, self.rho, self.eps) * gamma[:, :, None, None] + beta[:, :, None, None]
