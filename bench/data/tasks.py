"""Task registry: what each task's setting, domains, image size and files are."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from bench.defaults import data_root
from bench.errors import ConfigError

SETTINGS = ("paired", "unpaired", "multidomain", "attributes")
LAYOUTS = {"paired": "pix2pix", "unpaired": "cyclegan", "multidomain": "multidomain", "attributes": "attributes"}
MULTI_TARGET = ("multidomain", "attributes")  # settings scored as the mean over all their directions
# StarGAN's CelebA attributes (yunjey/stargan main.py --selected_attrs); the hair colours are one-hot.
CELEBA_ATTRIBUTES = ("Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young")
CELEBA_HAIR = ("Black_Hair", "Blond_Hair", "Brown_Hair")


def attribute_domains(attributes: tuple[str, ...]) -> tuple[str, ...]:
    """The test-set domains of an attribute task: per attribute, the images without it, then those with it."""
    return tuple(name for a in attributes for name in (f"not_{a}", a))


@dataclass(frozen=True)
class Task:
    """A translation task: a setting, its domains and where its images live.

    For two-domain tasks ``domains[0]`` is the source side A and ``domains[1]`` the target side B of the
    main direction (A→B). ``board`` names the test set a task is scored on: tasks that share a test set
    meet on one leaderboard. An ``attributes`` task (StarGAN's CelebA) labels each image with a binary vector over
    ``attributes``, of which those in ``exclusive`` are one-hot (hair colours); it is given no domains: they are
    ``attribute_domains(attributes)``, and direction ``(2j, 2j + 1)`` turns attribute j on, ``(2j + 1, 2j)`` off.
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
    test_split: str = "test"  # the folder (prefix) of the split that is scored: some sets ship only val/
    attributes: tuple[str, ...] = ()
    exclusive: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.setting not in SETTINGS:
            raise ConfigError(f"task {self.name!r}: setting {self.setting!r} is not one of {SETTINGS}")
        if self.setting == "attributes":
            if not self.attributes or self.domains not in ((), attribute_domains(self.attributes)):
                raise ConfigError(f"task {self.name!r}: an attributes task names its attributes and no domains (they "
                                  "are derived: attribute_domains(attributes))")
            object.__setattr__(self, "domains", attribute_domains(self.attributes))
            if not set(self.exclusive) <= set(self.attributes):
                raise ConfigError(f"task {self.name!r}: exclusive attributes {list(self.exclusive)} are not all "
                                  f"among {list(self.attributes)}")
        elif self.setting != "multidomain" and len(self.domains) != 2:
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
        """Every ordered (source, target) domain pair; the first is the main direction. Attribute tasks: each
        attribute turned on, and off where it is not one of an exclusive group."""
        if self.setting == "attributes":
            return [d for j, a in enumerate(self.attributes)
                    for d in ([(2 * j, 2 * j + 1)] + ([] if a in self.exclusive else [(2 * j + 1, 2 * j)]))]
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

# Standard datasets of the paper suite (downloaded on first use). Training-set sizes where the papers state them;
# otherwise counted from the files once the set is in place (``bench.data.readers.train_images``).
_PAPER = dict(image_size=256, load_size=286, labels=False, flip=True, suite="paper")


def _paper_task(name: str, setting: str, domains: tuple[str, str], description: str, **kw) -> Task:
    return register_task(Task(name, setting, domains, path=name, dataset=name, description=description,
                              **{**_PAPER, **kw}))


_paper_task("facades", "paired", ("labels", "photo"), "CMP Facades, labels → photo (pix2pix, BicycleGAN, LPTN "
            "as paired; pix2pix trains it BtoA)", swap_ab=True, train_size=400)
_paper_task("cityscapes", "paired", ("labels", "photo"), "Cityscapes, labels → photo (pix2pix, BtoA; scored on "
            "val)", swap_ab=True, train_size=2975, test_split="val")
_paper_task("maps", "paired", ("aerial", "map"), "Google Maps, aerial photo → map (pix2pix; scored on val)",
            train_size=1096, test_split="val")
_paper_task("edges2shoes", "paired", ("edges", "shoes"), "UT Zappos50K edges → shoes (pix2pix, BicycleGAN; scored "
            "on val)", test_split="val")
_paper_task("edges2handbags", "paired", ("edges", "handbags"), "iGAN handbags, edges → photo (pix2pix, BicycleGAN; "
            "scored on val)", test_split="val")
_paper_task("night2day", "paired", ("night", "day"), "Transient Attributes webcams, night → day (pix2pix, "
            "BicycleGAN)")
_paper_task("horse2zebra", "unpaired", ("horse", "zebra"), "ImageNet horses ↔ zebras (CycleGAN, CUT, DCLGAN, "
            "NICE-GAN, GANILLA)", train_size=1334)
_paper_task("apple2orange", "unpaired", ("apple", "orange"), "ImageNet apples ↔ oranges (CycleGAN)")
_paper_task("summer2winter_yosemite", "unpaired", ("summer", "winter"), "Flickr Yosemite summer ↔ winter "
            "(CycleGAN, NICE-GAN)")
for _painter in ("monet", "cezanne", "ukiyoe", "vangogh"):
    _paper_task(f"{_painter}2photo", "unpaired", (_painter, "photo"), f"{_painter} paintings ↔ Flickr landscapes "
                "(CycleGAN; GANILLA's illustration sets are not public)")
_paper_task("cyclegan_maps", "unpaired", ("aerial", "map"), "the maps set unpaired (CycleGAN)", train_size=1096)
_paper_task("cyclegan_cityscapes", "unpaired", ("photo", "labels"), "the Cityscapes set unpaired (CycleGAN, CUT, "
            "DCLGAN)", train_size=2975)
_paper_task("cyclegan_facades", "unpaired", ("photo", "labels"), "the facades set unpaired (CycleGAN)",
            train_size=400)
_paper_task("iphone2dslr_flower", "unpaired", ("iphone", "dslr"), "Flickr flowers, iPhone ↔ DSLR depth of field "
            "(CycleGAN)")
register_task(Task("afhq", "multidomain", ("cat", "dog", "wild"), 256, 256, False, True, "afhq", "paper",
                   dataset="afhq", test_split="val", description="Animal Faces-HQ, cat / dog / wild (StarGAN v2, "
                   "TUNIT; user-supplied; scored on val)"))
register_task(Task("celeba_hq", "multidomain", ("female", "male"), 256, 256, False, True, "celeba_hq", "paper",
                   dataset="celeba_hq", test_split="val", description="CelebA-HQ, female / male (StarGAN v2; "
                   "user-supplied; scored on val)"))
register_task(Task("celeba", "attributes", (), 128, 128, False, True, "celeba",
                   "paper", dataset="celeba", attributes=CELEBA_ATTRIBUTES, exclusive=CELEBA_HAIR,
                   description="CelebA, 5 attributes: hair black / blond / brown, male, young (StarGAN; torchvision's "
                   "download; 1,999 test images by StarGAN's split)"))
for _name, _domains, _paper in (("mnist2usps", ("mnist", "usps"), "CoGAN, PixelDA"), ("usps2mnist", ("usps", "mnist"),
                                 "CoGAN"), ("svhn2mnist", ("svhn", "mnist"), "PixelDA's SVHN experiments"),
                                ("mnist2mnistm", ("mnist", "mnistm"), "PixelDA")):
    register_task(Task(_name, "unpaired", _domains, 32, 32, True, False, _name, "paper", dataset=_name,
                       description=f"digit adaptation, {_domains[0]} → {_domains[1]} with labels ({_paper}; "
                                   + ("MNIST-M made from MNIST and BSDS500)" if "mnistm" in _domains
                                      else "torchvision's downloads)")))
