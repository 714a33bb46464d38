"""The contract every translation method is written against (v2), and the base class that holds its state.

A method owns its networks, losses and optimisers; the harness owns data, seeds, device, the loop, EMA
updates, inference (eval mode, ``no_grad``, noise, references), checkpoints and metrics. The design note is
``docs/method-contract.md``; the README's "Adding a method" shows a whole method.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import torch
from torch import nn

from bench.data.tasks import MULTI_TARGET, Task
from bench.defaults import PROFILES
from bench.errors import ConfigError
from bench.nn.pool import ImagePool

if TYPE_CHECKING:
    from bench.inference import Noise

DIRECTIONS = ("a2b", "both", "all")
MODES = ("deterministic", "latent", "reference")
BATCH_STREAMS = frozenset({"target_domain", "reference_pair", "unsupervised"})
# Hyper-parameters that only size a method (widths, depths, batch): changing them at the embedded profile is a
# reduction, not a change of method, so they are left out of the leaderboard's notes.
SIZE_HPARAMS = frozenset({"batch_size", "ngf", "ndf", "nef", "n_blocks", "ch", "n_res", "gcn", "dcn",
                          "resnet_filters", "resnet_blocks", "d_widths", "depth", "n_layers_d", "e_blocks", "num_d",
                          "latent_dims", "style_dim", "mlp_dim", "n_downsample", "n_layer", "gen_dim", "dis_dim",
                          "netf_nc", "latent_dim", "hidden_dim", "base_dim", "max_dim", "dis_max", "guide_dim"})
_STATE_GROUPS = ("nets", "ema", "optimizers", "schedulers", "pools", "extra")


@dataclass(frozen=True)
class Official:
    """Parameter counts of the official implementation at its paper configuration, checked by the conformance suite.

    ``source`` names the repository (and commit or file) the counts come from; ``hparams`` are overrides of the
    method's paper profile that the counted configuration uses (e.g. a dataset's number of domains).
    """

    counts: dict[str, int]
    image_size: int
    source: str
    setting: str | None = None
    domains: int = 2
    hparams: dict[str, Any] = field(default_factory=dict)


@torch.no_grad()
def move_towards(shadow: nn.Module, net: nn.Module, weight: float) -> None:
    """One exponential-average step: shadow ← (1 − weight)·shadow + weight·net per parameter; buffers are copied."""
    for p_avg, p in zip(shadow.parameters(), net.parameters()):
        p_avg.lerp_(p, weight)
    for b_avg, b in zip(shadow.buffers(), net.buffers()):
        b_avg.copy_(b)


class Method:
    """Base class of a translation method.

    Subclasses set the class attributes, give ``hparams(task, profile)`` (the paper's configuration, and the
    ``embedded`` reductions that fit the CPU suite), build their networks in ``__init__`` and implement
    ``train_step`` and ``translate``.
    """

    name: ClassVar[str] = ""
    settings: ClassVar[frozenset[str]] = frozenset()
    directions: ClassVar[str] = "a2b"
    modes: ClassVar[tuple[str, ...]] = ("deterministic",)
    batch: ClassVar[frozenset[str]] = frozenset()  # extra batch streams, see BATCH_STREAMS
    inference: ClassVar[tuple[str, ...]] = ()  # the networks ``translate`` uses (EMA copies where a method has them)
    keeps_train_mode: bool = False  # batch statistics / dropout at test time: translated one image at a time
    # outputs so large (no tanh) that batched kernels' ~1e-7 relative rounding moves them by more than the 1e-5
    # an output may depend on its batch: translated one image at a time, in eval mode
    translates_alone: ClassVar[bool] = False
    ema_beta: ClassVar[float] = 0.999
    embedded_steps: ClassVar[int] = 300  # the budget of the embedded profile
    paper_epochs: ClassVar[float | dict[str, float] | None] = None  # per dataset name, or one figure for all
    paper_iterations: ClassVar[int | None] = None  # where the paper states iterations rather than epochs
    official: ClassVar[Official | None] = None
    size_hparams: ClassVar[frozenset[str]] = SIZE_HPARAMS
    paper: ClassVar[str] = ""
    code: ClassVar[str] = ""
    supervision: ClassVar[str] = "unpaired"
    translates: ClassVar[bool] = True  # False for classifier-only reference rows (no translations to score)
    needs_labels: ClassVar[bool] = False  # True: trains only on tasks with class labels

    def __init__(self, task: Task, hparams: dict[str, Any], device: torch.device | str = "cpu", steps: int = 1):
        self.task, self.hp, self.device = task, dict(hparams), torch.device(device)
        self.steps = int(steps)  # the training budget; schedules that span the run read it here
        self.nets: dict[str, nn.Module] = {}  # trained networks
        self.ema: dict[str, nn.Module] = {}  # shadows the harness averages after every step
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.schedulers: dict[str, torch.optim.lr_scheduler.LRScheduler] = {}
        self.pools: dict[str, ImagePool] = {}
        self.extra: dict[str, torch.Tensor] = {}  # method-owned state saved with the checkpoint (a feature queue)
        self._ema_of: dict[str, str] = {}

    # -- declared by subclasses -------------------------------------------------------------------
    @classmethod
    def hparams(cls, task: Task, profile: str = "paper") -> dict[str, Any]:
        """The paper's hyper-parameters scaled to ``task``, or (``embedded``) the reductions for the CPU suite."""
        return {"batch_size": 1}

    def setup(self, first_batch: dict) -> None:
        """Build what depends on the data's shapes (CUT's feature MLP); runs before a checkpoint is loaded."""

    def train_step(self, batch: dict, step: int) -> dict[str, float]:
        """One optimisation step on ``batch``; returns the losses as floats."""
        raise NotImplementedError(f"{type(self).__name__} must implement train_step")

    def translate(self, x: torch.Tensor, *, source: int, target: int, mode: str, noise: Noise | None = None,
                  reference: torch.Tensor | None = None) -> torch.Tensor:
        """Translate ``x`` in [-1, 1] from domain ``source`` to ``target`` in ``mode``.

        The harness calls it in eval mode under ``no_grad``; ``noise`` draws each image's own random numbers
        (latent modes), ``reference`` holds one target-domain image per input (reference mode). On ``attributes``
        tasks the harness also passes ``attrs``, each input's target attribute vector (the source's with the
        direction's edit made), so a method that declares that setting takes an ``attrs`` keyword.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement translate")

    def classify(self, x: torch.Tensor) -> torch.Tensor | None:
        """Target-domain class logits from the method's own task classifier, if it has one (PixelDA)."""
        return None

    def cluster(self, x: torch.Tensor) -> torch.Tensor | None:
        """Pseudo-domain logits of a method that finds the domains itself (TUNIT), for clustering accuracy."""
        return None

    def inference_for(self, source: int, target: int) -> tuple[str, ...]:
        """The networks one translation from ``source`` to ``target`` uses (all of ``inference`` by default)."""
        return self.inference

    # -- profiles and budgets ---------------------------------------------------------------------
    @classmethod
    def profile(cls, task: Task, profile: str) -> dict[str, Any]:
        """``hparams`` for a known profile; an unknown one is refused by name."""
        if profile not in PROFILES:
            raise ConfigError(f"unknown profile {profile!r}; known profiles: {', '.join(PROFILES)}")
        return cls.hparams(task, profile)

    @classmethod
    def budget(cls, task: Task, profile: str) -> int:
        """Training iterations: the embedded profile's figure, or the paper's epochs × training images ÷ batch."""
        if profile == "embedded":
            return cls.embedded_steps
        if cls.paper_iterations is not None:
            return cls.paper_iterations
        epochs = cls.paper_epochs
        if isinstance(epochs, dict):
            epochs = epochs.get(task.dataset or task.name, epochs.get("default"))
        from bench.data.readers import train_images

        size = task.train_size or train_images(task)
        if epochs is None or not size:
            raise ConfigError(f"method {cls.name!r} on task {task.name!r}: no paper budget (epochs or iterations, "
                              "and the task's training-set size, counted once its data is in place); set steps in "
                              "the suite config")
        batch = int(cls.profile(task, "paper").get("batch_size", 1))
        return max(1, math.ceil(epochs * size / batch))

    @classmethod
    def notes(cls, task: Task, hparams: dict[str, Any]) -> list[str]:
        """Every setting of ``hparams`` that differs from the paper profile and is not a size (for the board)."""
        paper = cls.profile(task, "paper")
        return [f"{k}={hparams[k]!r} (paper {paper[k]!r})" for k in sorted(hparams)
                if k in paper and k not in cls.size_hparams and hparams[k] != paper[k]]

    @classmethod
    def supervision_on(cls, task: Task) -> str:
        """What the board says the method learns from on ``task``: domain labels are attribute vectors on attribute
        tasks."""
        if task.setting == "attributes" and cls.supervision == "domain labels":
            return "attribute labels"
        return cls.supervision

    # -- provided ---------------------------------------------------------------------------------
    @classmethod
    def multimodal(cls) -> bool:
        return any(m != "deterministic" for m in cls.modes)

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
        if cls.directions == "a2b" and task.setting not in MULTI_TARGET:
            return task.directions[:1]
        return task.directions

    def to_device(self, module: nn.Module) -> nn.Module:
        return module.to(self.device)

    def add_ema(self, name: str, of: str) -> nn.Module:
        """Register ``name`` as the EMA shadow of trained network ``of`` (a frozen copy; the harness updates it)."""
        shadow = copy.deepcopy(self.nets[of]).requires_grad_(False)
        self.ema[name], self._ema_of[name] = shadow, of
        return shadow

    def update_ema(self) -> None:
        """Every shadow follows its network (called after every step; a method with an EMA schedule overrides it)."""
        for name in self.ema:
            self.update_shadow(name)

    def update_shadow(self, name: str) -> None:
        """shadow ← β·shadow + (1 − β)·net for every parameter of shadow ``name``; buffers are copied."""
        move_towards(self.ema[name], self.nets[self._ema_of[name]], 1.0 - self.ema_beta)

    def ema_sources(self) -> list[str]:
        """The trained networks this method keeps an EMA shadow of."""
        return sorted(set(self._ema_of.values()))

    def all_networks(self) -> dict[str, nn.Module]:
        return {**self.nets, **self.ema}

    def roles(self) -> dict[str, dict[str, Any]]:
        """Every network with its role (``trained`` or ``ema``), whether translation uses it, and its size."""
        used = set(self.inference)
        return {name: {"role": "ema" if name in self.ema else "trained", "inference": name in used,
                       "parameters": _count(net)} for name, net in self.all_networks().items()}

    def parameter_counts(self) -> dict[str, int]:
        return {name: _count(net) for name, net in self.all_networks().items()}

    def inference_parameters(self) -> int:
        """Parameters of the networks one translation in the main direction uses (the board's ``params``)."""
        nets = self.all_networks()
        source, target = self.task_directions(self.task)[0]
        return sum(_count(nets[name]) for name in self.inference_for(source, target))

    def state_dict(self) -> dict[str, Any]:
        return {
            "nets": {k: v.state_dict() for k, v in self.nets.items()},
            "ema": {k: v.state_dict() for k, v in self.ema.items()},
            "optimizers": {k: v.state_dict() for k, v in self.optimizers.items()},
            "schedulers": {k: v.state_dict() for k, v in self.schedulers.items()},
            "pools": {k: v.state_dict() for k, v in self.pools.items()},
            "extra": {k: v.detach().clone() for k, v in self.extra.items()},
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore every group; a group, network or tensor the method does not have (or lacks) is refused by name."""
        for group in _STATE_GROUPS:
            own, saved = getattr(self, group), state.get(group, {})
            missing, unknown = sorted(set(own) - set(saved)), sorted(set(saved) - set(own))
            if missing or unknown:
                raise ConfigError(f"checkpoint does not fit method {self.name!r}: {group} "
                                  + "; ".join(filter(None, [f"missing {missing}" if missing else "",
                                                            f"unknown {unknown}" if unknown else ""])))
        for group in ("nets", "ema"):
            for key, net in getattr(self, group).items():
                result = net.load_state_dict(state[group][key], strict=False)
                if result.missing_keys or result.unexpected_keys:
                    raise ConfigError(f"checkpoint does not fit network {key!r} of method {self.name!r}: "
                                      f"missing {result.missing_keys}, unknown {result.unexpected_keys}")
        for group in ("optimizers", "schedulers"):
            for key, obj in getattr(self, group).items():
                try:
                    obj.load_state_dict(state[group][key])
                except (ValueError, KeyError) as err:
                    raise ConfigError(f"checkpoint does not fit {group[:-1]} {key!r} of method {self.name!r}: "
                                      f"{err}") from None
        for key, pool in self.pools.items():
            pool.load_state_dict(state["pools"][key], self.device)
        for key, value in state["extra"].items():
            self.extra[key] = value.to(self.extra[key].device)

    def step_schedulers(self) -> None:
        for sched in self.schedulers.values():
            sched.step()


def _count(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())

