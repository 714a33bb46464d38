"""The embedded digits suite: layouts, determinism, a clean train/test split and a validated config."""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.data.digits import DigitsConfig, build_digits
from bench.errors import ConfigError
from tests.conftest import TINY


def _sources(folder: Path) -> set[int]:
    with (folder / "labels.csv").open() as fh:
        return {int(row["source"]) for row in csv.DictReader(fh)}


def _digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_standard_layouts(digits_root: Path) -> None:
    for sub in ("trainA", "trainB", "testA", "testB"):
        assert any((digits_root / "hand2mnistm" / sub).glob("*.png"))
    for split in ("train", "test"):
        img = Image.open(next((digits_root / "hand2mnistm_paired" / split).glob("*.png")))
        assert img.size == (2 * TINY.size, TINY.size)
        for domain in ("hand", "mnistm", "syn"):
            assert (digits_root / "digits3" / split / domain / "labels.csv").is_file()


def test_paired_test_set_is_the_unpaired_one(digits_root: Path) -> None:
    paired = sorted(p.name for p in (digits_root / "hand2mnistm_paired" / "test").glob("*.png"))
    unpaired = sorted(p.name for p in (digits_root / "hand2mnistm" / "testA").glob("*.png"))
    assert paired == unpaired
    a = Image.open(digits_root / "hand2mnistm" / "testA" / paired[0]).convert("RGB")
    ab = Image.open(digits_root / "hand2mnistm_paired" / "test" / paired[0]).convert("RGB")
    assert np.array_equal(np.asarray(ab.crop((0, 0, TINY.size, TINY.size))), np.asarray(a))


def test_no_test_digit_in_any_train_split(digits_root: Path) -> None:
    test_folders = [digits_root / "hand2mnistm" / "testA", digits_root / "hand2mnistm" / "testB",
                    digits_root / "hand2mnistm_paired" / "test",
                    *[digits_root / "digits3" / "test" / d for d in ("hand", "mnistm", "syn")]]
    train_folders = [digits_root / "hand2mnistm" / "trainA", digits_root / "hand2mnistm" / "trainB",
                     digits_root / "hand2mnistm_paired" / "train",
                     *[digits_root / "digits3" / "train" / d for d in ("hand", "mnistm", "syn")]]
    test_sources = set().union(*map(_sources, test_folders))
    train_sources = set().union(*map(_sources, train_folders))
    assert test_sources and train_sources
    assert not test_sources & train_sources


def test_same_seed_same_bytes(tmp_path: Path, digits_root: Path) -> None:
    build_digits(tmp_path / "again", TINY)
    assert _digest(tmp_path / "again") == _digest(digits_root)


def test_another_seed_other_images(tmp_path: Path, digits_root: Path) -> None:
    other = DigitsConfig(**{**TINY.__dict__, "seed": 1})
    build_digits(tmp_path / "other", other)
    a, b = _digest(tmp_path / "other"), _digest(digits_root)
    pngs = [k for k in a if k.endswith(".png") and k in b]
    assert sum(a[k] != b[k] for k in pngs) > 0.9 * len(pngs)


@pytest.mark.parametrize("field,value", [("size", 10), ("test_fraction", 1.5), ("train_per_digit", 0),
                                         ("max_sources", 7)])
def test_invalid_config_is_refused_and_writes_nothing(tmp_path: Path, field: str, value: object) -> None:
    bad = DigitsConfig(**{**TINY.__dict__, field: value})
    with pytest.raises(ConfigError, match=field):
        build_digits(tmp_path / "bad", bad)
    assert not (tmp_path / "bad").exists()
