"""Sample grids: each row an input, then the method's output(s), then the ground truth where there is one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from bench.data.attributes import edit_attributes
from bench.data.loader import to_float
from bench.data.readers import Split
from bench.defaults import SAMPLE_INPUTS
from bench.inference import reference_indices, translate_batch
from bench.io import atomic_path
from bench.method import Method

SAMPLE_SEEDS = 3


@dataclass
class SampleInputs:
    """Test inputs of the main direction spread over the set, their keys, references, ground truth and, on
    attribute tasks, their target attribute vectors."""

    inputs: torch.Tensor
    keys: list[int]
    references: torch.Tensor
    truth: torch.Tensor | None
    attrs: torch.Tensor | None = None


def sample_inputs(test: Split, n: int = SAMPLE_INPUTS) -> SampleInputs:
    source, target = test.sets[0], test.sets[1]
    idx = torch.linspace(0, len(source) - 1, min(n, len(source))).long()
    refs = reference_indices(len(source), len(target), 0, 0, 1)[idx]
    truth = to_float(target.images[idx]) if test.paired else None
    attrs = edit_attributes(test.task, source.attrs[idx], 1) if source.attrs is not None else None
    return SampleInputs(to_float(source.images[idx]), idx.tolist(), to_float(target.images[refs]), truth, attrs)


def render_samples(method: Method, samples: SampleInputs) -> torch.Tensor:
    """Rows of [input | output(s) | truth] as one float image in [0, 1], in the method's first mode."""
    source, target = method.task_directions(method.task)[0]
    mode = method.modes[0]
    x = samples.inputs.to(method.device)
    ref = samples.references.to(method.device) if mode == "reference" else None
    attrs = samples.attrs.to(method.device) if samples.attrs is not None else None
    seeds = range(SAMPLE_SEEDS) if mode != "deterministic" else [0]
    outs = [translate_batch(method, x, source=source, target=target, mode=mode, seed=s, keys=samples.keys,
                            reference=ref, attrs=attrs).float().cpu().clamp(-1, 1) for s in seeds]
    columns = [samples.inputs] + ([samples.references] if ref is not None else []) + outs
    columns += [samples.truth] if samples.truth is not None else []
    rows = torch.stack(columns, 1).flatten(0, 1)
    from torchvision.utils import make_grid  # here, not at the top: see save_grid

    return make_grid(rows.add(1).div(2), nrow=len(columns), padding=2, pad_value=1.0)


def save_grid(grid: torch.Tensor, path: str | Path) -> None:
    # torchvision is imported where a grid is drawn: importing it loads torch._dynamo (~2 s on a 2-core CPU),
    # which every job that imports the harness would otherwise pay at start-up
    from torchvision.utils import save_image

    with atomic_path(path) as tmp:
        save_image(grid, tmp, format="png")
