"""Training step time and peak memory of CUT and FastCUT against CycleGAN, at identical generator size, batch and
image size, on one machine in one run (the CUT paper: 0.24 / 0.15 / 0.40 s per iteration on a GPU).

Each method runs in its own child process (so that one's peak memory is not another's): built at its paper
networks (ResNet-9 generators of 11,378,179 parameters, 70×70 PatchGANs) on a stand-in unpaired task, ``setup`` on
the first batch, a few untimed steps, then ``--steps`` timed ``train_step`` calls on fixed random batches. Peak
memory is torch's peak allocation on a GPU, on a CPU the child's peak resident set above what it held before
building the method. Prints seconds per step, peak
memory and both ratios to CycleGAN.

    python benchmarks/cut_step_time.py [--size 128] [--batch 1] [--steps 5] [--device cpu] [--threads 2]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import torch

from bench.describe import probe_task
from bench.registry import get_method
from bench.runtime import cpu_model, pick_device, set_threads

METHODS = ("cyclegan", "cut", "fastcut")


def measure(name: str, size: int, batch: int, steps: int, warmup: int, device_name: str | None,
            threads: int | None) -> dict:
    """One method's seconds per step and peak memory (bytes), in this process."""
    device = pick_device(device_name)
    set_threads(threads)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # the interpreter, torch and the harness
    torch.manual_seed(0)
    cls = get_method(name)
    task = probe_task("unpaired", size)
    hp = {**cls.hparams(task), "batch_size": batch, "n_blocks": 9}
    method = cls(task, hp, device, warmup + steps)
    g = torch.Generator().manual_seed(0)
    batches = [{k: (torch.rand(batch, 3, size, size, generator=g) * 2 - 1).to(device) for k in "AB"}
               for _ in range(2)]
    method.setup(batches[0])
    generator = next(net for key, net in method.nets.items() if key.startswith("G"))
    for step in range(warmup):
        method.train_step(batches[step % 2], step)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    for step in range(steps):
        method.train_step(batches[step % 2], warmup + step)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device)
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - baseline
    return {"method": name, "s_per_step": (time.perf_counter() - start) / steps, "peak_bytes": peak,
            "generator_params": sum(p.numel() for p in generator.parameters()), "device": str(device)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--batch", type=int, default=1)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = measure(args.child, args.size, args.batch, args.steps, args.warmup, args.device, args.threads)
        print(json.dumps(result))
        return
    results = {}
    for name in METHODS:
        cmd = [sys.executable, __file__, "--child", name, "--size", str(args.size), "--batch", str(args.batch),
               "--steps", str(args.steps), "--warmup", str(args.warmup)]
        cmd += ["--device", args.device] if args.device else []
        cmd += ["--threads", str(args.threads)] if args.threads else []
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        results[name] = json.loads(out.strip().splitlines()[-1])
    base = results["cyclegan"]
    print(f"{args.size} px, batch {args.batch}, {args.steps} timed steps after {args.warmup}, "
          f"{base['device']}, {cpu_model()}, torch {torch.__version__}")
    print(f"{'method':10} {'G params':>11} {'s/step':>8} {'× CycleGAN':>10} {'peak MiB':>9} {'× CycleGAN':>10}")
    for name, r in results.items():
        print(f"{name:10} {r['generator_params']:>11,} {r['s_per_step']:>8.3f} "
              f"{r['s_per_step'] / base['s_per_step']:>10.2f} {r['peak_bytes'] / 2**20:>9.0f} "
              f"{r['peak_bytes'] / base['peak_bytes']:>10.2f}")


if __name__ == "__main__":
    main()
