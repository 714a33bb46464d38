"""The small digit classifier of the domain-adaptation papers (DANN's MNIST tower, as PixelDA's code uses it).

One network definition serves PixelDA's task classifier and the source-only / target-only reference rows, so
the leaderboard compares classifiers that differ only in what they were trained on.
"""

from __future__ import annotations

import torch
from torch import nn


class DigitClassifier(nn.Module):
    """Private conv5-32 (ReLU, max-pool 2), then shared conv5-48 (ReLU, max-pool 2) → fc100 → fc100 → logits.

    Layout of ``mnist_classifier`` in tensorflow/models ``pixelda_task_towers.py`` ('SAME' padding, ReLU after
    every layer but the last). ``branches`` private first layers share the rest: PixelDA keeps one for source
    and one for transferred (and target) images; a plain classifier has one. ``forward(x, branch)`` picks one.
    """

    def __init__(self, in_ch: int = 3, num_classes: int = 10, image_size: int = 32, branches: int = 1):
        super().__init__()
        self.private = nn.ModuleList(
            nn.Sequential(nn.Conv2d(in_ch, 32, 5, padding=2), nn.ReLU(True), nn.MaxPool2d(2)) for _ in range(branches))
        side = image_size // 4
        self.shared = nn.Sequential(
            nn.Conv2d(32, 48, 5, padding=2), nn.ReLU(True), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(48 * side * side, 100), nn.ReLU(True), nn.Linear(100, 100), nn.ReLU(True),
            nn.Linear(100, num_classes))

    def forward(self, x: torch.Tensor, branch: int = 0) -> torch.Tensor:
        return self.shared(self.private[branch](x))
