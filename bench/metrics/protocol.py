"""The protocol record saved beside every score: how it was measured, so numbers can be compared."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version

from bench import __version__

LIBRARIES = ("torch", "torchvision", "torch-fidelity", "lpips", "numpy", "scipy", "scikit-image")
COMPARABLE = ("backbone", "backbone_sha256", "feature_layer", "image_size", "resize", "real_split", "n_real",
              "kid_subset_size", "kid_subsets", "lpips", "lpips_pairs", "diversity_k", "diversity_n")


def library_versions() -> dict[str, str]:
    out = {"i2ibench": __version__}
    for lib in LIBRARIES:
        try:
            out[lib] = version(lib)
        except PackageNotFoundError:
            out[lib] = "not installed"
    return out


def protocol_hash(protocol: dict) -> str:
    """A short hash of the fields that must agree for two scores to be comparable."""
    core = {k: protocol.get(k) for k in COMPARABLE}
    return hashlib.sha256(json.dumps(core, sort_keys=True).encode()).hexdigest()[:12]
