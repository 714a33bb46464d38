"""The protocol record saved beside every score: how it was measured, so numbers can be compared."""

from __future__ import annotations

import hashlib
import json
from importlib.metadata import PackageNotFoundError, version

from bench import __version__

LIBRARIES = ("torch", "torchvision", "torch-fidelity", "lpips", "numpy", "scipy", "scikit-image")
# Diversity's K, N and pairing are recorded beside each score but left out of the hash: the floor has none, and
# deterministic modes measure theirs with K = 2.
COMPARABLE = ("backbone", "backbone_sha256", "feature_layer", "image_size", "resize", "real_split", "n_real",
              "kid_subset_size", "kid_subsets", "kid_seed", "lpips")


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
