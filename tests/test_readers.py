"""One reader for every layout, and clear errors for bad input."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from bench.data.readers import read_split
from bench.data.tasks import Task, get_task
from bench.errors import ConfigError, DataError
from tests.helpers import write_cyclegan_folder, write_image, write_pix2pix_folder


def _task(setting: str, path: str, labels: bool = False, **kw) -> Task:
    domains = ("x", "y", "z") if setting == "multidomain" else ("x", "y")
    return Task(f"t-{setting}", setting, domains, 16, 18, labels, True, path, "test", **kw)


def test_reads_the_embedded_suite(digits_root: Path) -> None:
    for name in ("hand2mnistm", "hand2mnistm_paired", "digits3"):
        task = get_task(name, 16)
        train, test = read_split(task, "train", digits_root), read_split(task, "test", digits_root)
        assert len(train.sets) == len(task.domains) and len(test.sets) == len(task.domains)
        for s in test.sets:
            assert s.images.dtype == torch.uint8 and s.images.shape[1:] == (3, 16, 16)
            assert s.labels is not None and len(s.labels) == len(s.ids) == len(s.images)
    paired = read_split(get_task("hand2mnistm_paired", 16), "test", digits_root)
    unpaired = read_split(get_task("hand2mnistm", 16), "test", digits_root)
    assert paired.sets[0].ids == unpaired.sets[0].ids
    assert torch.equal(paired.sets[0].images, unpaired.sets[0].images)
    assert torch.equal(paired.sets[1].images, unpaired.sets[1].images)


def test_reads_a_cyclegan_folder(tmp_path: Path) -> None:
    write_cyclegan_folder(tmp_path / "cg", n=3, size=20)
    split = read_split(_task("unpaired", "cg"), "train", tmp_path)
    assert [len(s) for s in split.sets] == [3, 3]
    assert split.sets[0].images.shape == (3, 3, 18, 18)  # train images are kept at the load size
    test = read_split(_task("unpaired", "cg"), "test", tmp_path)
    assert test.sets[1].images.shape == (3, 3, 16, 16)


def test_reads_a_pix2pix_folder_and_its_direction(tmp_path: Path) -> None:
    write_pix2pix_folder(tmp_path / "p2p", n=2, size=16)
    ab = read_split(_task("paired", "p2p"), "test", tmp_path)
    ba = read_split(_task("paired", "p2p", swap_ab=True), "test", tmp_path)
    assert ab.paired and ab.sets[0].ids == ab.sets[1].ids
    assert torch.equal(ab.sets[0].images, ba.sets[1].images)
    assert not torch.equal(ab.sets[0].images, ab.sets[1].images)


def test_labels_csv(tmp_path: Path) -> None:
    write_cyclegan_folder(tmp_path / "cg", n=2)
    for sub in ("testA", "testB"):
        names = sorted(p.name for p in (tmp_path / "cg" / sub).glob("*.png"))
        (tmp_path / "cg" / sub / "labels.csv").write_text("file,label\n" + "".join(f"{n},{i + 3}\n"
                                                                                  for i, n in enumerate(names)))
    test = read_split(_task("unpaired", "cg", labels=True), "test", tmp_path)
    assert test.sets[0].labels.tolist() == [3, 4]


def test_corrupt_image_names_the_file(tmp_path: Path) -> None:
    write_cyclegan_folder(tmp_path / "cg", n=2)
    bad = tmp_path / "cg" / "testA" / "zz_corrupt.png"
    bad.write_bytes(b"this is not an image")
    with pytest.raises(DataError, match="zz_corrupt.png"):
        read_split(_task("unpaired", "cg"), "test", tmp_path)


def test_truncated_image_names_the_file(tmp_path: Path) -> None:
    write_cyclegan_folder(tmp_path / "cg", n=2)
    good = write_image(tmp_path / "big.png", (64, 64), 7).read_bytes()
    (tmp_path / "cg" / "testB" / "zz_truncated.png").write_bytes(good[: len(good) // 2])
    with pytest.raises(DataError, match="zz_truncated.png.*truncated"):
        read_split(_task("unpaired", "cg"), "test", tmp_path)


def test_paired_image_of_wrong_width(tmp_path: Path) -> None:
    write_pix2pix_folder(tmp_path / "p2p", n=2, size=16)
    write_image(tmp_path / "p2p" / "test" / "wide.jpg", (40, 16), 1)
    with pytest.raises(DataError, match=r"wide\.jpg.*twice as wide.*40×16"):
        read_split(_task("paired", "p2p"), "test", tmp_path)


def test_empty_and_missing_domain_folders(tmp_path: Path) -> None:
    write_cyclegan_folder(tmp_path / "cg", n=2)
    for f in (tmp_path / "cg" / "testB").iterdir():
        f.unlink()
    with pytest.raises(DataError, match=r"testB: no images"):
        read_split(_task("unpaired", "cg"), "test", tmp_path)
    (tmp_path / "cg" / "testB").rmdir()
    with pytest.raises(DataError, match=r"testB: folder not found"):
        read_split(_task("unpaired", "cg"), "test", tmp_path)
    with pytest.raises(DataError, match="data for task .* not found"):
        read_split(_task("unpaired", "nowhere"), "test", tmp_path)


def test_labels_naming_missing_files(tmp_path: Path) -> None:
    write_cyclegan_folder(tmp_path / "cg", n=1)
    (tmp_path / "cg" / "testA" / "labels.csv").write_text("file,label\ntestA_0.png,1\nghost.png,2\n")
    with pytest.raises(DataError, match=r"labels\.csv: names files that do not exist: ghost\.png"):
        read_split(_task("unpaired", "cg", labels=True), "test", tmp_path)


def test_unknown_task() -> None:
    with pytest.raises(ConfigError, match="unknown task 'nope'.*hand2mnistm"):
        get_task("nope")


def test_task_at_another_size_scales_the_load_size() -> None:
    task = get_task("horse2zebra", 128)
    assert (task.image_size, task.load_size) == (128, 143)
    with pytest.raises(ConfigError, match="multiple of 4"):
        get_task("horse2zebra", 30)
    assert get_task("hand2mnistm").image_size == 32
