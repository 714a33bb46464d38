"""Translation throughput of LPTN vs Pix2Pix at their paper configurations (256 px by default).

Both methods are built in the same process at their paper hyper-parameters on a stand-in paired task, then
translation is timed on the same random batch after a warm-up, exactly as the harness runs it
(``bench.inference.translate_batch``: eval mode and ``no_grad``; Pix2Pix keeps training mode and so goes one
image at a time, as its official ``test.py``). Prints images/s of each and the ratio.

    python benchmarks/lptn_vs_pix2pix.py [--size 256] [--batch 4] [--iters 10] [--device cpu] [--threads 2]
"""

from __future__ import annotations

import argparse
import time

import torch

from bench.describe import probe_task
from bench.inference import translate_batch
from bench.method import Method
from bench.runtime import pick_device, set_threads
from methods.lptn import LPTN
from methods.pix2pix import Pix2Pix


def build(cls: type[Method], image_size: int, device: torch.device) -> Method:
    """``cls`` at its paper hyper-parameters for ``image_size``, on ``device``."""
    task = probe_task("paired", image_size)
    return cls(task, cls.hparams(task), device)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def images_per_s(method: Method, x: torch.Tensor, warmup: int, iters: int) -> float:
    """Translated images per second over ``iters`` timed calls, after ``warmup`` untimed ones."""
    run = dict(source=0, target=1, mode=method.modes[0], seed=0, keys=list(range(len(x))))
    for _ in range(warmup):
        translate_batch(method, x, **run)
    sync(x.device)
    start = time.perf_counter()
    for _ in range(iters):
        translate_batch(method, x, **run)
    sync(x.device)
    return iters * x.size(0) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--iters", type=int, default=10)
    parser.add_argument("--device", default=None, help="cuda, mps or cpu (default: the best available)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    threads = set_threads(args.threads)
    torch.manual_seed(0)
    x = torch.rand(args.batch, 3, args.size, args.size, device=device) * 2 - 1
    rates = {cls.name: images_per_s(build(cls, args.size, device), x, args.warmup, args.iters)
             for cls in (Pix2Pix, LPTN)}
    print(f"device {device}, threads {threads}, {args.size} px, batch {args.batch}, {args.iters} timed calls "
          f"after {args.warmup} warm-up")
    for name, rate in rates.items():
        print(f"{name:8s} {rate:10.2f} images/s")
    print(f"lptn / pix2pix throughput ratio: {rates['lptn'] / rates['pix2pix']:.2f}x "
          f"(LPTN takes {rates['pix2pix'] / rates['lptn']:.3f} of Pix2Pix's time per image)")


if __name__ == "__main__":
    main()
