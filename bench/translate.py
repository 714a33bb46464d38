"""Translate a trained run's whole test set, in every mode its method declares, into a uint8 tensor file."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from bench import defaults
from bench.data.attributes import edit_attributes
from bench.data.loader import to_float, to_uint8
from bench.data.readers import ImageSet, read_split
from bench.errors import ConfigError
from bench.inference import reference_indices, translate_batch
from bench.io import torch_load, torch_save
from bench.method import Method
from bench.progress import progress_bar
from bench.runtime import pick_device, set_threads
from bench.train import load_checkpoint


def entry_key(source: int, target: int, mode: str) -> str:
    return f"{source}>{target}:{mode}"


def translate_set(method: Method, src: ImageSet, refs: ImageSet | None, *, source: int, target: int, mode: str,
                  seed: int, batch_size: int, desc: str, progress: bool = True) -> tuple[torch.Tensor, list[str]]:
    """uint8 outputs for ``src``'s images and the ids of the references used (reference mode), in batches.

    Image i is keyed by its index in the test set, so its noise and reference do not depend on the batching.
    """
    picks = reference_indices(len(src), len(refs), seed, source, target) if mode == "reference" else None
    outs = []
    for i in progress_bar(range(0, len(src), batch_size), desc=desc, disable=not progress, leave=False):
        keys = list(range(i, min(i + batch_size, len(src))))
        x = to_float(src.images[keys]).to(method.device)
        ref = to_float(refs.images[picks[keys]]).to(method.device) if picks is not None else None
        attrs = (edit_attributes(method.task, src.attrs[keys], target).to(method.device)
                 if src.attrs is not None else None)
        y = translate_batch(method, x, source=source, target=target, mode=mode, seed=seed, keys=keys, reference=ref,
                            attrs=attrs)
        outs.append(to_uint8(y).cpu())
    images = torch.cat(outs) if outs else torch.empty(0, 3, 0, 0, dtype=torch.uint8)
    return images, ([refs.ids[j] for j in picks.tolist()] if picks is not None else [])


def translate_run(run_dir: str | Path, out: str | Path, *, k: int = defaults.DIVERSITY_K,
                  n_diverse: int = defaults.DIVERSITY_N, batch_size: int = 64, device: str | None = None,
                  threads: int | None = None, data_root: str | Path | None = None, progress: bool = True) -> dict:
    """Translate every test image in every direction and mode the method serves.

    Each (source, target, mode) entry holds ``images``, one output per input (seed 0), with the reference ids in
    reference mode, and ``samples``: ``k`` outputs (seeds 0..k−1, each with its own references) of the first
    ``n_diverse`` inputs for the diversity metric — two in deterministic mode, which measure its diversity as 0
    rather than assume it.
    """
    dev = pick_device(device)
    set_threads(threads)
    torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark = True, False  # same seed, same output
    spec, method, ckpt = load_checkpoint(run_dir, dev, data_root)
    if int(ckpt["step"]) != spec.steps:
        raise ConfigError(f"{run_dir}: the run stopped at step {ckpt['step']} of {spec.steps}; finish it with "
                          "`python -m bench train ... --resume` before translating")
    task = method.task
    test = read_split(task, "test", data_root)
    result: dict = {"task": task.name, "method": spec.method, "seed": spec.seed, "image_size": task.image_size,
                    "domains": list(task.domains), "modes": list(method.modes), "k": k, "entries": {}}
    seconds, count = 0.0, 0
    for source, target in (method.task_directions(task) if method.translates else []):
        src, refs = test.sets[source], test.sets[target]
        for mode in method.modes:
            name = f"{task.domains[source]}→{task.domains[target]} ({mode})"
            t0 = time.perf_counter()
            run = dict(source=source, target=target, mode=mode, batch_size=batch_size, progress=progress)
            images, ref_ids = translate_set(method, src, refs, seed=0, desc=f"translating {name}", **run)
            seconds, count = seconds + time.perf_counter() - t0, count + len(images)
            entry = {"source": source, "target": target, "mode": mode, "ids": list(src.ids), "images": images,
                     "reference_ids": ref_ids}
            subset = ImageSet(src.domain, src.images[:n_diverse], src.ids[:n_diverse], None,
                              src.attrs[:n_diverse] if src.attrs is not None else None)
            k_mode = k if mode != "deterministic" else 2
            # seed 0 is the scored output itself (inputs and references are keyed by index, so it is the same
            # draw); re-running it in a smaller batch could differ in the last bit and round to another level
            draws = [(images[:n_diverse], ref_ids[:n_diverse])]
            draws += [translate_set(method, subset, refs, seed=s, desc=f"sampling {name} ({s + 1}/{k_mode})", **run)
                      for s in range(1, k_mode)]
            entry["samples"] = torch.stack([images for images, _ in draws], 1)
            entry["sample_reference_ids"] = [ids for _, ids in draws]
            result["entries"][entry_key(source, target, mode)] = entry
    result["translate_images_per_s"] = count / seconds if seconds > 0 else None
    torch_save(result, out)
    return result


def load_translations(path: str | Path) -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: translations file not found")
    return torch_load(path)
