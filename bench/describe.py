"""Parameter counts of a method's networks at a given image size, at the paper's or the suite's settings."""

from __future__ import annotations

from typing import Any

import torch

from bench.data.tasks import Task, get_task
from bench.hparams import apply_overrides
from bench.method import Method
from bench.registry import get_method

_SETTING_ORDER = ("unpaired", "paired", "multidomain", "attributes")
DESCRIBE_SIZE = 256  # image size of a stand-in task when none is given


def probe_task(setting: str, image_size: int, domains: int = 2) -> Task:
    """A stand-in task of ``setting`` at ``image_size`` (for counting parameters; it holds no data); an
    attributes task has ``domains`` attributes."""
    if setting == "attributes":
        attributes = tuple("ABCDEFGHIJ"[:domains])
        return Task(f"probe-{setting}", setting, (), image_size, image_size, False, False, "", "probe",
                    attributes=attributes)
    domains = tuple("ABCDEFGHIJ"[:max(domains, 3)]) if setting == "multidomain" else ("A", "B")
    return Task(f"probe-{setting}", setting, domains, image_size, image_size, True, False, "", "probe")


def synthetic_batch(task: Task, batch_size: int) -> dict:
    """Random images in the layout of a training batch of ``task`` (what ``setup`` sees, without any data)."""
    gen = torch.Generator().manual_seed(0)
    shape = (batch_size, 3, task.image_size, task.image_size)
    image = lambda: torch.rand(shape, generator=gen) * 2 - 1  # noqa: E731
    domains = torch.randint(len(task.domains), (batch_size,), generator=gen)
    if task.setting == "attributes":
        return {"x": image(), "attrs": torch.randint(2, (batch_size, len(task.attributes)), generator=gen).float()}
    if task.setting == "multidomain":
        return {"x": image(), "domain": domains, "target_domain": domains.roll(1), "x_ref": image(),
                "x_ref2": image(), "label": None}
    return {"A": image(), "B": image(), "label_A": None, "label_B": None}


def describe(method_name: str, image_size: int | None, overrides: dict[str, Any] | None = None,
             profile: str = "paper", setting: str | None = None, domains: int = 2, task_name: str | None = None) -> dict:
    """The method built on the CPU at ``profile``: every network's parameter count and role, and its hparams.

    Built on the registered task ``task_name`` (its setting and domains; ``image_size`` None: the task's), or
    else on a stand-in task of ``setting`` with ``domains`` domains. ``parameters`` maps each network to its
    count; ``roles`` says which are trained, which are EMA shadows and which one translation uses;
    ``inference_parameters`` is the board's ``params``.
    """
    cls = get_method(method_name)
    if task_name is not None:
        task = get_task(task_name, image_size)
        cls.check_task(task)
    else:
        setting = setting or next(s for s in _SETTING_ORDER if s in cls.settings)
        task = probe_task(setting, image_size or DESCRIBE_SIZE, domains)
    image_size = task.image_size
    hp = apply_overrides(cls.profile(task, profile), overrides or {}, f"method {method_name!r}")
    method = cls(task, hp, "cpu", 1)
    if type(method).setup is not Method.setup:
        method.setup(synthetic_batch(task, int(hp.get("batch_size", 1))))
    counts = method.parameter_counts()
    return {"method": cls.name, "image_size": image_size, "profile": profile, "parameters": counts,
            "total": sum(counts.values()), "roles": method.roles(),
            "inference_parameters": method.inference_parameters(), "hparams": hp}
