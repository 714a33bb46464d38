"""Your own tasks from YAML: a folder of images in one of the three layouts becomes a task with no Python.

A task names its folder (``path``) or an archive of it (``url``, with its ``sha256``), which is downloaded into the
data root on first use like a standard dataset.

A tasks file (schema: ``bench/data/tasks.schema.yaml``) is named by a suite config's ``tasks_file`` or by the
environment variable ``$I2IBENCH_TASKS``; the workflow sets the variable for its jobs, so every ``python -m bench``
verb knows the tasks.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import yaml

from bench.data.download import DatasetEntry, archive_kind
from bench.data.standard import all_datasets, register_dataset
from bench.data.tasks import LAYOUTS, Task, get_task, register_task
from bench.errors import ConfigError

TASKS_ENV = "I2IBENCH_TASKS"
SCHEMA = Path(__file__).with_name("tasks.schema.yaml")
USER_SUITE = "user"


def _where(error: jsonschema.ValidationError) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".") or "(top)"


def declared_tasks(path: str | Path) -> list[tuple[Task, DatasetEntry | None]]:
    """The tasks a file declares with the archive each downloads from (if any), validated field by field; an
    error names the file, the task and the field."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: tasks file not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML ({err})") from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(yaml.safe_load(SCHEMA.read_text())).iter_errors(data))
    if error is not None:
        raise ConfigError(f"{path}: {_where(error)}: {error.message}")
    return [_task(entry, path) for entry in data["tasks"]]


def read_tasks_file(path: str | Path) -> list[Task]:
    """The tasks a file declares (see ``declared_tasks``)."""
    return [task for task, _ in declared_tasks(path)]


def _task(entry: dict, path: Path) -> tuple[Task, DatasetEntry | None]:
    name, setting, domains = entry["name"], entry["setting"], tuple(entry["domains"])
    where = f"{path}: task {name!r}"
    if entry.get("layout", LAYOUTS[setting]) != LAYOUTS[setting]:
        raise ConfigError(f"{where}: layout {entry['layout']!r} does not hold a {setting} task (that is "
                          f"{LAYOUTS[setting]!r})")
    if setting != "multidomain" and len(domains) != 2:
        raise ConfigError(f"{where}: domains: a {setting} task has exactly two domains, got {list(domains)}")
    if len(set(domains)) != len(domains):
        raise ConfigError(f"{where}: domains: names repeat in {list(domains)}")
    if entry.get("swap_ab") and setting != "paired":
        raise ConfigError(f"{where}: swap_ab applies to paired tasks only")
    if ("path" in entry) == ("url" in entry):
        raise ConfigError(f"{where}: give either path (a folder of images) or url (an archive of one), not "
                          f"{'both' if 'path' in entry else 'neither'}")
    if "sha256" in entry and "url" not in entry:
        raise ConfigError(f"{where}: sha256 checks a downloaded archive; the task has no url")
    dataset = None
    if "url" in entry:
        url = entry["url"]
        dataset = DatasetEntry(name, url, entry.get("sha256"), archive_kind(Path(urlsplit(url).path)), LAYOUTS[setting],
                               entry.get("size"), mirrored=False)
        folder = Path(name)  # under the data root
    else:
        folder = Path(entry["path"]).expanduser()
        folder = folder if folder.is_absolute() else (path.parent / folder).resolve()
    task = Task(name, setting, domains, entry["image_size"], entry.get("load_size", entry["image_size"]),
                entry.get("labels", False), entry.get("flip", False), str(folder), USER_SUITE,
                dataset=name if dataset else None, swap_ab=entry.get("swap_ab", False),
                description=entry.get("description", f"declared in {path}"), train_size=entry.get("train_size"))
    return task, dataset


def register_tasks_file(path: str | Path) -> list[Task]:
    """Register a file's tasks (and the archives they download); a name that a built-in task or another dataset
    already has is refused."""
    declared = declared_tasks(path)
    datasets = {entry.name: entry for entry in all_datasets()}
    for task, dataset in declared:
        try:
            known = get_task(task.name)
        except ConfigError:
            known = None
        if known is not None and known.suite != USER_SUITE:
            raise ConfigError(f"{path}: task {task.name!r}: the name of a registered task; choose another")
        if dataset is not None and datasets.get(dataset.name, dataset) != dataset:
            raise ConfigError(f"{path}: task {task.name!r}: the name of another dataset; choose another")
        if dataset is not None:
            register_dataset(dataset)
        register_task(task)
    return [task for task, _ in declared]


def register_env_tasks() -> list[Task]:
    """Register the tasks of ``$I2IBENCH_TASKS`` if it names a file."""
    path = os.environ.get(TASKS_ENV)
    return register_tasks_file(path) if path else []
