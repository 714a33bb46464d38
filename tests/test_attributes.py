"""Attribute tasks (StarGAN's CelebA): the build from torchvision's files with StarGAN's split, the test split as
the images without and with each attribute, the edits the directions ask for, and StarGAN trained, translated and
scored on a tiny CelebA through the CLI."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import torch
import torchvision
from PIL import Image

from bench.data.attributes import (CELEBA_SPLIT_SEED, build_celeba, celeba_files, edit_attributes,
                                   unpack_celeba_images)
from bench.data.loader import BatchSampler
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.describe import describe
from bench.errors import DataError, UnsafeArchiveError
from methods.stargan import StarGAN

NAMES = ["5_o_Clock_Shadow", "Black_Hair", "Blond_Hair", "Brown_Hair", "Male", "Young"]  # CelebA's order
N_IMAGES, N_TEST = 48, 24


def tiny_celeba(cache: Path) -> tuple[Path, list[str], torch.Tensor, list[str]]:
    """What celeba_files gives, for 48 small faces: one hair colour each, male and young alternating."""
    folder = cache / "img_align_celeba"
    folder.mkdir(parents=True, exist_ok=True)
    files, rows = [], []
    for i in range(N_IMAGES):
        hair = i % 3
        attrs = [i % 2, int(hair == 0), int(hair == 1), int(hair == 2), (i // 3) % 2, (i // 2) % 2]
        name = f"{i + 1:06d}.jpg"
        Image.new("RGB", (18, 22), (40 + 90 * hair, 60 + 120 * attrs[4], 50 + 130 * attrs[5])).save(folder / name)
        files.append(name)
        rows.append(attrs)
    return folder, files, torch.tensor(rows), NAMES


@pytest.fixture(scope="module")
def celeba_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("celeba-data")
    build_celeba(root / "celeba", root / ".sources", load=tiny_celeba, test_size=N_TEST)
    return root


def test_the_build_holds_out_stargans_test_images_with_their_attributes(celeba_root: Path) -> None:
    order = list(range(N_IMAGES))
    random.Random(CELEBA_SPLIT_SEED).shuffle(order)
    test = sorted(p.name for p in (celeba_root / "celeba" / "test").glob("*.jpg"))
    assert test == sorted(f"{i + 1:06d}.jpg" for i in order[:N_TEST])
    assert len(list((celeba_root / "celeba" / "train").glob("*.jpg"))) == N_IMAGES - N_TEST
    lines = (celeba_root / "celeba" / "test" / "attributes.csv").read_text().splitlines()
    assert lines[0] == "file," + ",".join(NAMES)
    first = lines[1].split(",")
    i = int(first[0][:6]) - 1
    assert first[1:] == [str(v) for v in tiny_celeba(celeba_root / "again")[2][i].tolist()]


def test_a_refused_google_drive_download_says_where_to_put_the_files(monkeypatch, tmp_path: Path) -> None:
    def refuse(*args, **kwargs):
        raise RuntimeError("Too many users have viewed or downloaded this file recently")

    monkeypatch.setattr(torchvision.datasets, "CelebA", refuse)
    with pytest.raises(DataError, match=r"Google Drive .*gdown.*img_align_celeba\.zip.*" + str(tmp_path / "celeba")):
        celeba_files(tmp_path)


def test_a_hand_placed_image_archive_is_unpacked_for_torchvision(tmp_path: Path) -> None:
    base = tmp_path / "celeba"
    base.mkdir()
    with zipfile.ZipFile(base / "img_align_celeba.zip", "w") as zf:
        zf.writestr("img_align_celeba/000001.jpg", b"jpeg bytes")
    unpack_celeba_images(base)
    assert (base / "img_align_celeba" / "000001.jpg").read_bytes() == b"jpeg bytes"
    assert sorted(p.name for p in base.iterdir()) == ["img_align_celeba", "img_align_celeba.zip"]


def test_an_image_archive_escaping_its_folder_extracts_nothing(tmp_path: Path) -> None:
    base = tmp_path / "celeba"
    base.mkdir()
    with zipfile.ZipFile(base / "img_align_celeba.zip", "w") as zf:
        zf.writestr("img_align_celeba/000001.jpg", b"jpeg bytes")
        zf.writestr("../evil.txt", b"x")
    with pytest.raises(UnsafeArchiveError, match="outside the target folder"):
        unpack_celeba_images(base)
    assert sorted(p.name for p in base.iterdir()) == ["img_align_celeba.zip"] and not (tmp_path / "evil.txt").exists()


def test_the_test_split_is_the_images_without_and_with_each_attribute(celeba_root: Path) -> None:
    task = get_task("celeba", 16)
    test = read_split(task, "test", celeba_root)
    assert [s.domain for s in test.sets] == list(task.domains)
    assert task.domains[:2] == ("not_Black_Hair", "Black_Hair")
    for j in range(len(task.attributes)):
        without, with_ = test.sets[2 * j], test.sets[2 * j + 1]
        assert len(without) + len(with_) == N_TEST
        assert (without.attrs[:, j] == 0).all() and (with_.attrs[:, j] == 1).all()
    # hair colours are exclusive, so only turned on; male and young both ways
    assert task.directions == [(0, 1), (2, 3), (4, 5), (6, 7), (7, 6), (8, 9), (9, 8)]


def test_an_edit_sets_one_attribute_and_a_hair_colour_replaces_the_others() -> None:
    task = get_task("celeba")
    black_male = torch.tensor([[1, 0, 0, 1, 0]], dtype=torch.uint8)
    assert edit_attributes(task, black_male, 3).tolist() == [[0.0, 1.0, 0.0, 1.0, 0.0]]  # → blond
    assert edit_attributes(task, black_male, 6).tolist() == [[1.0, 0.0, 0.0, 0.0, 0.0]]  # male off
    assert edit_attributes(task, black_male, 9).tolist() == [[1.0, 0.0, 0.0, 1.0, 1.0]]  # young on


def test_stargan_on_celeba_has_the_official_celeba_networks() -> None:
    info = describe("stargan", None, profile="paper", task_name="celeba")
    assert info["image_size"] == 128 and info["parameters"] == StarGAN.official.counts == {"G": 8_430_528,
                                                                                          "D": 44_762_048}


def test_batches_carry_attribute_vectors_and_stargan_classifies_them_with_bce(celeba_root: Path) -> None:
    task = get_task("celeba", 16)
    train = read_split(task, "train", celeba_root)
    batch = BatchSampler(train, 4, seed=0).batch(0)
    assert batch["x"].shape == (4, 3, 16, 16) and batch["attrs"].shape == (4, 5)
    assert batch["attrs"].dtype == torch.float32
    torch.manual_seed(0)
    model = StarGAN(task, {**StarGAN.hparams(task), "ngf": 8, "ndf": 8, "n_res": 1, "batch_size": 4}, "cpu", 10)
    logits = model.D(batch["x"])[1]
    expected = torch.nn.functional.binary_cross_entropy_with_logits(logits, batch["attrs"], reduction="sum") / 4
    torch.testing.assert_close(model._classification(logits, batch["attrs"]), expected)
    assert model.train_step(batch, 0)["D_cls"] == pytest.approx(expected.item(), rel=1e-5)


def test_stargan_trains_translates_and_scores_on_celeba_attributes(celeba_root: Path, random_inception: Path,
                                                                   torch_home: Path, tmp_path: Path) -> None:
    run = tmp_path / "run"
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TORCH_HOME": str(torch_home)}
    common = ["--data-root", str(celeba_root), "--quiet"]
    subprocess.run([sys.executable, "-m", "bench", "train", "--task", "celeba", "--method", "stargan",
                    "--image-size", "32", "--steps", "5", "--profile", "embedded", "--out", str(run), *common,
                    "--threads", "1"],
                   check=True, env=env, capture_output=True)
    result = subprocess.run([sys.executable, "-m", "bench", "evaluate", "--run", str(run), "--translate",
                             "--translations", str(run / "translations.pt"), "--out", str(run / "metrics.json"),
                             "--inception-weights", str(random_inception), "--pairs", "all", "--k", "2", "--n", "2",
                             "--kid-subsets", "2", *common, "--threads", "2"],  # Inception at 299 px: both cores
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((run / "metrics.json").read_text())
    assert metrics["supervision"] == "attribute labels"
    directions = metrics["rows"][0]["directions"]
    assert list(directions) == ["not_Black_Hair→Black_Hair", "not_Blond_Hair→Blond_Hair",
                                "not_Brown_Hair→Brown_Hair", "not_Male→Male", "Male→not_Male", "not_Young→Young",
                                "Young→not_Young"]
    mean_fid = sum(d["fid"] for d in directions.values()) / len(directions)
    assert metrics["rows"][0]["metrics"]["fid"] == pytest.approx(mean_fid)
    translations = torch.load(run / "translations.pt", weights_only=True)
    assert translations["entries"]["6>7:deterministic"]["images"].shape[1:] == (3, 32, 32)


def test_a_streamed_attribute_split_gives_the_held_batches(celeba_root: Path) -> None:
    task = get_task("celeba", 16)
    held, streamed = (BatchSampler(read_split(task, "train", celeba_root, stream=s), 4, seed=3) for s in (False, True))
    for step in (0, 5):
        a, b = held.batch(step), streamed.batch(step)
        assert torch.equal(a["x"], b["x"]) and torch.equal(a["attrs"], b["attrs"]) and a["ids"] == b["ids"]
