"""Attribute tasks (StarGAN's CelebA): one folder of images per split with a binary attribute vector per image,
the test split seen as the images without and with each attribute, and the edit a direction asks for."""

from __future__ import annotations

import csv
import os
import random
import shutil
import tempfile
from pathlib import Path
from typing import Callable

import torch

from bench.data.download import extract_archive
from bench.data.tasks import Task
from bench.errors import DataError
from bench.progress import progress_bar

ATTRIBUTES_FILE = "attributes.csv"
# StarGAN's CelebA test split: the attribute list shuffled by random.seed(1234), the first 1,999 lines held out
# (yunjey/stargan data_loader.py, ``(i+1) < 2000``).
CELEBA_SPLIT_SEED, CELEBA_TEST = 1234, 1999


def read_attributes(folder: Path, files: list[Path], attributes: tuple[str, ...]) -> torch.Tensor:
    """N×A uint8 0/1 attributes of ``files`` from ``folder/attributes.csv`` (columns file and one per attribute;
    values 1 or 0, or CelebA's 1 / -1)."""
    path = folder / ATTRIBUTES_FILE
    if not path.is_file():
        raise DataError(f"{path}: attributes file not found (an attributes task needs one per split folder)")
    table: dict[str, list[int]] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in ("file", *attributes) if c not in (reader.fieldnames or [])]
        if missing:
            raise DataError(f"{path}: no column {missing[0]!r} (needs 'file' and {', '.join(attributes)})")
        for row_no, row in enumerate(reader, start=2):
            try:
                values = [int(row[a]) for a in attributes]
            except (TypeError, ValueError):
                raise DataError(f"{path}, line {row_no}: attribute values must be 1, 0 or -1") from None
            if any(v not in (-1, 0, 1) for v in values):
                raise DataError(f"{path}, line {row_no}: attribute values must be 1, 0 or -1; got {values}")
            table[row["file"]] = [int(v == 1) for v in values]
    absent = [f.name for f in files if f.name not in table]
    if absent:
        raise DataError(f"{path}: no attributes for {absent[0]}" + (f" and {len(absent) - 1} more" if absent[1:] else ""))
    return torch.tensor([table[f.name] for f in files], dtype=torch.uint8)


def edit_attributes(task: Task, attrs: torch.Tensor, target: int) -> torch.Tensor:
    """The float target vectors of direction ``(·, target)``: each source vector with attribute ``target // 2``
    set to ``target % 2``; turning on one of an exclusive group turns the others off (StarGAN's create_labels)."""
    column, value = divmod(target, 2)
    out = attrs.float().clone()
    if value and task.attributes[column] in task.exclusive:
        out[:, [task.attributes.index(a) for a in task.exclusive]] = 0.0
    out[:, column] = float(value)
    return out


def unpack_celeba_images(base: Path) -> None:
    """Extract a hand-placed ``img_align_celeba.zip`` in ``base`` (checked member by member) so that torchvision
    finds the images in place and needs no Google Drive download (nor its ``gdown``)."""
    archive, folder = base / "img_align_celeba.zip", base / "img_align_celeba"
    if folder.is_dir() or not archive.is_file():
        return
    work = Path(tempfile.mkdtemp(prefix=".img_align_celeba-", dir=base))
    try:
        extract_archive(archive, "zip", work)
        if not (work / folder.name).is_dir():
            raise DataError(f"{archive}: no {folder.name}/ folder inside; nothing was extracted")
        os.replace(work / folder.name, folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def celeba_files(cache: Path) -> tuple[Path, list[str], torch.Tensor, list[str]]:
    """CelebA through torchvision (Google Drive, MD5-checked): its image folder, file names, N×40 0/1 attributes
    and their names."""
    import torchvision.datasets

    base = cache / "celeba"
    unpack_celeba_images(base)
    try:
        data = torchvision.datasets.CelebA(str(cache), split="all", target_type="attr", download=True)
    except (RuntimeError, OSError) as err:
        raise DataError(
            f"CelebA could not be fetched from Google Drive ({err}); torchvision downloads it with gdown (`pip install "
            f"gdown`), and Drive often refuses large files for a while (daily quota). Or put img_align_celeba.zip (or "
            f"its img_align_celeba/ folder), list_attr_celeba.txt, identity_CelebA.txt, list_bbox_celeba.txt, "
            f"list_landmarks_align_celeba.txt and list_eval_partition.txt from "
            f"https://mmlab.ie.cuhk.edu.hk/projects/CelebA.html in {base} and run again (torchvision checks the "
            f"lists' MD5s)") from None
    names = [n for n in data.attr_names if n]
    return Path(data.root) / data.base_folder / "img_align_celeba", list(data.filename), data.attr, names


def _place(src: Path, dest: Path) -> None:
    """A hard link where the file system allows it (CelebA is 200k files), a copy otherwise."""
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def build_celeba(out: Path, cache: Path,
                 load: Callable[[Path], tuple[Path, list[str], torch.Tensor, list[str]]] = celeba_files,
                 test_size: int = CELEBA_TEST) -> Path:
    """Write CelebA in the attributes layout: train/ and test/ (StarGAN's split), each with attributes.csv."""
    folder, files, attrs, names = load(cache)
    if attrs.shape != (len(files), len(names)):
        raise DataError(f"{folder}: {len(files)} images but attributes of shape {tuple(attrs.shape)}")
    order = list(range(len(files)))
    random.Random(CELEBA_SPLIT_SEED).shuffle(order)
    for split, picks in (("test", order[:test_size]), ("train", order[test_size:])):
        dest = out / split
        dest.mkdir(parents=True)
        rows = []
        for i in progress_bar(sorted(picks), desc=f"writing celeba {split}", leave=False):
            src = folder / files[i]
            if not src.is_file():
                raise DataError(f"{src}: listed in CelebA's attributes but not among its images")
            _place(src, dest / files[i])
            rows.append([files[i], *attrs[i].tolist()])
        with (dest / ATTRIBUTES_FILE).open("w", newline="", encoding="utf-8") as fh:
            writer = csv.writer(fh)
            writer.writerow(["file", *names])
            writer.writerows(rows)
    return out
