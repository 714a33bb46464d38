"""Task registry: what each task's setting, domains, image size and files are."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from bench.defaults import data_root
from bench.errors import ConfigError

SETTINGS = ("paired", "unpaired", "multidomain")
LAYOUTS = {"paired": "pix2pix", "unpaired": "cyclegan", "multidomain": "multidomain"}


@dataclass(frozen=True)
class Task:
    """A translation task: a setting, its domains and where its images live.

    For two-domain tasks ``domains[0]`` is the source side A and ``domains[1]`` the target side B of the
    main direction (A→B). ``board`` names the test set a task is scored on: tasks that share a test set
    meet on one leaderboard.
    """

    name: str
    setting: str
    domains: tuple[str, ...]
    image_size: int
    load_size: int
    labels: bool
    flip: bool
    path: str
    suite: str
    dataset: str | None = None
    swap_ab: bool = False
    board: str = ""
    description: str = ""
    train_size: int | None = None  # images per training epoch (the larger domain of an unpaired set)

    def __post_init__(self) -> None:
        if self.setting not in SETTINGS:
            raise ConfigError(f"task {self.name!r}: setting {self.setting!r} is not one of {SETTINGS}")
        if self.setting != "multidomain" and len(self.domains) != 2:
            raise ConfigError(f"task {self.name!r}: a {self.setting} task has exactly two domains")
        if self.load_size < self.image_size:
            raise ConfigError(f"task {self.name!r}: load_size {self.load_size} < image_size {self.image_size}")
        if not self.board:
            object.__setattr__(self, "board", self.name)

    @property
    def layout(self) -> str:
        return LAYOUTS[self.setting]

    @property
    def directions(self) -> list[tuple[int, int]]:
        """Every ordered (source, target) domain pair; the first is the main direction."""
        n = len(self.domains)
        return [(s, t) for s in range(n) for t in range(n) if s != t]

    def root(self, root: str | Path | None = None) -> Path:
        return data_root(root) / self.path

    def with_image_size(self, image_size: int) -> "Task":
        """The same task at another image size (load size scaled in proportion)."""
        load = round(self.load_size * image_size / self.image_size)
        return dataclasses.replace(self, image_size=image_size, load_size=load)

    def spec(self) -> dict:
        return dataclasses.asdict(self)


_TASKS: dict[str, Task] = {}


def register_task(task: Task) -> Task:
    _TASKS[task.name] = task
    return task


def get_task(name: str, image_size: int | None = None) -> Task:
    """Look a task up by name, optionally at another image size."""
    try:
        task = _TASKS[name]
    except KeyError:
        known = ", ".join(sorted(_TASKS))
        raise ConfigError(f"unknown task {name!r}; known tasks: {known}") from None
    if image_size is not None and image_size != task.image_size:
        if image_size < 8 or image_size % 4:
            raise ConfigError(f"task {name!r}: image size {image_size} must be a multiple of 4 and at least 8")
        task = task.with_image_size(image_size)
    return task


def all_tasks() -> list[Task]:
    return sorted(_TASKS.values(), key=lambda t: (t.suite, t.name))


# The embedded digits suite (built by `python -m bench data digits`).
register_task(Task("hand2mnistm", "unpaired", ("hand", "mnistm"), 32, 32, True, False, "hand2mnistm", "digits",
                   description="scikit-learn handwritten digits → MNIST-M style (unpaired, labelled)"))
register_task(Task("hand2mnistm_paired", "paired", ("hand", "mnistm"), 32, 32, True, False, "hand2mnistm_paired",
                   "digits", board="hand2mnistm",
                   description="the same pairs aligned (B is the MNIST-M rendering of A); test set of hand2mnistm"))
register_task(Task("digits3", "multidomain", ("hand", "mnistm", "syn"), 32, 32, True, False, "digits3", "digits",
                   description="three digit domains: handwritten, MNIST-M, synthetic fonts"))

# Standard datasets of the paper suite (downloaded on first use).
register_task(Task("facades", "paired", ("labels", "photo"), 256, 286, False, True, "facades", "paper",
                   dataset="facades", swap_ab=True, train_size=400,
                   description="CMP Facades, labels → photo (pix2pix trains it BtoA)"))
register_task(Task("horse2zebra", "unpaired", ("horse", "zebra"), 256, 286, False, True, "horse2zebra", "paper",
                   dataset="horse2zebra", train_size=1334, description="ImageNet horses ↔ zebras (CycleGAN)"))
