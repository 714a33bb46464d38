"""Sample grids: each row an input, then the method's output(s), then the ground truth where there is one."""

from __future__ import annotations

from pathlib import Path

import torch
from torchvision.utils import make_grid, save_image

from bench.data.loader import to_float
from bench.data.readers import Split
from bench.io import atomic_path
from bench.method import Method
from bench.defaults import SAMPLE_INPUTS

SAMPLE_SEEDS = 3


def sample_inputs(test: Split, n: int = SAMPLE_INPUTS) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The first ``n`` test inputs of the main direction (spread over the set) and their ground truth."""
    source = test.sets[0]
    idx = torch.linspace(0, len(source) - 1, min(n, len(source))).long()
    truth = to_float(test.sets[1].images[idx]) if test.paired else None
    return to_float(source.images[idx]), truth


@torch.no_grad()
def render_samples(method: Method, inputs: torch.Tensor, truth: torch.Tensor | None) -> torch.Tensor:
    """Rows of [input | output(s) | truth] as one float image in [0, 1]."""
    source, target = method.task_directions(method.task)[0]
    x = inputs.to(method.device)
    seeds = range(SAMPLE_SEEDS) if method.multimodal else [0]
    with torch.random.fork_rng(devices=[method.device] if method.device.type == "cuda" else []):
        outs = [method.translate(x, source=source, target=target, seed=s).float().cpu().clamp(-1, 1) for s in seeds]
    columns = [inputs] + outs + ([truth] if truth is not None else [])
    rows = torch.stack(columns, 1).flatten(0, 1)
    return make_grid(rows.add(1).div(2), nrow=len(columns), padding=2, pad_value=1.0)


def save_grid(grid: torch.Tensor, path: str | Path) -> None:
    with atomic_path(path) as tmp:
        save_image(grid, tmp, format="png")
