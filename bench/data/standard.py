"""Registry of the standard datasets of the paper suite, with published addresses and checksums."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from bench.data.attributes import build_celeba
from bench.data.download import DatasetEntry, download_dataset
from bench.data.torchvision_digits import PAIRS, build_pair, source_name
from bench.defaults import data_root
from bench.errors import ConfigError

CYCLEGAN_URL = "http://efrosgans.eecs.berkeley.edu/cyclegan/datasets/{}.zip"
PIX2PIX_URL = "http://efrosgans.eecs.berkeley.edu/pix2pix/datasets/{}.tar.gz"

_DATASETS: dict[str, DatasetEntry] = {}


def register_dataset(entry: DatasetEntry) -> DatasetEntry:
    _DATASETS[entry.name] = entry
    return entry


def get_dataset(name: str) -> DatasetEntry:
    try:
        return _DATASETS[name]
    except KeyError:
        raise ConfigError(f"unknown dataset {name!r}; known datasets: {', '.join(sorted(_DATASETS))}") from None


def all_datasets() -> list[DatasetEntry]:
    return sorted(_DATASETS.values(), key=lambda e: e.name)


def ensure_dataset(name: str, root: str | Path | None = None, archive: str | Path | None = None) -> Path:
    """Download (on first use) or take ``archive``, verify and extract a registered dataset under the data root;
    it must hold the split folders of every task that uses it."""
    from bench.data.readers import split_folders
    from bench.data.tasks import all_tasks

    entry = get_dataset(name)
    expect = tuple(dict.fromkeys(str(folder) for task in all_tasks() if task.dataset == name
                                 for split in ("train", "test") for folder in split_folders(task, split, Path())))
    return download_dataset(entry, data_root(root), archive, expect)


PIX2PIX_SETS = ("facades", "cityscapes", "maps", "edges2shoes", "edges2handbags", "night2day")
# bytes and SHA-256 of the CycleGAN archives as recorded by TensorFlow Datasets (url_checksums/cycle_gan.txt)
CYCLEGAN_SETS = {
    "apple2orange": (78456409, "845a191e9af8926408ea597001cd03a452e3300a1f44a79fe329b3d59f6e3eb8"),
    "cezanne2photo": (279885071, "3a6c10ca21f9485862f1cbd707744b9dc258954a04631271d23a3605eeb63cff"),
    "cityscapes": (279601602, "d2f6910fd056c1ee9873777ae838e7ac4a2c833598ae62a04188e5ab2f4ea036"),
    "facades": (35135868, "9a31ebf3a31b9b5cd195dd5bf62e9308e00cb94604d1019e3889ac84248695c0"),
    "horse2zebra": (116867962, "a74d9d392eecca9966b51287a76ca126af473d9de4f3e8fc0e9cda08fa1730a1"),
    "iphone2dslr_flower": (339964458, "8fcb5e374d631b107e1d961b8c4cd0a186aa2a4ff3e279923f4c426128de7113"),
    "maps": (1476754427, "639534f69dbf9f36bef8d6292a7698006361221f83f0285d7c9ca78afe6e8a9e"),
    "monet2photo": (305231073, "88f91b00fc228f97c9411fbf1880ec1d119c98f1722e4cfcfaa2fb35fac05b04"),
    "summer2winter_yosemite": (132640856, "167fe1726807a9d22bd106b4a6c0bd7953b688af924ac1bf967439c4961e49f9"),
    "ukiyoe2photo": (292946532, "02a2a2fb5ecf425ca1bf86aca7304377da64a2a1d3b86df54eb65e4068bf3b08"),
    "vangogh2photo": (306590349, "362c3473e70be0944bda08d49d660eafdc2854df55d697835b8186d1d79caaff"),
}


def cyclegan_name(name: str) -> str:
    """The registry name of a CycleGAN archive: its own, or cyclegan_<name> where a pix2pix set has that name."""
    return f"cyclegan_{name}" if name in PIX2PIX_SETS else name


# pix2pix archives: no published checksum, so the first download is recorded (trust on first use).
for _name in PIX2PIX_SETS:
    register_dataset(DatasetEntry(_name, PIX2PIX_URL.format(_name), None, "tar.gz", "pix2pix"))
for _name, (_size, _sha) in CYCLEGAN_SETS.items():
    register_dataset(DatasetEntry(cyclegan_name(_name), CYCLEGAN_URL.format(_name), _sha, "zip", "cyclegan", _size))
# StarGAN v2's sets: the addresses its download.sh names no longer serve them.
register_dataset(DatasetEntry(
    "afhq", "", None, "", "multidomain", manual="get AFHQ (clovaai/stargan-v2, 'Animal Faces-HQ'; its Dropbox link is "
    "disabled upstream, mirrors exist on Kaggle and Hugging Face) and give its archive to `python -m bench data fetch "
    "afhq --archive afhq.zip`, or unpack it so that afhq/train/<cat|dog|wild>/ and afhq/val/<cat|dog|wild>/ hold the "
    "images, under the data root"))
register_dataset(DatasetEntry(
    "celeba_hq", "", None, "", "multidomain", manual="get StarGAN v2's CelebA-HQ (clovaai/stargan-v2, "
    "celeba_hq.zip; its Dropbox link is disabled upstream) and give it to `python -m bench data fetch celeba_hq "
    "--archive celeba_hq.zip`, or unpack it so that celeba_hq/train/<female|male>/ and celeba_hq/val/<female|male>/ "
    "hold the images, under the data root"))
# The digit adaptation pairs (CoGAN, PixelDA), written from torchvision's MNIST, USPS and SVHN (and MNIST-M made
# from MNIST and BSDS500).
for _name, (_a, _b) in PAIRS.items():
    register_dataset(DatasetEntry(
        _name, f"{source_name(_a)} + {source_name(_b)}", None, "", "cyclegan", build=partial(build_pair, _name),
        verified_by="torchvision's MD5s of its sources" + ("; BSDS500 recorded on first download"
                                                          if "mnistm" in (_a, _b) else "")))
register_dataset(DatasetEntry("celeba", "torchvision.datasets.CelebA (Google Drive)", None, "", "attributes",
                              build=build_celeba, verified_by="torchvision's MD5s of its files"))
