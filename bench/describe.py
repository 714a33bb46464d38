"""Parameter counts of a method's networks at a given image size, at the paper's or the suite's settings."""

from __future__ import annotations

from typing import Any

from bench.data.tasks import Task
from bench.hparams import apply_overrides
from bench.registry import get_method

_SETTING_ORDER = ("unpaired", "paired", "multidomain")


def probe_task(setting: str, image_size: int) -> Task:
    """A stand-in task of ``setting`` at ``image_size`` (for counting parameters; it holds no data)."""
    domains = ("A", "B", "C") if setting == "multidomain" else ("A", "B")
    return Task(f"probe-{setting}", setting, domains, image_size, image_size, True, False, "", "probe")


def describe(method_name: str, image_size: int, overrides: dict[str, Any] | None = None) -> dict:
    """{"method", "image_size", "hparams", "parameters": {net: count}} for the method built on the CPU."""
    cls = get_method(method_name)
    setting = next(s for s in _SETTING_ORDER if s in cls.settings)
    task = probe_task(setting, image_size)
    hp = apply_overrides(cls.hparams(task), overrides or {}, f"method {method_name!r}")
    method = cls(task, {**hp, "steps": 1}, "cpu")
    counts = method.parameter_counts()
    return {"method": cls.name, "image_size": image_size, "parameters": counts, "total": sum(counts.values()),
            "hparams": hp}
