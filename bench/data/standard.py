"""Registry of the standard datasets of the paper suite, with published addresses and checksums."""

from __future__ import annotations

from pathlib import Path

from bench.data.download import DatasetEntry, download_dataset
from bench.defaults import data_root
from bench.errors import ConfigError

CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{}.zip"
PIX2PIX_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{}.tar.gz"

_DATASETS: dict[str, DatasetEntry] = {}


def register_dataset(entry: DatasetEntry) -> DatasetEntry:
    _DATASETS[entry.name] = entry
    return entry


def get_dataset(name: str) -> DatasetEntry:
    try:
        return _DATASETS[name]
    except KeyError:
        raise ConfigError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(_DATASETS))}") from None


def all_datasets() -> list[DatasetEntry]:
    return sorted(_DATASETS.values(), key=lambda e: e.name)


def ensure_dataset(name: str, root: str | Path | None = None) -> Path:
    """Download (on first use), verify and extract a registered dataset under the data root."""
    return download_dataset(get_dataset(name), data_root(root))


# pix2pix archives: no published checksum, so the first download is recorded (trust on first use).
register_dataset(DatasetEntry("facades", PIX2PIX_URL.format("facades"), None, "tar.gz", "pix2pix"))
# CycleGAN archives: SHA-256 and sizes as recorded by TensorFlow Datasets.
register_dataset(DatasetEntry(
    "horse2zebra", CYCLEGAN_URL.format("horse2zebra"),
    "a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1", "zip", "cyclegan", 116867962))
