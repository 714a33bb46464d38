"""FID/KID of two image folders, for users who just want a number."""

from __future__ import annotations

from pathlib import Path

from torch_fidelity.defaults import DEFAULTS as FIDELITY_DEFAULTS

from bench.data.images import list_images, open_rgb
from bench.metrics.backbones import resolve_backbone
from bench.metrics.fidelity import fid_kid, kid_subset_size
from bench.metrics.protocol import library_versions


def readable_images(folder: Path) -> int:
    """How many images ``folder`` holds, after decoding each one: a corrupt file stops here, named, in one line."""
    files = list_images(folder)
    for path in files:
        open_rgb(path)
    return len(files)


def score_folders(fake: str | Path, real: str | Path, backbone: str, weights: str | Path | None = None) -> dict:
    """FID, KID (± std) and the protocol of ``fake`` against ``real`` with the named backbone.

    KID uses torch-fidelity's own defaults (seed, subsets, subset size capped at the smaller folder), so the
    numbers equal a direct ``torch_fidelity.calculate_metrics`` call on the same folders.
    """
    n_fake, n_real = readable_images(Path(fake)), readable_images(Path(real))
    bb = resolve_backbone(backbone, weights)
    seed, subsets = FIDELITY_DEFAULTS["rng_seed"], FIDELITY_DEFAULTS["kid_subsets"]
    scores = fid_kid(str(fake), str(real), bb, n_fake=n_fake, n_real=n_real, seed=seed, kid_subsets=subsets)
    return {**scores, "protocol": {"backbone": bb.name, "backbone_weights": str(bb.weights),
                                   "backbone_sha256": bb.sha256, "feature_layer": bb.layer, "resize": bb.resize,
                                   "n_fake": n_fake, "n_real": n_real, "kid_seed": seed, "kid_subsets": subsets,
                                   "kid_subset_size": kid_subset_size(n_fake, n_real),
                                   "versions": library_versions()}}
