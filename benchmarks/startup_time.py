"""Start-up cost of a workflow job: a fresh interpreter importing what each `bench` verb needs before it works,
against one that imports torch alone (the floor every job pays) and one that adds torchvision (which loads
torch._dynamo; the harness imports it only where a sample grid is drawn or an image augmented).

Each case runs as its own ``python -c`` process, ``--repeats`` times, alternating; the fastest wall time of each is
kept (timing noise on a shared machine is one-sided). Prints seconds per case and the ratio to ``import torch``.

    python benchmarks/startup_time.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

from bench.runtime import describe_machine

CASES = {
    "import torch": "import torch",
    "+ torchvision": "import torch, torchvision",  # what a job paid when the harness imported torchvision up front
    "train": "from bench.train import train; from bench.registry import registry; registry()",
    "translate": "from bench.translate import translate_run; from bench.registry import registry; registry()",
    "evaluate": "from bench.metrics.evaluate import evaluate_run; from bench.registry import registry; registry()",
    "publish": "from bench.report.publish import publish",
}


def wall_time(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    best = {name: float("inf") for name in CASES}
    for _ in range(args.repeats):
        for name, code in CASES.items():
            best[name] = min(best[name], wall_time(code))
    print(f"{describe_machine()}; fastest of {args.repeats} fresh interpreters each")
    print(f"{'case':<14}{'s':>8}{'× torch':>10}")
    for name, seconds in best.items():
        print(f"{name:<14}{seconds:>8.2f}{seconds / best['import torch']:>10.2f}")


if __name__ == "__main__":
    main()
