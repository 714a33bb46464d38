"""Reference rows of domain adaptation: the task classifier trained on source labels only, or on target labels.

PixelDA (Bousmalis et al., CVPR 2017) reports these two bounds: ``source_only`` (the lower one: no adaptation)
and ``target_only`` (the upper one: labelled target images, which adaptation does not have). Both train the
very network PixelDA uses as its task classifier (``bench.nn.digit_classifier``, one private branch) and are
scored through ``classify`` on the labelled target test split; they translate nothing (``translates = False``).
Training follows the official ``baselines/baseline_train.py`` (tensorflow/models, research/domain_adaptation/
pixel_domain_adaptation): softmax cross-entropy, Adam 1e-3 (β₁ 0.5), L2 1e-5 on the weights, batch 32, lr × 0.95
every 20k steps, N(0, 0.02) init (the slim arg-scope of the PixelDA model). Deviation: the official evaluation
restores an exponential moving average (0.9999) of the weights; these rows score the weights themselves, like
PixelDA's classifier here.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn.functional as F

from bench.data.tasks import Task
from bench.method import Method, Official
from bench.nn.digit_classifier import DigitClassifier
from bench.nn.init import init_weights
from bench.nn.schedules import step_decay


class ClassifierBaseline(Method):
    """A digit classifier trained with the labels of one domain (``trained_on``: "A" source, "B" target)."""

    settings = frozenset({"unpaired"})
    directions = "a2b"
    translates = False
    needs_labels = True
    paper = "Bousmalis et al., CVPR 2017 (reference rows)"
    code = "tensorflow/models research/domain_adaptation/pixel_domain_adaptation/baselines"
    trained_on: ClassVar[str] = "A"
    modes = ()
    embedded_steps = 300
    official = Official({"C": 359_290}, 32, "tensorflow/models research/domain_adaptation (pixelda_task_towers.py, "
                        "task_tower mnist, one private first layer)")

    @classmethod
    def hparams(cls, task: Task, profile: str = "paper") -> dict:
        hp = {"batch_size": 32, "lr": 1e-3, "beta1": 0.5, "beta2": 0.999, "weight_decay": 1e-5,
              "lr_decay_every": 20000, "lr_decay_rate": 0.95, "num_classes": 10, "init_std": 0.02}
        return hp

    def __init__(self, task: Task, hparams: dict, device: torch.device | str = "cpu", steps: int = 1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        self.C = self.to_device(init_weights(DigitClassifier(3, hp["num_classes"], task.image_size), "normal",
                                             hp["init_std"]))
        self.nets = {"C": self.C}
        weights = [p for p in self.C.parameters() if p.dim() > 1]
        biases = [p for p in self.C.parameters() if p.dim() <= 1]
        self.optimizers = {"C": torch.optim.Adam([{"params": weights, "weight_decay": hp["weight_decay"]},
                                                  {"params": biases, "weight_decay": 0.0}],
                                                 hp["lr"], betas=(hp["beta1"], hp["beta2"]))}
        self.schedulers = {"C": step_decay(self.optimizers["C"], hp["lr_decay_every"], hp["lr_decay_rate"])}

    def train_step(self, batch: dict, step: int) -> dict[str, float]:
        self.C.train()
        logits = self.C(batch[self.trained_on])
        loss = F.cross_entropy(logits, batch[f"label_{self.trained_on}"])
        self.optimizers["C"].zero_grad(set_to_none=True)
        loss.backward()
        self.optimizers["C"].step()
        return {"task": loss.item()}

    @torch.no_grad()
    def classify(self, x: torch.Tensor) -> torch.Tensor:
        self.C.eval()
        return self.C(x)


class SourceOnly(ClassifierBaseline):
    """Lower bound: the classifier trained on labelled source images alone, applied to the target domain."""

    name = "source_only"
    supervision = "source labels"
    trained_on = "A"


class TargetOnly(ClassifierBaseline):
    """Upper bound: the classifier trained on labelled target images (labels adaptation methods never see)."""

    name = "target_only"
    supervision = "target labels"
    trained_on = "B"
