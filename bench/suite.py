"""Reading a suite config (config/config.yaml): per-method and per-task budgets and hyper-parameters."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from bench.errors import ConfigError


@lru_cache(maxsize=8)
def _load(path: str) -> dict:
    file = Path(path)
    if not file.is_file():
        raise ConfigError(f"{path}: config file not found")
    try:
        return yaml.safe_load(file.read_text()) or {}
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None


def _settings(cfg: dict, method: str, task: str | None) -> list[dict]:
    """The settings blocks that apply, weakest first: default, the method's, the task × method's."""
    per_method = cfg.get("method_settings") or {}
    blocks = [per_method.get("default") or {}, per_method.get(method) or {}]
    if task is not None:
        blocks.append(((cfg.get("task_method_settings") or {}).get(task) or {}).get(method) or {})
    return blocks


def method_overrides(config: str | Path, method: str, task: str | None = None) -> dict[str, Any]:
    """The hyper-parameters the suite config sets for ``method`` (on ``task``)."""
    out: dict[str, Any] = {}
    for block in _settings(_load(str(config)), method, task)[1:]:
        out.update(block.get("hparams") or {})
    return out


def method_steps(config: str | Path, method: str, task: str | None = None) -> int:
    """The training budget the suite config gives ``method`` (on ``task``)."""
    steps = None
    for block in _settings(_load(str(config)), method, task):
        steps = block.get("steps", steps)
    if steps is None:
        raise ConfigError(f"{config}: no step budget for method {method!r} (set method_settings.default.steps)")
    return int(steps)
