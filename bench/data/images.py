"""Decode image files into uint8 tensors, with errors that name the file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageFile, UnidentifiedImageError

from bench.errors import DataError

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".webp")
ImageFile.LOAD_TRUNCATED_IMAGES = False


def open_rgb(path: Path) -> Image.Image:
    """Open and fully decode ``path`` as RGB; corrupt or truncated files raise DataError naming the file."""
    try:
        with Image.open(path) as img:
            img.load()
            return img.convert("RGB")
    except UnidentifiedImageError:
        raise DataError(f"{path}: not a readable image (corrupt or unknown format)") from None
    except (OSError, SyntaxError, ValueError) as err:
        raise DataError(f"{path}: cannot decode image ({err}); the file may be truncated") from None


def resize_center_crop(img: Image.Image, size: int) -> Image.Image:
    """Resize the shorter side to ``size`` (bicubic) and take the centred ``size``×``size`` square."""
    w, h = img.size
    if (w, h) != (size, size):
        scale = size / min(w, h)
        nw, nh = max(size, round(w * scale)), max(size, round(h * scale))
        img = img.resize((nw, nh), Image.BICUBIC)
        left, top = (nw - size) // 2, (nh - size) // 2
        img = img.crop((left, top, left + size, top + size))
    return img


def split_pair(img: Image.Image, path: Path, swap_ab: bool) -> tuple[Image.Image, Image.Image]:
    """The A and B halves of a side-by-side ``A|B`` image; an image not twice as wide as high is an error."""
    w, h = img.size
    if w != 2 * h:
        raise DataError(f"{path}: a paired image must be twice as wide as high (A|B side by side); got {w}×{h}")
    left, right = img.crop((0, 0, h, h)), img.crop((h, 0, w, h))
    return (right, left) if swap_ab else (left, right)


def to_tensor(img: Image.Image) -> torch.Tensor:
    """PIL RGB → uint8 tensor 3×H×W."""
    return torch.from_numpy(np.asarray(img, dtype=np.uint8).copy()).permute(2, 0, 1).contiguous()


def list_images(folder: Path) -> list[Path]:
    """The image files of ``folder`` in sorted order; a missing or empty folder is an error."""
    if not folder.is_dir():
        raise DataError(f"{folder}: folder not found")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file())
    if not files:
        raise DataError(f"{folder}: no images (expected {', '.join(IMAGE_SUFFIXES)} files)")
    return files
