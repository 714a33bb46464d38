"""Image files decoded when indexed, so that a split's memory is bounded by the batch rather than the dataset."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import torch

from bench.data.images import open_rgb, resize_center_crop, split_pair, to_tensor

PAIR_CACHE = 128  # decoded A|B files kept per process: a paired batch decodes each file once for both halves


@lru_cache(maxsize=PAIR_CACHE)
def _decode_pair(path: Path, size: int, swap_ab: bool) -> tuple[torch.Tensor, torch.Tensor]:
    a, b = split_pair(open_rgb(path), path, swap_ab)
    return to_tensor(resize_center_crop(a, size)), to_tensor(resize_center_crop(b, size))


class FileImages:
    """A split's images as files, decoded to uint8 3×S×S exactly as the in-memory reader does, on indexing.

    Indexing by an int gives one image; by a slice, a list or a tensor of indices, a stacked N×3×S×S batch.
    ``half`` selects the A (0) or B (1) side of side-by-side pix2pix files.
    """

    def __init__(self, files: list[Path], size: int, half: int | None = None, swap_ab: bool = False):
        self.files, self.size, self.half, self.swap_ab = list(files), size, half, swap_ab

    def __len__(self) -> int:
        return len(self.files)

    @property
    def shape(self) -> tuple[int, int, int, int]:
        return (len(self.files), 3, self.size, self.size)

    def decode(self, i: int) -> torch.Tensor:
        path = self.files[i]
        if self.half is None:
            return to_tensor(resize_center_crop(open_rgb(path), self.size))
        return _decode_pair(path, self.size, self.swap_ab)[self.half]

    def __getitem__(self, index: int | slice | list[int] | torch.Tensor) -> torch.Tensor:
        if isinstance(index, int):
            return self.decode(index)
        if isinstance(index, slice):
            index = range(len(self.files))[index]
        elif isinstance(index, torch.Tensor):
            index = index.tolist()
        return torch.stack([self.decode(i) for i in index])

    @classmethod
    def concat(cls, parts: list[FileImages]) -> FileImages:
        """One collection of several (the multi-domain pool); they must decode alike."""
        first = parts[0]
        if any((p.size, p.half, p.swap_ab) != (first.size, first.half, first.swap_ab) for p in parts):
            raise ValueError("FileImages.concat: the parts decode differently")
        return cls([f for p in parts for f in p.files], first.size, first.half, first.swap_ab)


def concat_images(parts: list[torch.Tensor | FileImages]) -> torch.Tensor | FileImages:
    """Concatenate the images of several sets, in memory or on disk alike."""
    return torch.cat(parts) if isinstance(parts[0], torch.Tensor) else FileImages.concat(parts)


def select_images(images: torch.Tensor | FileImages, index: torch.Tensor) -> torch.Tensor | FileImages:
    """The images at ``index``, in memory or still on disk alike (a subset of files is not decoded)."""
    if isinstance(images, FileImages):
        return FileImages([images.files[i] for i in index.tolist()], images.size, images.half, images.swap_ab)
    return images[index]
