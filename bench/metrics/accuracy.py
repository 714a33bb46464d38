"""Classifier accuracies: content accuracy of translations, a method's own target classifier, and the clustering
accuracy of a method that finds the domains itself."""

from __future__ import annotations

import torch
from scipy.optimize import linear_sum_assignment

from bench.data.loader import to_float
from bench.inference import inference_mode
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


def has_clusterer(cls: type[Method]) -> bool:
    return cls.cluster is not Method.cluster


def clustering_accuracy(method: Method, images: torch.Tensor, domains: torch.Tensor, batch_size: int = 256) -> float:
    """Share of uint8 images whose cluster (argmax of ``method.cluster``) is matched to their true domain by the
    best one-to-one matching of clusters to domains (Hungarian; clusters left unmatched count as wrong)."""
    with inference_mode(method):
        clusters = torch.cat([method.cluster(to_float(images[i:i + batch_size]).to(method.device)).argmax(1).cpu()
                              for i in range(0, len(images), batch_size)])
    counts = torch.zeros(int(clusters.max()) + 1, int(domains.max()) + 1)
    counts.index_put_((clusters, domains), torch.ones(len(clusters)), accumulate=True)
    rows, cols = linear_sum_assignment(counts.numpy(), maximize=True)
    return float(counts[rows, cols].sum() / len(images))
