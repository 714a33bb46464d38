"""Readers for the three on-disk layouts (pix2pix, CycleGAN, multi-domain), decoded once into memory."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import torch

from bench.data.images import list_images, open_rgb, resize_center_crop, to_tensor
from bench.data.tasks import Task
from bench.errors import DataError
from bench.progress import progress_bar

LABELS_FILE = "labels.csv"


@dataclass
class ImageSet:
    """One domain's images of one split: uint8 N×3×S×S, their ids (file stems) and optional labels."""

    domain: str
    images: torch.Tensor
    ids: list[str]
    labels: torch.Tensor | None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Split:
    """A task's train or test split: one ImageSet per domain, aligned by index when ``paired``."""

    task: Task
    name: str
    sets: list[ImageSet]
    paired: bool


def read_labels(folder: Path, files: list[Path]) -> torch.Tensor:
    """Labels for ``files`` from ``folder/labels.csv`` (columns file,label); every name must exist."""
    path = folder / LABELS_FILE
    if not path.is_file():
        raise DataError(f"{path}: labels file not found (the task has labels)")
    table: dict[str, int] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not {"file", "label"} <= set(reader.fieldnames):
            raise DataError(f"{path}: needs a header with the columns 'file' and 'label'")
        for row_no, row in enumerate(reader, start=2):
            try:
                table[row["file"]] = int(row["label"])
            except (TypeError, ValueError):
                raise DataError(f"{path}, line {row_no}: label {row['label']!r} is not an integer") from None
    names = {f.name for f in files}
    unknown = sorted(set(table) - names)
    if unknown:
        raise DataError(f"{path}: names files that do not exist: {', '.join(unknown[:5])}"
                        + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""))
    unlabelled = [f.name for f in files if f.name not in table]
    if unlabelled:
        raise DataError(f"{path}: no label for {', '.join(unlabelled[:5])}"
                        + (f" and {len(unlabelled) - 5} more" if len(unlabelled) > 5 else ""))
    return torch.tensor([table[f.name] for f in files], dtype=torch.long)


def _decode(files: list[Path], size: int, desc: str) -> list[torch.Tensor]:
    return [to_tensor(resize_center_crop(open_rgb(f), size))
            for f in progress_bar(files, desc=desc, leave=False, disable=len(files) < 500)]


def read_domain_folder(folder: Path, domain: str, size: int, labels: bool) -> ImageSet:
    """A folder of single images (CycleGAN and multi-domain layouts)."""
    files = list_images(folder)
    label_tensor = read_labels(folder, files) if labels else None
    images = torch.stack(_decode(files, size, f"reading {folder.name}"))
    return ImageSet(domain, images, [f.stem for f in files], label_tensor)


def read_paired_folder(folder: Path, domains: tuple[str, ...], size: int, labels: bool,
                       swap_ab: bool) -> list[ImageSet]:
    """A folder of side-by-side ``A|B`` images (pix2pix layout), split into two aligned ImageSets."""
    files = list_images(folder)
    label_tensor = read_labels(folder, files) if labels else None
    halves: tuple[list[torch.Tensor], list[torch.Tensor]] = ([], [])
    for f in progress_bar(files, desc=f"reading {folder.name}", leave=False, disable=len(files) < 500):
        img = open_rgb(f)
        w, h = img.size
        if w != 2 * h:
            raise DataError(f"{f}: a paired image must be twice as wide as high (A|B side by side); "
                            f"got {w}×{h}")
        left, right = img.crop((0, 0, h, h)), img.crop((h, 0, w, h))
        a, b = (right, left) if swap_ab else (left, right)
        halves[0].append(to_tensor(resize_center_crop(a, size)))
        halves[1].append(to_tensor(resize_center_crop(b, size)))
    ids = [f.stem for f in files]
    return [ImageSet(d, torch.stack(half), ids, label_tensor) for d, half in zip(domains, halves)]


def read_split(task: Task, split: str, root: str | Path | None = None) -> Split:
    """Read a task's ``train`` or ``test`` split from its standard layout.

    Training images are stored at the load size (random crops come later); test images at the image size.
    """
    if split not in ("train", "test"):
        raise DataError(f"unknown split {split!r}; expected 'train' or 'test'")
    base = task.root(root)
    if not base.is_dir() and task.dataset is not None:
        from bench.data.standard import ensure_dataset

        ensure_dataset(task.dataset, root)
    if not base.is_dir():
        hint = ("build it with `python -m bench data digits --out <data root>`" if task.suite == "digits"
                else "the folder its tasks file names does not exist")
        raise DataError(f"{base}: data for task {task.name!r} not found; {hint}")
    size = task.load_size if split == "train" else task.image_size
    if task.setting == "paired":
        sets = read_paired_folder(split_folders(task, split, base)[0], task.domains, size, task.labels, task.swap_ab)
        return Split(task, split, sets, paired=True)
    sets = [read_domain_folder(f, d, size, task.labels)
            for f, d in zip(split_folders(task, split, base), task.domains)]
    return Split(task, split, sets, paired=False)


def split_folders(task: Task, split: str, base: Path) -> list[Path]:
    """The image folders of a split in the task's layout: one (A|B images) for paired tasks, one per domain else."""
    name = task.test_split if split == "test" else split
    if task.setting == "paired":
        return [base / name]
    if task.setting == "unpaired":
        return [base / f"{name}A", base / f"{name}B"]
    return [base / name / d for d in task.domains]


def train_images(task: Task, root: str | Path | None = None) -> int | None:
    """Images per training epoch, counted on disk (the larger domain of an unpaired set; all domains of a
    multi-domain one); None while the data is not in place."""
    folders = split_folders(task, "train", task.root(root))
    if not all(f.is_dir() for f in folders):
        return None
    counts = [len(list_images(f)) for f in folders]
    return sum(counts) if task.setting == "multidomain" else max(counts)
