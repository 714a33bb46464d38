"""GAN objectives (vanilla/NSGAN, LSGAN, WGAN, WGAN-GP, hinge) and the gradient penalties, written once."""

from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError

GAN_MODES = ("vanilla", "lsgan", "wgan", "wgangp", "hinge")
Logits = torch.Tensor | Sequence[torch.Tensor]


class GANLoss(nn.Module):
    """``loss(logits, real, for_d)``: the adversarial term for raw logits (a list of scales is summed).

    vanilla: BCE-with-logits, non-saturating for G; lsgan: (D − 1)², D²; wgan/wgangp: ∓ mean D;
    hinge: relu(1 ∓ D) for D and −mean D for G.
    """

    def __init__(self, mode: str):
        super().__init__()
        if mode not in GAN_MODES:
            raise ConfigError(f"unknown GAN loss {mode!r}; expected one of {GAN_MODES}")
        self.mode = mode

    def _one(self, logits: torch.Tensor, real: bool, for_d: bool) -> torch.Tensor:
        if self.mode == "vanilla":
            target = torch.ones_like(logits) if real else torch.zeros_like(logits)
            return F.binary_cross_entropy_with_logits(logits, target)
        if self.mode == "lsgan":
            return F.mse_loss(logits, torch.ones_like(logits) if real else torch.zeros_like(logits))
        if self.mode == "hinge" and for_d:
            return F.relu(1 - logits).mean() if real else F.relu(1 + logits).mean()
        return -logits.mean() if real else logits.mean()

    def forward(self, logits: Logits, real: bool, for_d: bool = True) -> torch.Tensor:
        if isinstance(logits, torch.Tensor):
            return self._one(logits, real, for_d)
        return sum((self._one(x, real, for_d) for x in logits), torch.zeros((), device=logits[0].device))


def gradient_penalty(critic: Callable[[torch.Tensor], torch.Tensor], real: torch.Tensor,
                     fake: torch.Tensor) -> torch.Tensor:
    """WGAN-GP: E (‖∇D(x̂)‖₂ − 1)² on x̂ = αx + (1 − α)G with α ~ U(0, 1) per sample (unweighted)."""
    alpha = torch.rand(real.size(0), *([1] * (real.dim() - 1)), device=real.device)
    mix = (alpha * real.detach() + (1 - alpha) * fake.detach()).requires_grad_(True)
    out = critic(mix)
    grad, = torch.autograd.grad(out.sum(), mix, create_graph=True)
    return ((grad.flatten(1).norm(2, dim=1) - 1) ** 2).mean()


def r1_penalty(logits: torch.Tensor, real: torch.Tensor) -> torch.Tensor:
    """Zero-centred penalty on reals: 0.5 · E ‖∇ₓD(x)‖² (StarGAN v2's form; ``real`` must require grad)."""
    grad, = torch.autograd.grad(logits.sum(), real, create_graph=True)
    return 0.5 * grad.pow(2).flatten(1).sum(1).mean()


def set_requires_grad(nets: nn.Module | Sequence[nn.Module], flag: bool) -> None:
    """Freeze or unfreeze networks (to skip D's gradients during the G step)."""
    for net in [nets] if isinstance(nets, nn.Module) else nets:
        for p in net.parameters():
            p.requires_grad_(flag)
