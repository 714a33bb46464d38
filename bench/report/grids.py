"""Image grids a reader looks at: the embedded suite's domains, and each task's methods side by side."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from torchvision.utils import make_grid  # noqa: E402

from bench.data.readers import read_split  # noqa: E402
from bench.data.tasks import get_task  # noqa: E402
from bench.io import atomic_path  # noqa: E402
from bench.translate import entry_key, load_translations  # noqa: E402

COLUMNS = 8


def _row(images: torch.Tensor) -> torch.Tensor:
    """uint8 N×3×H×W → one float image (3×H×W') of the N images side by side."""
    return make_grid(images.float() / 255, nrow=len(images), padding=1, pad_value=1.0)


def labelled_rows(rows: list[tuple[str, torch.Tensor]], path: Path, title: str) -> None:
    """Save rows of images, each labelled on the left, as one PNG."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(1.0 + 0.9 * COLUMNS, 0.95 * len(rows) + 0.4), squeeze=False)
    for ax, (label, images) in zip(axes[:, 0], rows):
        ax.imshow(_row(images).permute(1, 2, 0).numpy(), interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=100)
    plt.close(fig)


def domain_preview(data_root: Path, path: str | Path, n: int = 16) -> None:
    """A row of test images per domain of the embedded digits suite."""
    split = read_split(get_task("digits3"), "test", data_root)
    step = max(1, len(split.sets[0]) // n)
    rows = [(s.domain, s.images[::step][:n]) for s in split.sets]
    labelled_rows(rows, Path(path), "embedded digits suite: test images of each domain")


def task_samples(task_name: str, runs: list[tuple[str, Path, str]], path: Path, data_root: str | Path | None = None,
                 image_size: int | None = None) -> None:
    """A row per (method, mode) (first seed) translating the same test inputs of the task's main direction."""
    task = get_task(task_name, image_size)
    test = read_split(task, "test", data_root)
    idx = torch.linspace(0, len(test.sets[0]) - 1, COLUMNS).long()
    rows = [(f"input ({task.domains[0]})", test.sets[0].images[idx])]
    for label, translations, mode in runs:
        entry = load_translations(translations)["entries"].get(entry_key(0, 1, mode))
        if entry is not None:
            rows.append((label, entry["images"][idx]))
    real = idx if test.paired else torch.linspace(0, len(test.sets[1]) - 1, COLUMNS).long()  # sets may differ in size
    rows.append((f"real {task.domains[1]}", test.sets[1].images[real]))
    labelled_rows(rows, path, f"{task.name}: {task.domains[0]} → {task.domains[1]} (same test inputs in every row)")
