"""Method discovery: every Method subclass in ``methods/``, in $I2IBENCH_METHOD_PATH folders, and in the
``i2ibench.methods`` entry-point group is registered by its ``name``."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import sys
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path
from types import ModuleType

from bench.errors import ConfigError
from bench.method import BATCH_STREAMS, DIRECTIONS, MODES, Method

ENTRY_POINT_GROUP = "i2ibench.methods"
METHOD_PATH_ENV = "I2IBENCH_METHOD_PATH"


def _methods_in(module: ModuleType) -> list[type[Method]]:
    return [obj for obj in vars(module).values()
            if inspect.isclass(obj) and issubclass(obj, Method) and obj is not Method and obj.name
            and obj.__module__ == module.__name__]


def _check(cls: type[Method], origin: str) -> None:
    if cls.directions not in DIRECTIONS:
        raise ConfigError(f"{origin}: method {cls.name!r} has directions {cls.directions!r}; expected {DIRECTIONS}")
    if not cls.settings:
        raise ConfigError(f"{origin}: method {cls.name!r} declares no settings")
    if any(m not in MODES for m in cls.modes) or (cls.translates and not cls.modes):
        raise ConfigError(f"{origin}: method {cls.name!r} has modes {cls.modes!r}; expected some of {MODES}")
    if not set(cls.batch) <= BATCH_STREAMS:
        raise ConfigError(f"{origin}: method {cls.name!r} asks for batch streams {sorted(set(cls.batch) - BATCH_STREAMS)}"
                          f"; known: {sorted(BATCH_STREAMS)}")


def _load_file(path: Path) -> ModuleType:
    name = f"i2ibench_extra_methods.{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _modules() -> list[tuple[str, ModuleType]]:
    import methods

    found = [(f"methods/{info.name}.py", importlib.import_module(f"methods.{info.name}"))
             for info in pkgutil.iter_modules(methods.__path__)]
    for folder in filter(None, os.environ.get(METHOD_PATH_ENV, "").split(os.pathsep)):
        for path in sorted(Path(folder).glob("*.py")):
            found.append((str(path), _load_file(path)))
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        obj = ep.load()
        found.append((f"entry point {ep.name}", obj if isinstance(obj, ModuleType) else _wrap(obj)))
    return found


def _wrap(cls: type) -> ModuleType:
    module = ModuleType(cls.__module__)
    setattr(module, cls.__name__, cls)
    return module


@lru_cache(maxsize=1)
def registry() -> dict[str, type[Method]]:
    """All registered methods by name (discovered once per process)."""
    out: dict[str, type[Method]] = {}
    for origin, module in _modules():
        for cls in _methods_in(module):
            _check(cls, origin)
            if cls.name in out and out[cls.name] is not cls:
                raise ConfigError(f"{origin}: method name {cls.name!r} is already taken by "
                                  f"{out[cls.name].__module__}")
            out[cls.name] = cls
    return dict(sorted(out.items()))


def get_method(name: str) -> type[Method]:
    methods = registry()
    try:
        return methods[name]
    except KeyError:
        raise ConfigError(f"unknown method {name!r}; known methods: {', '.join(methods)}") from None
