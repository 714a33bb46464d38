"""CUT's patch-wise contrastive loss (Park et al., ECCV 2020): ``PatchSampleF`` draws the same locations from the
query's and the key's feature maps and projects them, ``patch_nce`` scores each query patch against its key
among the other patches of the same image. Used by CUT, FastCUT and SimDCL.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.nn.init import init_weights


def tap_layers(method: str, layers: Sequence[int], generator: nn.Module) -> list[int]:
    """``layers`` sorted, refused by name when one does not index ``generator.model``."""
    ids = sorted(int(i) for i in layers)
    if not ids or ids[0] < 0 or ids[-1] >= len(generator.model):
        raise ConfigError(f"{method}: nce_layers {list(layers)} must index the generator's {len(generator.model)} "
                          "layers (more residual blocks reach deeper ones)")
    return ids


def l2_normalize(x: torch.Tensor, eps: float = 1e-7) -> torch.Tensor:
    """x / (‖x‖₂ + eps) along dim 1 (the official ``Normalize``; not F.normalize's max(‖x‖, eps))."""
    return x / (x.norm(p=2, dim=1, keepdim=True) + eps)


def sample_ids(features: Sequence[torch.Tensor], num_patches: int) -> list[torch.Tensor]:
    """Per layer, ``num_patches`` distinct locations (all of them where the map is smaller), shared by the batch.

    Drawn on the CPU from torch's global generator (the harness seeds and checkpoints it), then moved.
    """
    return [torch.randperm(f.shape[2] * f.shape[3])[:num_patches].to(f.device) for f in features]


class PatchSampleF(nn.Module):
    """One MLP (C → nc → nc, ReLU between) per feature layer, built on the first call when C is known.

    ``build(features)`` creates them (the contract's ``setup`` calls it before any checkpoint is loaded); the
    forward pass takes the locations to sample and returns, per layer, the L2-normalised projections of shape
    (N · S, nc), image-major.
    """

    def __init__(self, nc: int = 256, init: str = "xavier", gain: float = 0.02):
        super().__init__()
        self.nc, self.init, self.gain = nc, init, gain
        self.mlps = nn.ModuleList()

    def build(self, features: Sequence[torch.Tensor]) -> None:
        for f in features:
            self.mlps.append(nn.Sequential(nn.Linear(f.shape[1], self.nc), nn.ReLU(), nn.Linear(self.nc, self.nc)))
        init_weights(self.mlps, self.init, self.gain)
        self.mlps.to(features[0].device)

    def forward(self, features: Sequence[torch.Tensor], ids: Sequence[torch.Tensor]) -> list[torch.Tensor]:
        if len(self.mlps) != len(features):
            raise RuntimeError(f"PatchSampleF has {len(self.mlps)} layer MLPs for {len(features)} feature maps; "
                               "call build() on the first batch's features")
        out = []
        for f, idx, mlp in zip(features, ids, self.mlps):
            flat = f.permute(0, 2, 3, 1).flatten(1, 2)  # (N, H·W, C)
            out.append(l2_normalize(mlp(flat[:, idx, :].flatten(0, 1))))
        return out


def patch_nce(query: torch.Tensor, key: torch.Tensor, batch: int, tau: float = 0.07) -> torch.Tensor:
    """Per-patch InfoNCE of ``query`` (N·S, D) against ``key`` (detached): the positive is the key at the same
    location, the negatives the other S − 1 keys of the same image (the diagonal masked with −10, as the
    official code); returns the mean over patches."""
    key = key.detach()
    positive = (query * key).sum(dim=1, keepdim=True)
    q, k = query.view(batch, -1, query.shape[1]), key.view(batch, -1, key.shape[1])
    negative = torch.bmm(q, k.transpose(1, 2))
    eye = torch.eye(q.shape[1], dtype=torch.bool, device=q.device)[None]
    negative = negative.masked_fill(eye, -10.0).flatten(0, 1)
    logits = torch.cat([positive, negative], dim=1) / tau
    return F.cross_entropy(logits, torch.zeros(logits.shape[0], dtype=torch.long, device=logits.device))


def patch_nce_layers(queries: Sequence[torch.Tensor], keys: Sequence[torch.Tensor], batch: int,
                     tau: float = 0.07) -> torch.Tensor:
    """``patch_nce`` of each layer's sampled queries and keys, averaged over the layers."""
    return sum(patch_nce(q, k, batch, tau) for q, k in zip(queries, keys)) / len(keys)
