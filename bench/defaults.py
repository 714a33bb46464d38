"""One place for the harness's defaults; the CLI, the workflow config and the tests read them from here."""

from __future__ import annotations

import os
from pathlib import Path

DATA_ROOT_ENV = "I2IBENCH_DATA"
DEFAULT_DATA_ROOT = "resources/data"
CACHE_ENV = "I2IBENCH_CACHE"
MIRROR_ENV = "I2IBENCH_MIRROR"  # base URL of a mirror of the standard datasets' archives (same paths, same checksums)
DEFAULT_CACHE = "resources/cache"

DIGITS_SEED = 0
DIGITS_SIZE = 32
DIGITS_TEST_FRACTION = 0.2
DIGITS_TRAIN_PER_DIGIT = 3
DIGITS_TEST_PER_DIGIT = 3

PROFILES = ("paper", "embedded")  # a method's paper configuration, or its reductions for the embedded CPU suite
TRAIN_SEED = 0
SAMPLE_EVERY = 200
CHECKPOINT_EVERY = 200
LOG_EVERY = 10
SAMPLE_INPUTS = 8

# Training splits larger than this when decoded (uint8) are read from disk batch by batch instead of held in
# memory (`bench train --stream auto`); DataLoader workers decode them (`--data-workers`).
STREAM_ABOVE_BYTES = 1 << 30
DATA_WORKERS = 0

DIVERSITY_K = 10
DIVERSITY_N = 100
DIVERSITY_PAIRS = "all"
KID_MAX_SUBSET = 1000
KID_SUBSETS = 100
METRICS_BATCH = 256
METRICS_SEED = 0
# The pinned evaluation network of the embedded suite: trained once by `python -m bench evalnet` (seed 0, 1,500
# steps, one thread, on the default digits build) and shipped, so every machine scores with the same weights.
EVALNET_PINNED = Path(__file__).resolve().parent / "metrics" / "weights" / "evalnet-digits.pt"
EVALNET_SHA256 = "73ed0259ff79a29cb021e8c54c6b9366f1b501c7b5d0626c7b3c7f3b61ed8f13"
EVALNET_PATH = "resources/evalnets/digits.pt"  # where `python -m bench evalnet` writes a retrained copy
EVALNET_STEPS = 1500


def data_root(explicit: str | os.PathLike | None = None) -> Path:
    """The folder holding every task's files: ``explicit``, else $I2IBENCH_DATA, else resources/data."""
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get(DATA_ROOT_ENV, DEFAULT_DATA_ROOT))


def cache_root(explicit: str | os.PathLike | None = None) -> Path:
    """Where real-side feature caches live: ``explicit``, else $I2IBENCH_CACHE, else resources/cache."""
    if explicit is not None:
        return Path(explicit)
    return Path(os.environ.get(CACHE_ENV, DEFAULT_CACHE))
