"""LPIPS diversity of multimodal outputs: K outputs per input, mean distance over pairs of them."""

from __future__ import annotations

import itertools

import torch

from bench.errors import ConfigError
from bench.metrics.distances import Distance, batched

PAIRINGS = ("all", "consecutive")


def output_pairs(k: int, pairing: str) -> list[tuple[int, int]]:
    """All K·(K−1)/2 pairs (the StarGAN v2 protocol) or the K−1 consecutive ones (BicycleGAN's)."""
    if pairing == "all":
        return list(itertools.combinations(range(k), 2))
    if pairing == "consecutive":
        return [(i, i + 1) for i in range(k - 1)]
    raise ConfigError(f"unknown LPIPS pairing {pairing!r}; expected one of {PAIRINGS}")


def lpips_diversity(samples: torch.Tensor, distance: Distance, pairing: str = "all") -> float:
    """Mean distance over the pairs of each input's outputs, then over inputs; ``samples`` is n×K×3×H×W uint8."""
    n, k = samples.shape[:2]
    if k < 2:
        raise ConfigError(f"LPIPS diversity needs at least 2 outputs per input; got {k}")
    per_pair = [batched(distance, samples[:, i], samples[:, j]) for i, j in output_pairs(k, pairing)]
    return torch.stack(per_pair, 1).mean().item()
