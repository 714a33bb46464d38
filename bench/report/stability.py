"""How stable a ranking can be expected to be from its rows' seed-to-seed spreads: Spearman's ρ between the
rankings of two disjoint seed sets, simulated from each row's mean and standard deviation over seeds."""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr

TARGET_RHO = 0.9  # the rank stability the full embedded profile is meant to reach


def expected_spearman(means: np.ndarray, sds: np.ndarray, seeds_per_set: int, draws: int = 2000,
                      seed: int = 0, target: float = TARGET_RHO) -> tuple[float, float]:
    """Mean ρ and the share of draws with ρ ≥ ``target`` when each of two boards averages ``seeds_per_set``
    independent normal scores per row (the row's mean and sd); rows whose sd is 0 keep their mean."""
    means, sds = np.asarray(means, dtype=float), np.asarray(sds, dtype=float)
    if means.shape != sds.shape or means.ndim != 1 or len(means) < 3:
        raise ValueError("expected_spearman needs one mean and one sd per row, for at least 3 rows")
    rng = np.random.default_rng(seed)
    spread = sds / np.sqrt(seeds_per_set)
    rhos = np.array([spearmanr(means + spread * rng.standard_normal(len(means)),
                               means + spread * rng.standard_normal(len(means))).statistic for _ in range(draws)])
    return float(rhos.mean()), float((rhos >= target).mean())
