"""Classifier accuracies: content accuracy of translations, and a method's own target classifier."""

from __future__ import annotations

import torch

from bench.data.loader import to_float
from bench.method import Method
from bench.metrics.evalnet import DigitNet, digit_accuracy


def content_accuracy(net: DigitNet, translations: torch.Tensor, source_labels: torch.Tensor) -> float:
    """Share of translated images the evaluation network assigns the digit of their source image."""
    return digit_accuracy(net, translations, source_labels)


def has_classifier(cls: type[Method]) -> bool:
    return cls.classify is not Method.classify


@torch.no_grad()
def classifier_accuracy(method: Method, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 256) -> float:
    """Accuracy of ``method.classify`` on uint8 target-domain images (the labelled target test split)."""
    correct = 0
    for i in range(0, len(images), batch_size):
        logits = method.classify(to_float(images[i:i + batch_size]).to(method.device))
        correct += (logits.argmax(1).cpu() == labels[i:i + batch_size]).sum().item()
    return correct / len(images)
