"""Pix2Pix: translated one image at a time in training mode, as the official test.py, whatever the batch."""

from __future__ import annotations

from pathlib import Path

import torch

from bench.describe import probe_task
from bench.inference import translate_batch
from bench.train import make_spec, train
from bench.translate import translate_run
from methods.pix2pix import Pix2Pix

TINY = {"ngf": 8, "ndf": 8, "batch_size": 4}


def test_test_translations_are_byte_identical_with_batch_1_and_64(digits_root: Path, tmp_path: Path) -> None:
    spec = make_spec("hand2mnistm_paired", "pix2pix", 0, 3, TINY, image_size=16)
    train(spec, tmp_path / "run", data_root=digits_root, progress=False, threads=1)
    one, many = (translate_run(tmp_path / "run", tmp_path / f"b{b}.pt", batch_size=b, k=3, n_diverse=5,
                               data_root=digits_root, progress=False) for b in (1, 64))
    for key, entry in one["entries"].items():
        assert torch.equal(entry["images"], many["entries"][key]["images"]), key
        assert torch.equal(entry["samples"], many["entries"][key]["samples"]), key


def test_test_time_dropout_varies_with_the_seed_and_not_with_the_batch() -> None:
    # From 64 px the U-Net has dropout levels (one at 64, three at 256); below it has none, so the embedded 32-px
    # board measures pix2pix's diversity as 0.
    task = probe_task("paired", 64)
    model = Pix2Pix(task, {**Pix2Pix.hparams(task), "ngf": 8, "ndf": 8})
    x = torch.rand(4, 3, 64, 64, generator=torch.Generator().manual_seed(0)) * 2 - 1
    run = dict(source=0, target=1, mode="latent", keys=[0, 1, 2, 3])
    batched, again, other = (translate_batch(model, x, seed=s, **run) for s in (0, 0, 1))
    assert torch.equal(batched, again) and not torch.equal(batched, other)
    alone = translate_batch(model, x[2:3], source=0, target=1, mode="latent", seed=0, keys=[2])
    assert torch.equal(alone[0], batched[2])


def test_keeps_training_mode_unless_told_otherwise() -> None:
    from bench.data.tasks import get_task

    task = get_task("hand2mnistm_paired", 16)
    assert Pix2Pix(task, {**Pix2Pix.hparams(task), **TINY}).keeps_train_mode
    assert not Pix2Pix(task, {**Pix2Pix.hparams(task), **TINY, "eval_mode": True}).keeps_train_mode
