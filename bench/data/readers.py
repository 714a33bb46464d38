"""Readers for the three on-disk layouts (pix2pix, CycleGAN, multi-domain): decoded once into memory, or, for
splits too large for that, listed and decoded batch by batch (``stream``)."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import torch

from bench import defaults
from bench.data.attributes import read_attributes
from bench.data.images import list_images, open_rgb, resize_center_crop, split_pair, to_tensor
from bench.data.lazy import FileImages, select_images
from bench.data.tasks import Task
from bench.errors import DataError
from bench.progress import progress_bar

LABELS_FILE = "labels.csv"


@dataclass
class ImageSet:
    """One domain's images of one split: uint8 N×3×S×S (a tensor, or FileImages that decode the indexed files on
    demand), their ids (file stems), optional class labels and, in attribute tasks, N×A 0/1 attributes."""

    domain: str
    images: torch.Tensor | FileImages
    ids: list[str]
    labels: torch.Tensor | None
    attrs: torch.Tensor | None = None

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


def attribute_sets(task: Task, faces: ImageSet) -> list[ImageSet]:
    """A split's images as the task's domains: per attribute, those without it and those with it."""
    sets = []
    for domain in task.domains:
        column, value = divmod(len(sets), 2)
        index = (faces.attrs[:, column] == value).nonzero().flatten()
        if not len(index):
            raise DataError(f"task {task.name!r}: no image {'with' if value else 'without'} attribute "
                            f"{task.attributes[column]!r} in this split; each attribute needs both")
        sets.append(ImageSet(domain, select_images(faces.images, index), [faces.ids[i] for i in index.tolist()], None,
                             faces.attrs[index]))
    return sets


def _decode(files: list[Path], size: int, desc: str) -> list[torch.Tensor]:
    return [to_tensor(resize_center_crop(open_rgb(f), size))
            for f in progress_bar(files, desc=desc, leave=False, disable=len(files) < 500)]


def read_domain_folder(folder: Path, domain: str, size: int, labels: bool, stream: bool = False,
                       attributes: tuple[str, ...] = ()) -> ImageSet:
    """A folder of single images (CycleGAN, multi-domain and attributes layouts)."""
    files = list_images(folder)
    label_tensor = read_labels(folder, files) if labels else None
    attrs = read_attributes(folder, files, attributes) if attributes else None
    images = FileImages(files, size) if stream else torch.stack(_decode(files, size, f"reading {folder.name}"))
    return ImageSet(domain, images, [f.stem for f in files], label_tensor, attrs)


def read_paired_folder(folder: Path, domains: tuple[str, ...], size: int, labels: bool,
                       swap_ab: bool, stream: bool = False) -> list[ImageSet]:
    """A folder of side-by-side ``A|B`` images (pix2pix layout), split into two aligned ImageSets."""
    files = list_images(folder)
    label_tensor = read_labels(folder, files) if labels else None
    ids = [f.stem for f in files]
    if stream:
        return [ImageSet(d, FileImages(files, size, half=k, swap_ab=swap_ab), ids, label_tensor)
                for k, d in enumerate(domains)]
    halves: tuple[list[torch.Tensor], list[torch.Tensor]] = ([], [])
    for f in progress_bar(files, desc=f"reading {folder.name}", leave=False, disable=len(files) < 500):
        a, b = split_pair(open_rgb(f), f, swap_ab)
        halves[0].append(to_tensor(resize_center_crop(a, size)))
        halves[1].append(to_tensor(resize_center_crop(b, size)))
    return [ImageSet(d, torch.stack(half), ids, label_tensor) for d, half in zip(domains, halves)]


def decoded_bytes(task: Task, split: str, root: str | Path | None = None) -> int | None:
    """What decoding a split whole would take in memory (uint8 at its stored size); None while it is not on disk."""
    folders = split_folders(task, split, task.root(root))
    if not all(f.is_dir() for f in folders):
        return None
    size = task.load_size if split == "train" else task.image_size
    per_image = 3 * size * size * (2 if task.setting == "paired" else 1)
    return per_image * sum(len(list_images(f)) for f in folders)


def read_split(task: Task, split: str, root: str | Path | None = None, stream: bool | None = False) -> Split:
    """Read a task's ``train`` or ``test`` split from its standard layout.

    Training images are stored at the load size (random crops come later); test images at the image size.
    ``stream`` lists the files and decodes them when indexed (memory bounded by the batch, not the split);
    ``None`` streams a split whose decoded size exceeds ``defaults.STREAM_ABOVE_BYTES``.
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
    if stream is None:
        stream = (decoded_bytes(task, split, root) or 0) > defaults.STREAM_ABOVE_BYTES
    if task.setting == "attributes":
        folder = split_folders(task, split, base)[0]
        faces = read_domain_folder(folder, "all", size, False, stream, task.attributes)
        return Split(task, split, [faces] if split == "train" else attribute_sets(task, faces), paired=False)
    if task.setting == "paired":
        sets = read_paired_folder(split_folders(task, split, base)[0], task.domains, size, task.labels, task.swap_ab,
                                  stream)
        return Split(task, split, sets, paired=True)
    sets = [read_domain_folder(f, d, size, task.labels, stream)
            for f, d in zip(split_folders(task, split, base), task.domains)]
    return Split(task, split, sets, paired=False)


def split_folders(task: Task, split: str, base: Path) -> list[Path]:
    """The image folders of a split in the task's layout: one for paired tasks (A|B images) and attribute tasks
    (with attributes.csv), one per domain else."""
    name = task.test_split if split == "test" else split
    if task.setting in ("paired", "attributes"):
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
