"""Source-only and target-only reference rows; every adaptation method trains on training images only."""

from __future__ import annotations

import pytest
import torch

from bench.data.loader import to_float
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.describe import describe
from bench.registry import registry
from bench.train import load_checkpoint, make_spec, train
from bench.translate import translate_run
from methods.adaptation_baselines import SourceOnly, TargetOnly
from methods.pixelda import PixelDA

TINY = {
    "source_only": {"batch_size": 4},
    "target_only": {"batch_size": 4},
    "pixelda": {"resnet_filters": 8, "resnet_blocks": 1, "ndf": 8, "batch_size": 4},
    "cogan": {"ngf": 8, "d_widths": [4, 8, 16], "batch_size": 4, "invert_steps": 2},
}


def test_registered_as_classifier_rows_that_translate_nothing():
    methods = registry()
    for cls in (SourceOnly, TargetOnly):
        assert methods[cls.name] is cls
        assert cls.translates is False
    assert (SourceOnly.trained_on, TargetOnly.trained_on) == ("A", "B")
    assert SourceOnly.modes == TargetOnly.modes == () and not SourceOnly.multimodal()


def test_same_classifier_as_pixelda():
    # bench.nn.digit_classifier.DigitClassifier: DANN's MNIST tower as tensorflow/models pixelda_task_towers.py
    # (task_tower=mnist) builds it, with one private first layer (PixelDA keeps two: source and transferred).
    private = 3 * 32 * 25 + 32
    classifier = describe("source_only", 32)["parameters"]
    assert classifier == describe("target_only", 32)["parameters"]
    assert describe("pixelda", 32)["parameters"]["T"] == classifier["C"] + private
    assert PixelDA.official.counts["T"] == SourceOnly.official.counts["C"] + private
    task = get_task("hand2mnistm", 16)
    baseline = SourceOnly(task, SourceOnly.hparams(task))
    assert type(baseline.C) is type(PixelDA(task, {**PixelDA.hparams(task), **TINY["pixelda"]}).T)


def test_each_row_learns_from_its_own_domain_labels():
    task = get_task("hand2mnistm", 16)
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    labels = torch.tensor([1, 2, 3, 4])
    source = SourceOnly(task, SourceOnly.hparams(task))
    target = TargetOnly(task, TargetOnly.hparams(task))
    # The other domain's labels are absent: each row must not need them.
    assert source.train_step({"A": x, "label_A": labels, "B": x, "label_B": None}, 0)["task"] > 0
    assert target.train_step({"A": x, "label_A": None, "B": x, "label_B": labels}, 0)["task"] > 0
    assert source.classify(x).shape == target.classify(x).shape == (4, 10)


def test_trains_scores_and_writes_no_translations(digits_root, tmp_path):
    spec = make_spec("hand2mnistm", "target_only", 0, 4, TINY["target_only"], image_size=16)
    train(spec, tmp_path, data_root=digits_root, progress=False, threads=1)
    result = translate_run(tmp_path, tmp_path / "translations.pt", data_root=digits_root, progress=False)
    assert result["entries"] == {} and result["modes"] == []
    assert not (tmp_path / "samples.png").exists()
    _, method, _ = load_checkpoint(tmp_path, torch.device("cpu"), digits_root)
    target = read_split(method.task, "test", digits_root).sets[1]
    logits = method.classify(to_float(target.images))
    accuracy = (logits.argmax(1) == target.labels).float().mean().item()
    assert logits.shape == (len(target), 10) and 0.0 <= accuracy <= 1.0


@pytest.mark.parametrize("name", sorted(TINY))
def test_train_step_never_sees_a_test_image(name, digits_root, tmp_path, monkeypatch):
    """Accuracy is scored on the target test split, so no test image may reach training, in either domain."""
    cls = registry()[name]
    seen: set[str] = set()
    original = cls.train_step

    def recording(self, batch, step):
        seen.update(batch["ids_A"], batch["ids_B"])
        return original(self, batch, step)

    monkeypatch.setattr(cls, "train_step", recording)
    task = get_task("hand2mnistm", 16)
    steps = 12  # 48 draws per domain from the 320 training images
    train(make_spec(task.name, name, 0, steps, TINY[name], image_size=16), tmp_path, data_root=digits_root,
          progress=False, threads=1)
    test_ids = {i for s in read_split(task, "test", digits_root).sets for i in s.ids}
    train_ids = {i for s in read_split(task, "train", digits_root).sets for i in s.ids}
    assert len(seen) > 40 and seen <= train_ids
    assert not seen & test_ids
