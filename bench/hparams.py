"""Hyper-parameter overrides (``--set key=value``): parsed as YAML scalars, checked against the defaults."""

from __future__ import annotations

from typing import Any

import yaml

from bench.errors import ConfigError


def parse_assignments(pairs: list[str] | None) -> dict[str, Any]:
    """``["lr=1e-4", "norm=batch"]`` → ``{"lr": 0.0001, "norm": "batch"}``."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set {pair!r}: expected key=value")
        try:
            out[key.strip()] = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            raise ConfigError(f"--set {pair!r}: cannot parse the value") from None
    return out


def _coerce(key: str, value: Any, default: Any, owner: str) -> Any:
    if default is None or value is None:
        return value
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
    elif isinstance(default, int):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif isinstance(default, float):
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):  # YAML reads "2e-4" (no dot) as a string
            try:
                return float(value)
            except ValueError:
                pass
    elif isinstance(default, (list, tuple)):
        if isinstance(value, (list, tuple)):
            return type(default)(value)
    elif isinstance(value, type(default)):
        return value
    raise ConfigError(f"{owner}: {key}={value!r} should be a {type(default).__name__} like the default {default!r}")


def apply_overrides(defaults: dict[str, Any], overrides: dict[str, Any], owner: str) -> dict[str, Any]:
    """Defaults updated by overrides; an unknown key or a value of the wrong type is refused by name."""
    unknown = sorted(set(overrides) - set(defaults))
    if unknown:
        raise ConfigError(f"{owner}: unknown hyper-parameter(s) {', '.join(unknown)}; "
                          f"known: {', '.join(sorted(defaults))}")
    out = dict(defaults)
    for key, value in overrides.items():
        out[key] = _coerce(key, value, defaults[key], owner)
    return out
