"""Inference owned by the harness: eval mode and ``no_grad``, per-image seeded noise, references drawn from the
target domain's test split, and one image at a time for methods that keep training-mode layers at test time or
whose unbounded outputs batched kernels would round differently (``translates_alone``).

Every output depends only on (checkpoint, input image, its key, seed, mode, reference), never on which other
images share its batch, and the global RNG of a training run is left as it was.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, Sequence

import torch

from bench.data.loader import keyed_generator, mix_seed
from bench.errors import ConfigError
from bench.method import Method

_NOISE_STREAM = 7
_REFERENCE_STREAM = 11


class Noise:
    """Random numbers drawn per image: the image with key ``k`` gets the same draws in any batch."""

    def __init__(self, seed: int, keys: Sequence[int], device: torch.device | str = "cpu"):
        self.keys, self.device = list(keys), torch.device(device)
        self._gens = [keyed_generator(seed, _NOISE_STREAM, k) for k in self.keys]

    def __len__(self) -> int:
        return len(self.keys)

    def randn(self, *shape: int) -> torch.Tensor:
        """A (batch, *shape) tensor of N(0, 1) draws, row i from image i's own generator."""
        return torch.stack([torch.randn(shape, generator=g) for g in self._gens]).to(self.device)

    def rand(self, *shape: int) -> torch.Tensor:
        """A (batch, *shape) tensor of U[0, 1) draws, row i from image i's own generator."""
        return torch.stack([torch.rand(shape, generator=g) for g in self._gens]).to(self.device)


def reference_indices(n_inputs: int, n_references: int, seed: int, source: int, target: int) -> torch.Tensor:
    """Which target-domain test image serves as input i's reference: a pure function of (seed, direction, i)."""
    if n_references == 0:
        raise ConfigError("reference-guided translation needs target-domain test images; the target domain is empty")
    gen = keyed_generator(seed, _REFERENCE_STREAM, source, target)
    return torch.randint(n_references, (n_inputs,), generator=gen)


@contextmanager
def inference_mode(method: Method) -> Iterator[None]:
    """Networks in eval mode (train mode for a method that keeps it) under ``no_grad``, with the global RNG
    forked; every module's previous mode is restored afterwards."""
    modules = [m for net in method.all_networks().values() for m in net.modules()]
    before = [m.training for m in modules]
    devices = [method.device] if method.device.type == "cuda" else []
    try:
        with torch.random.fork_rng(devices=devices), torch.no_grad():
            for net in method.all_networks().values():
                net.train(method.keeps_train_mode)
            yield
    finally:
        for module, training in zip(modules, before):
            module.training = training


def translate_batch(method: Method, x: torch.Tensor, *, source: int, target: int, mode: str, seed: int,
                    keys: Sequence[int], reference: torch.Tensor | None = None,
                    attrs: torch.Tensor | None = None) -> torch.Tensor:
    """``method``'s translation of ``x`` (its images named by ``keys``) in ``mode``, to the target attribute
    vectors ``attrs`` on attribute tasks; see the module docstring."""
    if mode not in method.modes:
        raise ConfigError(f"method {method.name!r} translates in {list(method.modes)}, not {mode!r}")
    if (mode == "reference") != (reference is not None):
        raise ConfigError("a reference image per input is needed in reference mode, and only there")
    keys = list(keys)
    with inference_mode(method):
        if not (method.keeps_train_mode or method.translates_alone):
            torch.manual_seed(mix_seed(seed))
            return _call(method, x, source, target, mode, Noise(seed, keys, method.device), reference, attrs)
        outs = []
        for i, key in enumerate(keys):  # batch statistics and dropout masks of this image alone
            torch.manual_seed(mix_seed(seed, key))
            ref = reference[i:i + 1] if reference is not None else None
            one = attrs[i:i + 1] if attrs is not None else None
            outs.append(_call(method, x[i:i + 1], source, target, mode, Noise(seed, [key], method.device), ref, one))
        return torch.cat(outs) if outs else x[:0]


def _call(method: Method, x: torch.Tensor, source: int, target: int, mode: str, noise: Noise,
          reference: torch.Tensor | None, attrs: torch.Tensor | None) -> torch.Tensor:
    edit = {"attrs": attrs} if attrs is not None else {}
    return method.translate(x, source=source, target=target, mode=mode,
                            noise=None if mode == "deterministic" else noise, reference=reference, **edit)
