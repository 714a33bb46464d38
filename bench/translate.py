"""Translate a trained run's whole test set into a uint8 tensor file with image ids."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from bench import defaults
from bench.data.loader import to_float, to_uint8
from bench.data.readers import read_split
from bench.errors import ConfigError
from bench.io import torch_load, torch_save
from bench.method import Method
from bench.progress import progress_bar
from bench.runtime import pick_device, seed_everything, set_threads
from bench.train import load_checkpoint


def direction_key(source: int, target: int) -> str:
    return f"{source}>{target}"


@torch.no_grad()
def translate_set(method: Method, images: torch.Tensor, source: int, target: int, seed: int, batch_size: int,
                  desc: str, progress: bool = True) -> torch.Tensor:
    """uint8 outputs for uint8 inputs, in batches; ``seed`` fixes the method's randomness."""
    seed_everything(seed)
    outs = []
    for i in progress_bar(range(0, len(images), batch_size), desc=desc, disable=not progress, leave=False):
        x = to_float(images[i:i + batch_size]).to(method.device)
        outs.append(to_uint8(method.translate(x, source=source, target=target, seed=seed)).cpu())
    return torch.cat(outs) if outs else torch.empty(0, 3, 0, 0, dtype=torch.uint8)


def translate_run(run_dir: str | Path, out: str | Path, *, k: int = defaults.DIVERSITY_K,
                  n_diverse: int = defaults.DIVERSITY_N, batch_size: int = 64, device: str | None = None,
                  threads: int | None = None, data_root: str | Path | None = None, progress: bool = True) -> dict:
    """Translate every test image in every direction the method serves.

    ``images`` holds one output per input (seed 0); for multimodal methods ``samples`` holds ``k`` outputs
    (seeds 0..k−1) for the first ``n_diverse`` inputs, for the diversity metric.
    """
    dev = pick_device(device)
    set_threads(threads)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False  # same seed, same output
    spec, method, ckpt = load_checkpoint(run_dir, dev)
    if int(ckpt["step"]) != spec.steps:
        raise ConfigError(f"{run_dir}: the run stopped at step {ckpt['step']} of {spec.steps}; finish it with "
                          "`python -m bench train ... --resume` before translating")
    task = method.task
    test = read_split(task, "test", data_root)
    result: dict = {"task": task.name, "method": spec.method, "seed": spec.seed, "image_size": task.image_size,
                    "domains": list(task.domains), "multimodal": method.multimodal, "k": k if method.multimodal else 1,
                    "directions": {}}
    seconds, count = 0.0, 0
    for source, target in (method.task_directions(task) if method.translates else []):
        src = test.sets[source]
        name = f"{task.domains[source]}→{task.domains[target]}"
        t0 = time.perf_counter()
        images = translate_set(method, src.images, source, target, 0, batch_size, f"translating {name}", progress)
        seconds, count = seconds + time.perf_counter() - t0, count + len(images)
        entry = {"source": source, "target": target, "ids": list(src.ids), "images": images}
        if method.multimodal:
            subset = src.images[:n_diverse]
            entry["samples"] = torch.stack([translate_set(method, subset, source, target, s, batch_size,
                                                          f"sampling {name} ({s + 1}/{k})", progress)
                                            for s in range(k)], 1)
        result["directions"][direction_key(source, target)] = entry
    result["translate_images_per_s"] = count / seconds if seconds > 0 else None
    torch_save(result, out)
    return result


def load_translations(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: translations file not found")
    return torch_load(path)
