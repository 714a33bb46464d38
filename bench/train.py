"""The training runner: seeds, device, loop, progress, log, sample grids, atomic checkpoints and resume."""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from bench import __version__, defaults
from bench.averaging import WeightAverage, use_averages
from bench.data.loader import BatchSampler, training_batches
from bench.data.readers import Split, read_split
from bench.data.tasks import Task, get_task
from bench.errors import ConfigError, TrainingDiverged
from bench.hparams import apply_overrides
from bench.io import read_json, torch_load, torch_save, write_json
from bench.method import Method
from bench.progress import progress_bar
from bench.registry import get_method
from bench.runtime import (Numerics, cpu_model, pick_device, rng_state, seed_everything, set_rng_state,
                           set_threads)
from bench.samples import render_samples, sample_inputs, save_grid

RUN_FILE = "run.json"
CHECKPOINT = "checkpoint.pt"
LOG_FILE = "log.jsonl"
SUMMARY = "train_summary.json"
AVERAGE = "average"  # the checkpoint's weight averages, where the run keeps them


@dataclass
class RunSpec:
    """Everything that defines a training run; saved as run.json and checked on resume."""

    task: str
    method: str
    seed: int
    steps: int
    image_size: int
    hparams: dict[str, Any] = field(default_factory=dict)
    profile: str = "paper"
    numerics: dict[str, Any] = field(default_factory=dict)  # Numerics switches that differ from the defaults
    weight_average: float = 0.0  # > 0: translate with weight averages spanning this fraction of training

    def resolve(self) -> tuple[Task, type[Method]]:
        return get_task(self.task, self.image_size), get_method(self.method)


def make_spec(task_name: str, method_name: str, seed: int, steps: int | None, overrides: dict[str, Any],
              image_size: int | None = None, profile: str = "paper", budget_scale: float = 1.0,
              numerics: Numerics | None = None, weight_average: float = 0.0) -> RunSpec:
    """Validate the task, method, profile, their compatibility and the overrides, before anything is trained.

    ``steps=None`` takes the profile's budget (the embedded figure, or the paper's epochs × images ÷ batch)
    × ``budget_scale``. ``weight_average`` (a fraction of training, 0 for none): see ``bench.averaging``.
    """
    task = get_task(task_name, image_size)
    cls = get_method(method_name)
    cls.check_task(task)
    hp = apply_overrides(cls.profile(task, profile), overrides, f"method {method_name!r}")
    steps = round(cls.budget(task, profile) * budget_scale) if steps is None else steps
    if steps < 0:
        raise ConfigError(f"steps must be ≥ 0; got {steps}")
    if not 0 <= weight_average <= 1:
        raise ConfigError(f"weight_average must lie in [0, 1] (0: off); got {weight_average}")
    default = Numerics().record()
    changed = {k: v for k, v in (numerics or Numerics()).record().items() if v != default[k]}
    return RunSpec(task.name, cls.name, seed, int(steps), task.image_size, hp, profile, changed, float(weight_average))


def load_spec(run_dir: str | Path) -> RunSpec:
    path = Path(run_dir) / RUN_FILE
    if not path.is_file():
        raise ConfigError(f"{path}: not a training run (no {RUN_FILE})")
    return RunSpec(**read_json(path))


def build_method(spec: RunSpec, device: torch.device, data_root: str | Path | None = None,
                 sampler: BatchSampler | None = None) -> Method:
    """The method of ``spec`` with its networks built, ``setup`` included (on the run's first batch, which is
    only drawn, from ``sampler`` or the training split, when the method has a ``setup``)."""
    task, cls = spec.resolve()
    method = cls(task, dict(spec.hparams), device, spec.steps)
    if type(method).setup is not Method.setup:
        sampler = sampler or batch_sampler(spec, read_split(task, "train", data_root), device)
        method.setup(sampler.batch(0))
    return method


def batch_sampler(spec: RunSpec, split: Split, device: torch.device) -> BatchSampler:
    """The run's training batches (with the extra streams its method asks for)."""
    cls = get_method(spec.method)
    return BatchSampler(split, int(spec.hparams.get("batch_size", 1)), spec.seed, device, streams=cls.batch)


def load_checkpoint(run_dir: str | Path, device: torch.device,
                    data_root: str | Path | None = None) -> tuple[RunSpec, Method, dict]:
    """The run's spec, its method with the last checkpoint's state, and the checkpoint itself.

    A run trained with weight averaging comes back with the averages in its networks: the weights it is evaluated
    with (``bench.averaging``).
    """
    spec = load_spec(run_dir)
    path = Path(run_dir) / CHECKPOINT
    if not path.is_file():
        raise ConfigError(f"{path}: no checkpoint; train the run first")
    ckpt = torch_load(path, map_location=device)
    method = build_method(spec, device, data_root)
    restore(method, ckpt, path)
    if spec.weight_average:
        if AVERAGE not in ckpt:
            raise ConfigError(f"{path}: the run averages weights but its checkpoint holds no averages")
        try:
            use_averages(method, ckpt[AVERAGE])
        except ConfigError as err:
            raise ConfigError(f"{path}: {err}") from None
    return spec, method, ckpt


def restore(method: Method, ckpt: dict, path: Path) -> None:
    """Load a checkpoint's method state; a checkpoint that does not fit is refused with the file named."""
    try:
        method.load_state_dict(ckpt["method"])
    except ConfigError as err:
        raise ConfigError(f"{path}: {err}") from None
    except (KeyError, TypeError) as err:
        raise ConfigError(f"{path}: not a checkpoint of this harness ({type(err).__name__}: {err})") from None


class RunLog:
    """Append-only ``log.jsonl``; on resume, lines past the checkpoint's step are dropped."""

    def __init__(self, path: Path, keep_until: int | None):
        self.path = path
        if keep_until is None:
            path.write_text("")
        elif path.exists():
            lines = [ln for ln in path.read_text().splitlines() if ln.strip()]
            kept = [ln for ln in lines if json.loads(ln).get("step", 0) <= keep_until]
            path.write_text("".join(ln + "\n" for ln in kept))

    def write(self, record: dict) -> None:
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")


def _save_checkpoint(out: Path, method: Method, step: int, elapsed: float, average: WeightAverage | None) -> None:
    state = {"step": step, "elapsed": elapsed, "method": method.state_dict(), "rng": rng_state()}
    if average is not None:
        state[AVERAGE] = average.state_dict()
    torch_save(state, out / CHECKPOINT)


def train(spec: RunSpec, out: str | Path, *, resume: bool = False, device: str | None = None,
          threads: int | None = None, sample_every: int = defaults.SAMPLE_EVERY,
          checkpoint_every: int = defaults.CHECKPOINT_EVERY, log_every: int = defaults.LOG_EVERY,
          data_root: str | Path | None = None, progress: bool = True, stream: bool | None = None,
          data_workers: int = defaults.DATA_WORKERS) -> dict:
    """Train ``spec`` into ``out``; with ``resume``, continue from the last checkpoint there if one exists.

    ``stream`` reads the training split from disk batch by batch (None: when it is too large to hold decoded);
    ``data_workers`` DataLoader processes make the batches ahead. Neither changes a batch.
    """
    out = Path(out)
    ckpt_path = out / CHECKPOINT
    has_ckpt = ckpt_path.is_file()
    if has_ckpt and not resume:
        raise ConfigError(f"{out} already holds a checkpoint; pass --resume to continue it or choose another --out")
    if has_ckpt and (out / RUN_FILE).is_file() and load_spec(out).__dict__ != json.loads(json.dumps(spec.__dict__)):
        raise ConfigError(f"{out} holds a run with other settings ({out / RUN_FILE}); it cannot be resumed as this one")
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / RUN_FILE, spec.__dict__)
    dev = pick_device(device)
    n_threads = set_threads(threads)
    numerics = Numerics(**spec.numerics)
    numerics.apply()
    seed_everything(spec.seed)
    task, _ = spec.resolve()
    split = read_split(task, "train", data_root, stream=stream)
    test = read_split(task, "test", data_root, stream=None)
    sampler = batch_sampler(spec, split, dev)
    method = build_method(spec, dev, sampler=sampler)
    for net in method.all_networks().values():
        numerics.memory_format(net)
    average = WeightAverage(method, spec.weight_average) if spec.weight_average else None
    start, elapsed = 0, 0.0
    if has_ckpt:
        ckpt = torch_load(ckpt_path, map_location=dev)
        restore(method, ckpt, ckpt_path)
        if average is not None:
            average.load_state_dict(ckpt[AVERAGE])
        set_rng_state(ckpt["rng"])
        start, elapsed = int(ckpt["step"]), float(ckpt["elapsed"])
    log = RunLog(out / LOG_FILE, start if has_ckpt else None)
    samples = sample_inputs(test)
    (out / "samples").mkdir(exist_ok=True)

    def snapshot(step: int) -> None:
        if not method.translates:
            return
        grid = render_samples(method, samples)
        save_grid(grid, out / "samples" / f"step_{step:06d}.png")
        shutil.copyfile(out / "samples" / f"step_{step:06d}.png", out / "samples.png")

    batch_size = sampler.batch_size
    window: dict[str, list[float]] = {}
    window_steps, window_start = 0, time.perf_counter()
    bar = progress_bar(range(start, spec.steps), initial=start, total=spec.steps, disable=not progress,
               desc=f"{spec.method} on {spec.task}", unit="step", dynamic_ncols=True)
    last_good = start
    for step, batch in zip(bar, training_batches(sampler, start, spec.steps, data_workers)):
        t0 = time.perf_counter()
        with numerics.step_context(dev):
            losses = method.train_step(numerics.memory_format(batch), step)
        method.update_ema()
        method.step_schedulers()
        if average is not None:
            average.update(step + 1)
        elapsed += time.perf_counter() - t0
        bad = {k: v for k, v in losses.items() if not math.isfinite(v)}
        if bad:
            name, value = next(iter(bad.items()))
            bar.close()
            kept = f"the last good checkpoint (step {last_good}) is kept in {ckpt_path}" if ckpt_path.is_file() \
                else "no checkpoint had been written yet"
            raise TrainingDiverged(f"loss {name!r} became {value} at step {step + 1} of {spec.method} on "
                                   f"{spec.task}; training stopped and {kept}")
        for k, v in losses.items():
            window.setdefault(k, []).append(v)
        window_steps += 1
        done = step + 1
        if done % log_every == 0 or done == spec.steps:
            span = time.perf_counter() - window_start
            means = {k: sum(v) / len(v) for k, v in window.items()}  # per loss: over the steps that reported it
            record = {"step": done, **means, "images_per_s": batch_size * window_steps / max(span, 1e-9),
                      "elapsed_s": elapsed}
            log.write(record)
            bar.set_postfix({k: f"{v:.3g}" for k, v in means.items()}, refresh=False)
            window, window_steps, window_start = {}, 0, time.perf_counter()
        if done % sample_every == 0 or done == spec.steps:
            snapshot(done)
        if done % checkpoint_every == 0 or done == spec.steps:
            _save_checkpoint(out, method, done, elapsed, average)
            last_good = done
    bar.close()
    if spec.steps == 0 or start == spec.steps:
        if not ckpt_path.is_file():
            _save_checkpoint(out, method, spec.steps, elapsed, average)
        if not (out / "samples.png").is_file():
            snapshot(spec.steps)
    summary = {
        "task": spec.task, "method": spec.method, "seed": spec.seed, "steps": spec.steps,
        "wall_s": elapsed, "train_images_per_s": batch_size * spec.steps / elapsed if elapsed > 0 else None,
        "device": str(dev), "threads": n_threads, "numerics": numerics.record(),
        "data": {"streamed": not isinstance(split.sets[0].images, torch.Tensor), "workers": data_workers},
        "parameters": method.parameter_counts(), "roles": method.roles(),
        "inference_parameters": method.inference_parameters(),
        "peak_memory_mb": peak_memory_mb(dev), "torch": torch.__version__, "i2ibench": __version__,
        "machine": platform.machine(), "processor": cpu_model(), "cpus": os.cpu_count(),
    }
    write_json(out / SUMMARY, summary)
    return summary


def peak_memory_mb(device: torch.device) -> float:
    """Peak GPU memory allocated by torch, or the process's peak resident memory on the CPU."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
