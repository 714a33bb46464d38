"""FID/KID of two image folders, for users who just want a number."""

from __future__ import annotations

from pathlib import Path

from bench.data.images import list_images
from bench.metrics.backbones import resolve_backbone
from bench.metrics.fidelity import fid_kid, kid_subset_size
from bench.metrics.protocol import library_versions


def score_folders(fake: str | Path, real: str | Path, backbone: str, weights: str | Path | None = None) -> dict:
    """FID, KID (± std) and the protocol of ``fake`` against ``real`` with the named backbone."""
    n_fake, n_real = len(list_images(Path(fake))), len(list_images(Path(real)))
    bb = resolve_backbone(backbone, weights)
    scores = fid_kid(str(fake), str(real), bb, n_fake=n_fake, n_real=n_real)
    return {**scores, "protocol": {"backbone": bb.name, "backbone_weights": str(bb.weights),
                                   "backbone_sha256": bb.sha256, "feature_layer": bb.layer, "resize": bb.resize,
                                   "n_fake": n_fake, "n_real": n_real,
                                   "kid_subset_size": kid_subset_size(n_fake, n_real),
                                   "versions": library_versions()}}
