"""Peak memory of training from a large split read batch by batch, and the embedded suite's step time with it.

1. **Memory.** Builds (once, under ``--work``) a synthetic unpaired task of ``--images`` 256-px JPEGs in the
   CycleGAN layout (half in ``trainA``, half in ``trainB``), then, in a child process, reads its training split
   streamed and draws ``--batches`` batches (load 286, random 256 crops and flips, batch ``--batch``) through
   ``--workers`` DataLoader processes, as ``bench train --stream on --data-workers N`` does. Prints the peak
   memory of the whole process tree (training process and workers, proportional set size from /proc, sampled
   every 50 ms: pages the forked workers share with it are split, not counted twice), what importing torch alone
   takes of it, and what holding the split decoded would take.
2. **Step time.** CycleGAN's embedded run on ``hand2mnistm`` through ``bench.train.train``: per-step time held in
   memory (the embedded default) and streamed through 2 workers, each against a bare loop on pre-drawn batches
   (fastest of ``--repeats`` alternating runs; the bound: ≤ 1.05).

    python benchmarks/streaming_memory.py [--images 20000] [--batch 4] [--batches 200] [--workers 2]
        [--work /tmp/i2ibench-stream] [--data-root resources/data] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np
from PIL import Image

SIZE, LOAD = 256, 286


def _write_one(args: tuple[Path, int]) -> None:
    path, seed = args
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, (8, 8, 3), dtype=np.uint8)  # smooth colour fields: realistic JPEG sizes
    Image.fromarray(coarse).resize((SIZE, SIZE), Image.BICUBIC).save(path, quality=90)


def build_split(root: Path, images: int) -> Path:
    """``root/synthetic``: trainA/trainB/testA/testB of 256-px JPEGs (the test domains hold 8 each)."""
    task_root = root / "synthetic"
    done = task_root / f".built-{images}"
    if done.is_file():
        return task_root
    jobs = []
    for k, (folder, n) in enumerate((("trainA", images // 2), ("trainB", images - images // 2), ("testA", 8),
                                     ("testB", 8))):
        (task_root / folder).mkdir(parents=True, exist_ok=True)
        jobs += [(task_root / folder / f"{i:06d}.jpg", 100_000 * k + i) for i in range(n)]
    with Pool(2) as pool:
        pool.map(_write_one, jobs, chunksize=256)
    done.write_text("")
    return task_root


def tree_pss_mb(pid: int) -> float:
    """Proportional set size of ``pid`` and its descendants (Linux /proc), in MB."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                total += next(int(line.split()[1]) for line in fh if line.startswith("Pss:"))
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            continue  # a worker that has just exited
    return total / 1024


class PeakMemory(threading.Thread):
    """Samples the process tree's memory until stopped; keeps the peak."""

    def __init__(self, every: float = 0.05):
        super().__init__(daemon=True)
        self.every, self.peak, self.running = every, 0.0, True

    def run(self) -> None:
        while self.running:
            self.peak = max(self.peak, tree_pss_mb(os.getpid()))
            time.sleep(self.every)

    def stop(self) -> float:
        self.running = False
        self.join()
        return max(self.peak, tree_pss_mb(os.getpid()))


def measure_reading(root: str, batch: int, batches: int, workers: int) -> dict:
    """In this (child) process: read the split streamed and draw the batches through the workers."""
    from bench.data.loader import BatchSampler, training_batches
    from bench.data.readers import read_split
    from bench.data.tasks import Task

    task = Task("synthetic", "unpaired", ("a", "b"), SIZE, LOAD, False, True, "synthetic", "test")
    baseline = tree_pss_mb(os.getpid())
    monitor = PeakMemory()
    monitor.start()
    t0 = time.perf_counter()
    split = read_split(task, "train", root, stream=True)
    listed = time.perf_counter() - t0
    sampler = BatchSampler(split, batch, seed=0)
    t0 = time.perf_counter()
    drawn = sum(1 for _ in training_batches(sampler, 0, batches, workers))
    span = time.perf_counter() - t0
    return {"images": sum(len(s) for s in split.sets), "listed_s": listed, "batches": drawn,
            "images_per_s": 2 * batch * drawn / span, "peak_mb": monitor.stop(), "imports_mb": baseline,
            "held_gb": sum(len(s) for s in split.sets) * 3 * LOAD * LOAD / 1e9}


def step_times(data_root: str, repeats: int) -> dict[str, float]:
    """CycleGAN's embedded per-step time: bare loop, harness in memory, harness streamed through 2 workers."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from harness_overhead import bare_step_s, harness_step_s

    from bench import progress
    from bench.runtime import set_threads

    progress.enabled = False
    set_threads(1)  # as the harness runs (train's threads=1), so the bare loop is timed alike

    best = {"bare": float("inf"), "in memory": float("inf"), "streamed, 2 workers": float("inf")}
    for _ in range(repeats):
        best["bare"] = min(best["bare"], bare_step_s("hand2mnistm", "cyclegan", 100, data_root))
        best["in memory"] = min(best["in memory"], harness_step_s(
            "hand2mnistm", "cyclegan", 100, 20, 100, data_root, 1, stream=False))
        best["streamed, 2 workers"] = min(best["streamed, 2 workers"], harness_step_s(
            "hand2mnistm", "cyclegan", 100, 20, 100, data_root, 1, stream=True, data_workers=2))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=20000)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work", default="/tmp/i2ibench-stream", help="where the synthetic split is built (kept)")
    parser.add_argument("--data-root", default="resources/data", help="data root holding the digits build")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure_reading(args.child, args.batch, args.batches, args.workers)))
        return
    from bench.runtime import describe_machine  # imports torch: the memory children run in their own processes

    print(f"machine: {describe_machine()}")
    work = Path(args.work)
    t0 = time.perf_counter()
    build_split(work, args.images)
    print(f"synthetic split: {args.images:,} images at {SIZE} px under {work} ({time.perf_counter() - t0:.0f} s)")
    child = subprocess.run([sys.executable, __file__, "--child", str(work), "--batch", str(args.batch),
                            "--batches", str(args.batches), "--workers", str(args.workers)],
                           check=True, capture_output=True, text=True)
    m = json.loads(child.stdout.strip().splitlines()[-1])
    print(f"streamed read of {m['images']:,} images (listed in {m['listed_s']:.1f} s), {m['batches']} batches of "
          f"{args.batch}+{args.batch} at {SIZE} px from {LOAD} px through {args.workers} workers: "
          f"{m['images_per_s']:.0f} images/s")
    print(f"peak memory of the training process and its workers: {m['peak_mb']:.0f} MB, of which "
          f"{m['imports_mb']:.0f} MB before reading (torch and the harness imported); holding the split decoded "
          f"would take {m['held_gb']:.1f} GB")
    steps = step_times(args.data_root, args.repeats)
    bare = steps["bare"]
    print("CycleGAN on hand2mnistm, embedded profile, 1 thread, fastest of", args.repeats)
    for name, seconds in steps.items():
        print(f"  {name:22s} {seconds * 1000:7.1f} ms/step  ratio to bare {seconds / bare:.3f}")


if __name__ == "__main__":
    main()
