"""The contract every translation method is written against, and the base class that holds its state.

A method owns its networks, losses and optimisers; the harness owns data, seeds, device, the loop,
checkpoints and metrics. Register networks, optimisers, schedulers and pools in the dicts below and
the base class saves and restores all of them.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import nn

from bench.data.tasks import Task
from bench.errors import ConfigError
from bench.nn.pool import ImagePool

DIRECTIONS = ("a2b", "both", "all")


class Method:
    """Base class of a translation method (see DESIGN.md, "A method").

    Subclasses set the class attributes, ``hparams`` (the paper's defaults scaled to the task),
    build their state in ``__init__`` and implement ``train_step`` and ``translate``.
    """

    name: ClassVar[str] = ""
    settings: ClassVar[frozenset[str]] = frozenset()
    multimodal: ClassVar[bool] = False
    directions: ClassVar[str] = "a2b"
    paper: ClassVar[str] = ""
    code: ClassVar[str] = ""
    supervision: ClassVar[str] = "unpaired"
    translates: ClassVar[bool] = True  # False for classifier-only reference rows (no translations to score)
    needs_labels: ClassVar[bool] = False  # True: trains only on tasks with class labels

    def __init__(self, task: Task, hparams: dict[str, Any], device: torch.device | str = "cpu"):
        self.task, self.hp, self.device = task, dict(hparams), torch.device(device)
        self.nets: dict[str, nn.Module] = {}
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
        self.pools: dict[str, ImagePool] = {}

    # -- declared by subclasses -------------------------------------------------------------------
    @classmethod
    def hparams(cls, task: Task) -> dict[str, Any]:
        """The paper's hyper-parameters, scaled to ``task`` (depths that follow the image size)."""
        return {"batch_size": 1}

    def train_step(self, batch: dict, step: int) -> dict[str, float]:
        """One optimisation step on ``batch``; returns the losses as floats."""
        raise NotImplementedError(f"{type(self).__name__} must implement train_step")

    def translate(self, x: torch.Tensor, *, source: int, target: int, seed: int | None = None,
                  reference: torch.Tensor | None = None) -> torch.Tensor:
        """Translate a batch ``x`` in [-1, 1] from domain index ``source`` to ``target``."""
        raise NotImplementedError(f"{type(self).__name__} must implement translate")

    def classify(self, x: torch.Tensor) -> torch.Tensor | None:
        """Target-domain class logits from the method's own task classifier, if it has one (PixelDA).

        Scored on the labelled target test set by the metrics; ``None`` means the method has no classifier.
        """
        return None

    # -- provided ---------------------------------------------------------------------------------
    @classmethod
    def supports(cls, task: Task) -> bool:
        return task.setting in cls.settings and (task.labels or not cls.needs_labels)

    @classmethod
    def check_task(cls, task: Task) -> None:
        if task.setting not in cls.settings:
            raise ConfigError(f"method {cls.name!r} trains on {sorted(cls.settings)} tasks; task {task.name!r} "
                              f"is {task.setting}")
        if cls.needs_labels and not task.labels:
            raise ConfigError(f"method {cls.name!r} needs class labels; task {task.name!r} has none")

    @classmethod
    def task_directions(cls, task: Task) -> list[tuple[int, int]]:
        """The (source, target) pairs this method translates on ``task``; the first is the main one."""
        if cls.directions == "a2b" and task.setting != "multidomain":
            return task.directions[:1]
        return task.directions

    def to_device(self, module: nn.Module) -> nn.Module:
        return module.to(self.device)

    def parameter_counts(self) -> dict[str, int]:
        return {name: sum(p.numel() for p in net.parameters()) for name, net in self.nets.items()}

    def state_dict(self) -> dict[str, Any]:
        return {
            "nets": {k: v.state_dict() for k, v in self.nets.items()},
            "optimizers": {k: v.state_dict() for k, v in self.optimizers.items()},
            "schedulers": {k: v.state_dict() for k, v in self.schedulers.items()},
            "pools": {k: v.state_dict() for k, v in self.pools.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for group, own in (("nets", self.nets), ("optimizers", self.optimizers), ("schedulers", self.schedulers)):
            missing = set(own) - set(state[group])
            if missing:
                raise ConfigError(f"checkpoint lacks {group} {sorted(missing)} of method {self.name!r}")
            for key, obj in own.items():
                obj.load_state_dict(state[group][key])
        for key, pool in self.pools.items():
            pool.load_state_dict(state["pools"][key], self.device)

    def step_schedulers(self) -> None:
        for sched in self.schedulers.values():
            sched.step()
