"""Identity baseline: the output is the input. It frames every leaderboard from below."""

from __future__ import annotations

import torch

from bench.inference import Noise
from bench.method import Method


class Identity(Method):
    """Returns its input unchanged; needs no training (its budget is 0 steps)."""

    name = "identity"
    settings = frozenset({"paired", "unpaired", "multidomain"})
    directions = "all"
    paper = "baseline (output = input)"
    supervision = "none"
    embedded_steps = 0
    paper_iterations = 0

    def train_step(self, batch: dict, step: int) -> dict[str, float]:
        return {}

    def translate(self, x: torch.Tensor, *, source: int, target: int, mode: str, noise: Noise | None = None,
                  reference: torch.Tensor | None = None) -> torch.Tensor:
        return x.clone()
