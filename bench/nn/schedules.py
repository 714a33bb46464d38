"""Learning-rate schedules of the official codebases, expressed over an iteration budget."""

from __future__ import annotations

from torch.optim import Optimizer
from torch.optim.lr_scheduler import LambdaLR, LRScheduler, MultiStepLR, StepLR


class _LinearDecay:
    """Constant for the first ``start`` steps, then linear to zero at ``total`` (the pix2pix/CycleGAN rule)."""

    def __init__(self, total: int, start: int):
        self.total, self.start = total, start

    def __call__(self, step: int) -> float:
        return 1.0 - max(0, step - self.start) / float(max(1, self.total - self.start) + 1)


def linear_decay(optimizer: Optimizer, total_steps: int, decay_start: float = 0.5) -> LRScheduler:
    """Keep the lr for ``decay_start`` of the budget, then decay it linearly to zero."""
    return LambdaLR(optimizer, _LinearDecay(total_steps, int(total_steps * decay_start)))


def constant(optimizer: Optimizer) -> LRScheduler:
    return LambdaLR(optimizer, lambda step: 1.0)


def on_budget(iteration: int, paper_total: int, steps: int) -> int:
    """The step of a budget of ``steps`` that sits where ``iteration`` sits in the paper's ``paper_total``.

    Official schedules name iterations of their full run (UNIT halves the lr every 100k of 1M); a shorter budget
    keeps their shape by placing each event at the same fraction of training.
    """
    return max(1, round(iteration * steps / paper_total))


def step_decay(optimizer: Optimizer, every: int, gamma: float = 0.5) -> LRScheduler:
    return StepLR(optimizer, step_size=max(1, every), gamma=gamma)


def multistep(optimizer: Optimizer, milestones: list[int], gamma: float = 0.5) -> LRScheduler:
    return MultiStepLR(optimizer, milestones=milestones, gamma=gamma)
