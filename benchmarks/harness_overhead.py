"""Per-step cost of `bench train` against a bare loop of the same method's ``train_step``, for every method.

For each registered method (on the first embedded digits task it supports, at its embedded profile), in one
process and one run:

- **harness**: ``bench.train.train`` as the workflow calls it (batch sampling, loss log, sample grids and
  checkpoints every ``--every`` steps, no progress bar), run for ``--steps`` + ``--short`` and for ``--short``
  steps; the difference of the two wall times over ``--steps`` is its per-step time, so building the method and
  reading the data (paid once per run) are not counted, while sampling, logging, grids and checkpoints are;
- **bare**: the same method object built the same way, its ``train_step`` (with EMA update and scheduler step)
  on batches drawn beforehand, ``--steps`` times, no logging and no files.

Both are measured ``--repeats`` times, alternating, and the fastest of each kept (timing noise on a shared
machine is one-sided). Prints both per-step times and their ratio per method (the issue's bound: ≤ 1.05).

    python benchmarks/harness_overhead.py [--steps 100] [--short 20] [--every 100] [--repeats 3]
        [--methods cyclegan pix2pix] [--data-root resources/data] [--threads 1]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import torch

from bench import progress
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.registry import registry
from bench.runtime import cpu_model, pick_device, seed_everything, set_threads
from bench.train import batch_sampler, build_method, make_spec, train

TASKS = ("hand2mnistm", "hand2mnistm_paired", "digits3")


def task_for(cls: type) -> str | None:
    return next((name for name in TASKS if cls.supports(get_task(name))), None)


def harness_step_s(task: str, method: str, steps: int, short: int, every: int, data_root: str,
                   threads: int, **train_options) -> float:
    """Seconds per step of ``bench.train.train`` (with ``train_options``), from two runs that differ by ``steps``
    steps."""
    walls = []
    for n in (short, short + steps):
        spec = make_spec(task, method, 0, n, {}, profile="embedded")
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            train(spec, out, threads=threads, sample_every=every, checkpoint_every=every, data_root=data_root,
                  progress=False, **train_options)
            walls.append(time.perf_counter() - t0)
    return (walls[1] - walls[0]) / steps


def bare_step_s(task: str, method: str, steps: int, data_root: str) -> float:
    """Seconds per step of the method's own update on batches drawn before the clock starts."""
    spec = make_spec(task, method, 0, steps, {}, profile="embedded")
    device = pick_device("cpu")
    seed_everything(0)
    sampler = batch_sampler(spec, read_split(get_task(task), "train", data_root), device)
    built = build_method(spec, device, sampler=sampler)
    batches = [sampler.batch(step) for step in range(steps)]
    t0 = time.perf_counter()
    for step, batch in enumerate(batches):
        built.train_step(batch, step)
        built.update_ema()
        built.step_schedulers()
    return (time.perf_counter() - t0) / steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--short", type=int, default=20)
    parser.add_argument("--every", type=int, default=100, help="sample and checkpoint interval (the configs' 100)")
    parser.add_argument("--methods", nargs="*", help="default: every registered method that trains")
    parser.add_argument("--data-root", default="resources/data")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3, help="alternating measurements; the fastest is kept")
    args = parser.parse_args()
    set_threads(args.threads)
    progress.enabled = False
    names = args.methods or [name for name, cls in registry().items() if name != "identity"]
    print(f"torch {torch.__version__}, {cpu_model()}, {args.threads} thread(s), "
          f"{args.steps} steps (harness: {args.short + args.steps} − {args.short}), grids and checkpoints every "
          f"{args.every}, fastest of {args.repeats}")
    print(f"{'method':<16}{'task':<20}{'bare s/step':>12}{'bench s/step':>14}{'ratio':>8}")
    worst = 0.0
    for name in names:
        task = task_for(registry()[name])
        if task is None:
            print(f"{name:<16}(no embedded digits task it supports)")
            continue
        bare, harness = math.inf, math.inf
        for _ in range(args.repeats):
            bare = min(bare, bare_step_s(task, name, args.steps, args.data_root))
            harness = min(harness, harness_step_s(task, name, args.steps, args.short, args.every, args.data_root,
                                                  args.threads))
        worst = max(worst, harness / bare)
        print(f"{name:<16}{task:<20}{bare:>12.4f}{harness:>14.4f}{harness / bare:>8.3f}", flush=True)
    print(f"largest ratio: {worst:.3f}")


if __name__ == "__main__":
    main()
