"""A suite config (config/config.yaml): which tasks, methods and seeds run, with what budgets and settings.

The Snakefile and the CLI read configs through these functions, so a bad key, method or value is found
before any job runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bench.errors import BenchError, ConfigError

Config = dict[str, Any]


@dataclass(frozen=True)
class Job:
    """One training run of the suite: a (task, method, seed) with its profile, budget and overrides."""

    task: str
    method: str
    seed: int
    steps: int
    profile: str = "embedded"
    hparams: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def run(self) -> str:
        return f"{self.task}/{self.method}/seed{self.seed}"


def load_config(path: str | Path) -> Config:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        return yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None


def _as_config(config: Config | str | Path) -> Config:
    return config if isinstance(config, dict) else load_config(config)


def _settings(cfg: Config, method: str, task: str | None) -> list[dict]:
    """The settings blocks that apply, weakest first: default, the method's, the task × method's."""
    per_method = cfg.get("method_settings") or {}
    blocks = [per_method.get("default") or {}, per_method.get(method) or {}]
    if task is not None:
        blocks.append(((cfg.get("task_method_settings") or {}).get(task) or {}).get(method) or {})
    return blocks


def config_profile(config: Config | str | Path) -> str:
    """The method profile a suite config selects (``embedded`` unless it says otherwise)."""
    return str(_as_config(config).get("profile", "embedded"))


def config_weight_average(config: Config | str | Path) -> float:
    """The fraction of training the suite's weight averages span (``bench.averaging``); 0: no averaging."""
    return float(_as_config(config).get("weight_average", 0.0))


def method_overrides(config: Config | str | Path, method: str, task: str | None = None) -> dict[str, Any]:
    """The hyper-parameters the suite config sets for ``method`` (on ``task``) over the method's profile."""
    out: dict[str, Any] = {}
    for block in _settings(_as_config(config), method, task)[1:]:
        out.update(block.get("hparams") or {})
    return out


def method_steps(config: Config | str | Path, method: str, task: str | None = None) -> int | None:
    """The training budget the suite config sets for ``method`` (on ``task``); None: the profile's own."""
    steps = None
    for block in _settings(_as_config(config), method, task):
        steps = block.get("steps", steps)
    return None if steps is None else int(steps)


def selected_methods(config: Config, task_name: str) -> list[str]:
    """The config's methods that can train on ``task_name`` ("all": every registered one, minus exclusions)."""
    from bench.data.tasks import get_task
    from bench.registry import get_method, registry

    task = get_task(task_name, config.get("image_size"))
    chosen = config.get("methods", "all")
    excluded = set(config.get("exclude_methods") or [])
    for name in excluded | (set() if chosen == "all" else set(chosen)):
        get_method(name)
    names = list(registry()) if chosen == "all" else list(chosen)
    return [m for m in names if m not in excluded and get_method(m).supports(task)]


def plan(config: Config) -> list[Job]:
    """Every training job of the suite, each validated (task, method, profile, budget, overrides).

    A budget is the config's ``steps`` where it sets one, else the method's profile budget × ``budget_scale``.
    """
    from bench.data.user_tasks import register_tasks_file
    from bench.train import make_spec

    if config.get("tasks_file"):
        register_tasks_file(config["tasks_file"])
    profile = config_profile(config)
    scale = float(config.get("budget_scale", 1.0))
    jobs = []
    for task in config.get("tasks") or []:
        for method in selected_methods(config, task):
            overrides = method_overrides(config, method, task)
            steps = method_steps(config, method, task)
            try:
                spec = make_spec(task, method, 0, steps, overrides, config.get("image_size"), profile, scale,
                                 weight_average=config_weight_average(config))
            except BenchError as err:
                raise ConfigError(f"config, {task} × {method}: {err}") from None
            jobs.extend(Job(task, method, int(seed), spec.steps, profile, overrides) for seed in config.get("seeds", [0]))
    if not jobs:
        raise ConfigError("the config selects no (task, method) pair to run")
    return jobs
