"""FID and KID through torch-fidelity, with the real side's features cached once per (test set, domain, backbone)."""

from __future__ import annotations

from pathlib import Path

import torch
import torch_fidelity
from torch.utils.data import Dataset

from bench import defaults
from bench.metrics.backbones import Backbone


class UInt8Images(Dataset):
    """A uint8 N×3×H×W tensor as the Dataset torch-fidelity reads."""

    def __init__(self, images: torch.Tensor):
        self.images = images

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int) -> torch.Tensor:
        return self.images[i]


def kid_subset_size(n_fake: int, n_real: int) -> int:
    """min(1000, n_fake, n_real), so that small test sets still give a KID."""
    return min(defaults.KID_MAX_SUBSET, n_fake, n_real)


def fid_kid(fake: torch.Tensor | str, real: torch.Tensor | str, backbone: Backbone, *,
            real_cache_name: str | None = None, cache_root: str | Path | None = None,
            n_fake: int | None = None, n_real: int | None = None, seed: int = defaults.METRICS_SEED,
            batch_size: int = defaults.METRICS_BATCH, kid_subsets: int = defaults.KID_SUBSETS) -> dict[str, float]:
    """FID, KID and KID's std of ``fake`` against ``real`` (uint8 tensors or image folders).

    With ``real_cache_name`` the real side's features are stored under ``cache_root`` and reused.
    """
    n_fake = len(fake) if n_fake is None else n_fake
    n_real = len(real) if n_real is None else n_real
    metrics = torch_fidelity.calculate_metrics(
        input1=UInt8Images(fake) if isinstance(fake, torch.Tensor) else fake,
        input2=UInt8Images(real) if isinstance(real, torch.Tensor) else real,
        fid=True, kid=True, feature_extractor=backbone.name, feature_extractor_weights_path=str(backbone.weights),
        feature_layer_fid=backbone.layer, feature_layer_kid=backbone.layer,
        kid_subset_size=kid_subset_size(n_fake, n_real), kid_subsets=kid_subsets,
        cuda=torch.cuda.is_available(), batch_size=batch_size, rng_seed=seed, verbose=False, save_cpu_ram=True,
        cache=real_cache_name is not None, cache_root=str(cache_root or defaults.cache_root()),
        input2_cache_name=real_cache_name, samples_shuffle=False)
    return {"fid": float(metrics["frechet_inception_distance"]),
            "kid": float(metrics["kernel_inception_distance_mean"]),
            "kid_std": float(metrics["kernel_inception_distance_std"])}
