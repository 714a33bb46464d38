"""Small builders for test datasets in the three on-disk layouts, and ways to stop a training run part-way."""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

import numpy as np
from PIL import Image


def write_image(path: Path, size: tuple[int, int], seed: int) -> Path:
    """A random RGB PNG/JPEG of ``size`` (width, height) at ``path``."""
    rng = np.random.default_rng(seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def write_cyclegan_folder(root: Path, n: int = 4, size: int = 20) -> Path:
    for s, split in enumerate(("trainA", "trainB", "testA", "testB")):
        for i in range(n):
            write_image(root / split / f"{split}_{i}.png", (size, size), 1000 * s + i)
    return root


def write_pix2pix_folder(root: Path, n: int = 4, size: int = 20) -> Path:
    for split in ("train", "test"):
        for i in range(n):
            write_image(root / split / f"{i}.jpg", (2 * size, size), 100 * i + len(split))
    return root


def write_multidomain_folder(root: Path, domains: tuple[str, ...], n: int = 4, size: int = 20) -> Path:
    for split in ("train", "test"):
        for d, domain in enumerate(domains):
            for i in range(n):
                write_image(root / split / domain / f"{i}.png", (size, size), 1000 * d + 10 * i + len(split))
    return root


def at_step(cls: type, step: int, stop) -> object:
    """``cls.train_step`` wrapped to call ``stop()`` when it reaches ``step`` (0-based) instead of training."""
    original = cls.train_step

    def stopped(self, batch, at):
        if at == step:
            stop()
        return original(self, batch, at)

    return stopped


def _keyboard_interrupt() -> None:
    raise KeyboardInterrupt


def interrupt_at(monkeypatch, cls: type, step: int) -> None:
    """Make ``cls.train_step`` raise KeyboardInterrupt at ``step`` (0-based), as a user's Ctrl-C would; undo with
    ``monkeypatch.undo()``."""
    monkeypatch.setattr(cls, "train_step", at_step(cls, step, _keyboard_interrupt))


def train_until_killed(method: str, step: int, args: list[str]) -> None:
    """Run the CLI with ``args`` in this (child) process and SIGKILL it when ``method`` reaches ``step``, as a crash or
    an out-of-memory kill would: nothing gets to clean up."""
    from bench.cli import main
    from bench.registry import get_method

    cls = get_method(method)
    cls.train_step = at_step(cls, step, lambda: os.kill(os.getpid(), signal.SIGKILL))
    sys.exit(main(args))
