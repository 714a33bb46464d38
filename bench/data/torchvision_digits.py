"""The digit adaptation pairs of CoGAN and PixelDA (MNIST, USPS, SVHN) through torchvision's own downloaders (which
check their MD5s), written out in the CycleGAN layout with a labels.csv per folder."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Callable

import torch

from bench.progress import progress_bar

# name → (the dataset's torchvision class name, how its constructor names a split)
SOURCES = {"mnist": ("MNIST", "train"), "usps": ("USPS", "train"), "svhn": ("SVHN", "split")}
PAIRS = {"mnist2usps": ("mnist", "usps"), "usps2mnist": ("usps", "mnist"), "svhn2mnist": ("svhn", "mnist")}


def load_source(name: str, split: str, cache: Path) -> torch.utils.data.Dataset:
    """torchvision's dataset ``name`` (downloaded into ``cache`` on first use, MD5-checked by torchvision)."""
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
