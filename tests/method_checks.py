"""Checks shared by the methods' tests: a run that crashes mid-way and resumes ends where a straight run ends."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from bench.io import torch_load
from bench.method import Method
from bench.registry import get_method
from bench.train import CHECKPOINT, RunSpec, load_checkpoint, train


class Crash(Exception):
    """Stands in for the process being killed mid-run."""


def _tensors(state: object, prefix: str = "") -> dict[str, torch.Tensor]:
    """Every tensor of a nested state dict, by dotted path."""
    if isinstance(state, torch.Tensor):
        return {prefix: state}
    if isinstance(state, dict):
        return {k: v for key, value in state.items() for k, v in _tensors(value, f"{prefix}.{key}").items()}
    if isinstance(state, (list, tuple)):
        return {k: v for i, value in enumerate(state) for k, v in _tensors(value, f"{prefix}.{i}").items()}
    return {}


def assert_resumes_exactly(spec: RunSpec, data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                           crash_at: int = 2) -> None:
    """Train straight; train again crashing at ``crash_at`` and resume: nets, optimisers and pools must be equal."""
    run = dict(data_root=data_root, progress=False, checkpoint_every=crash_at, sample_every=crash_at, threads=1)
    train(spec, tmp_path / "straight", **run)
    cls = get_method(spec.method)
    original = cls.train_step

    def crashing(self, batch, step):
        if step == crash_at:
            raise Crash
        return original(self, batch, step)

    monkeypatch.setattr(cls, "train_step", crashing)
    with pytest.raises(Crash):
        train(spec, tmp_path / "resumed", **run)
    assert torch_load(tmp_path / "resumed" / CHECKPOINT)["step"] == crash_at
    monkeypatch.setattr(cls, "train_step", original)
    train(spec, tmp_path / "resumed", resume=True, **run)
    straight = torch_load(tmp_path / "straight" / CHECKPOINT)["method"]
    resumed = torch_load(tmp_path / "resumed" / CHECKPOINT)["method"]
    a, b = _tensors(straight), _tensors(resumed)
    assert a.keys() == b.keys() and any(k.startswith(".nets") for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert straight["schedulers"].keys() == resumed["schedulers"].keys()


def assert_trains_and_translates(spec: RunSpec, data_root: Path, out: Path) -> Method:
    """A tiny run logs finite losses every step, and every direction translates into [-1, 1] at full size."""
    train(spec, out, data_root=data_root, progress=False, log_every=1, threads=1)
    records = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert len(records) == spec.steps and all(math.isfinite(v) for r in records for v in r.values())
    _, method, _ = load_checkpoint(out, torch.device("cpu"))
    x = torch.rand(3, 3, spec.image_size, spec.image_size) * 2 - 1
    with torch.no_grad():
        for source, target in method.task_directions(method.task):
            y = method.translate(x, source=source, target=target, seed=0)
            assert y.shape == x.shape and y.min() >= -1 and y.max() <= 1
    return method
