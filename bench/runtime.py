"""Device choice, thread count, seeding and RNG snapshots shared by training, translation and metrics."""

from __future__ import annotations

import os
import platform
import random
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from bench.errors import ConfigError


def pick_device(explicit: str | None = None) -> torch.device:
    """``explicit`` if given, else CUDA, then MPS, then the CPU."""
    if explicit:
        try:
            return torch.device(explicit)
        except RuntimeError:
            raise ConfigError(f"unknown device {explicit!r}") from None
    if torch.cuda.is_available():
        return torch.device("cuda")
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def cpu_model() -> str:
    """The CPU's model name (Linux's /proc/cpuinfo; elsewhere what ``platform`` knows): runs record where they ran."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe_machine() -> str:
    """One line naming the CPU, its core count, the GPU if any, Python and torch, for reports and benchmarks."""
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu_model()}, {os.cpu_count()} CPUs, {gpu}, Python {platform.python_version()}, "
            f"torch {torch.__version__}")


def set_threads(threads: int | None) -> int:
    """Use ``threads`` CPU threads (default: what the scheduler granted, else all cores)."""
    n = threads or int(os.environ.get("OMP_NUM_THREADS", 0)) or os.cpu_count() or 1
    torch.set_num_threads(n)
    return n


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def rng_state() -> dict:
    """Every generator's state, in types that ``torch.load(weights_only=True)`` accepts."""
    kind, keys, pos, has_gauss, gauss = np.random.get_state()
    return {
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "python": random.getstate(),
        "numpy": {"keys": torch.from_numpy(keys.astype(np.int64)), "pos": int(pos), "has_gauss": int(has_gauss),
                  "gauss": float(gauss)},
    }


def set_rng_state(state: dict) -> None:
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    random.setstate(state["python"])
    np_state = state["numpy"]
    np.random.set_state(("MT19937", np_state["keys"].numpy().astype(np.uint32), np_state["pos"],
                         np_state["has_gauss"], np_state["gauss"]))


AUTOCAST = ("off", "bf16")


@dataclass(frozen=True)
class Numerics:
    """GPU speed switches that can change results, so each is a recorded setting of the run: TF32 matmuls and
    convolutions, bf16 autocast of the training step, channels-last tensors, and cuDNN's algorithm search."""

    tf32: bool = False
    autocast: str = "off"
    channels_last: bool = False
    cudnn_benchmark: bool = True

    def __post_init__(self) -> None:
        if self.autocast not in AUTOCAST:
            raise ConfigError(f"autocast {self.autocast!r}: expected one of {AUTOCAST}")

    def apply(self) -> None:
        torch.backends.cuda.matmul.allow_tf32 = self.tf32
        torch.backends.cudnn.allow_tf32 = self.tf32
        torch.backends.cudnn.benchmark = self.cudnn_benchmark

    def step_context(self, device: torch.device) -> AbstractContextManager:
        """The context a training step runs in: bf16 autocast on ``device``, or nothing."""
        return torch.autocast(device.type, dtype=torch.bfloat16) if self.autocast == "bf16" else nullcontext()

    def memory_format(self, value: object) -> object:
        """``value`` (a 4-d tensor, a module, or a batch dict of them) in channels-last format where switched on."""
        if not self.channels_last:
            return value
        if isinstance(value, dict):
            return {k: self.memory_format(v) for k, v in value.items()}
        if isinstance(value, torch.nn.Module):
            return value.to(memory_format=torch.channels_last)
        if isinstance(value, torch.Tensor) and value.dim() == 4:
            return value.contiguous(memory_format=torch.channels_last)
        return value

    def record(self) -> dict:
        return asdict(self)
