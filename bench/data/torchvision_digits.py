"""The digit adaptation pairs of CoGAN and PixelDA (MNIST, USPS, SVHN through torchvision's own downloaders, which
check their MD5s; MNIST-M rebuilt from MNIST and BSDS500 by its published recipe), written out in the CycleGAN
layout with a labels.csv per folder."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

from bench.data.digits import render_mnistm
from bench.data.download import DatasetEntry, download_dataset
from bench.data.images import open_rgb
from bench.errors import DataError
from bench.progress import progress_bar

# name → (the dataset's torchvision class name, how its constructor names a split)
SOURCES = {"mnist": ("MNIST", "train"), "usps": ("USPS", "train"), "svhn": ("SVHN", "split")}
PAIRS = {"mnist2usps": ("mnist", "usps"), "usps2mnist": ("usps", "mnist"), "svhn2mnist": ("svhn", "mnist"),
         "mnist2mnistm": ("mnist", "mnistm")}
# The photographs MNIST-M blends digits with (Ganin et al.'s create_mnistm: BSDS500's training images); no
# published checksum, so the first download's SHA-256 is recorded in the cache's lock file.
BSDS500 = DatasetEntry("bsds500", "http://www.eecs.berkeley.edu/Research/Projects/CS/vision/grouping/BSR/"
                       "BSR_bsds500.tgz", None, "tar.gz", "images")
BSDS500_TRAIN = Path("BSDS500", "data", "images", "train")
MNISTM_SEED = 0


def source_name(name: str) -> str:
    """Where a digit domain comes from, in words."""
    return "MNIST on BSDS500 patches (MNIST-M recipe)" if name == "mnistm" else f"torchvision.datasets.{SOURCES[name][0]}"


def bsds500_photos(cache: Path) -> list[np.ndarray]:
    """BSDS500's 200 training photographs as uint8 RGB arrays (the archive fetched into ``cache`` on first use)."""
    folder = download_dataset(BSDS500, cache) / BSDS500_TRAIN
    files = sorted(folder.glob("*.jpg")) if folder.is_dir() else []
    if not files:
        raise DataError(f"{folder}: no training photographs in the BSDS500 archive")
    return [np.asarray(open_rgb(f)) for f in files]


class MnistM(torch.utils.data.Dataset):
    """MNIST-M (Ganin et al., 2016): each MNIST digit as ``|patch − digit|`` on a random 28×28 patch of a BSDS500
    training photograph; the patch of image ``i`` is drawn from a generator seeded by (seed, split, i)."""

    def __init__(self, mnist: torch.utils.data.Dataset, photos: list[np.ndarray], split: str,
                 seed: int = MNISTM_SEED):
        self.mnist, self.photos, self.key = mnist, photos, (seed, 0 if split == "train" else 1)

    def __len__(self) -> int:
        return len(self.mnist)

    def __getitem__(self, i: int) -> tuple[Image.Image, int]:
        image, label = self.mnist[i]
        digit = np.asarray(image.convert("L"), dtype=np.float64) / 255.0
        rng = np.random.default_rng([*self.key, i])
        return Image.fromarray(render_mnistm(digit, rng, self.photos)), int(label)


def load_source(name: str, split: str, cache: Path) -> torch.utils.data.Dataset:
    """Digit domain ``name``: torchvision's dataset (downloaded into ``cache`` on first use, MD5-checked by
    torchvision), or MNIST-M made from it."""
    if name == "mnistm":
        return MnistM(load_source("mnist", split, cache), bsds500_photos(cache), split)
    import torchvision.datasets

    class_name, split_arg = SOURCES[name]
    kind = getattr(torchvision.datasets, class_name)
    value = (split == "train") if split_arg == "train" else split
    return kind(str(cache / name), **{split_arg: value}, download=True)


def write_domain(dataset: torch.utils.data.Dataset, folder: Path, desc: str) -> int:
    """Every image of ``dataset`` as an RGB PNG in ``folder``, with ``labels.csv`` (file, label)."""
    folder.mkdir(parents=True)
    rows = []
    for i in progress_bar(range(len(dataset)), desc=desc, leave=False):
        image, label = dataset[i]
        name = f"{i:05d}.png"
        image.convert("RGB").save(folder / name)
        rows.append((name, int(label)))
    with (folder / "labels.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(("file", "label"))
        writer.writerows(rows)
    return len(rows)


def build_pair(name: str, out: Path, cache: Path,
               load: Callable[[str, str, Path], torch.utils.data.Dataset] = load_source) -> Path:
    """Write pair ``name`` (e.g. mnist2usps) into ``out``: trainA/, trainB/, testA/, testB/ with labels."""
    source, target = PAIRS[name]
    for split in ("train", "test"):
        for side, domain in (("A", source), ("B", target)):
            write_domain(load(domain, split, cache), out / f"{split}{side}", f"writing {name} {split}{side}")
    return out
