"""A method shipped by a third-party package (registered through the ``i2ibench.methods`` entry point).

The conformance suite installs it from a temporary folder. It uses every part of the v2 contract that the
built-in methods may not: multi-domain batches with target domains and reference pairs, an EMA network used for
translation, a network built in ``setup`` from the first batch, method-owned extra state, and both latent and
reference modes.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from bench.method import Method, Official

STYLE_DIM = 4


class ColourStyle(Method):
    """Each output pixel is a 1×1 mix of the input colour and a style colour (from noise or a reference)."""

    name = "zz_plugin"
    settings = frozenset({"unpaired", "multidomain"})
    directions = "all"
    modes = ("latent", "reference")
    batch = frozenset({"target_domain", "reference_pair"})
    inference = ("style", "mix_ema")
    ema_beta = 0.9
    embedded_steps = 6
    paper_iterations = 100
    official = Official({"mix": 21, "style": 15, "head": 12}, 16,
                        "this module: Conv2d(6, 3, 1), Linear(4, 3), Conv2d(3, 3, 1) built in setup")
    paper = "conformance plugin"

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 8, "lr": 0.05, "style_weight": 1.0}
        if profile == "embedded":
            hp.update(batch_size=4)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        self.mix = self.to_device(nn.Conv2d(6, 3, 1))
        self.style = self.to_device(nn.Linear(STYLE_DIM, 3))
        self.nets = {"mix": self.mix, "style": self.style}
        self.add_ema("mix_ema", "mix")
        self.extra = {"seen": torch.zeros((), dtype=torch.long, device=self.device)}

    def setup(self, first_batch):
        """A colour head shaped by the data's channels; the optimiser then covers every trained network."""
        channels = (first_batch["x"] if "x" in first_batch else first_batch["A"]).shape[1]
        self.head = self.to_device(nn.Conv2d(channels, 3, 1))
        self.nets["head"] = self.head
        params = itertools.chain(*(net.parameters() for net in self.nets.values()))
        self.optimizers = {"all": torch.optim.SGD(params, self.hp["lr"])}

    def _apply(self, mix: nn.Module, x: torch.Tensor, colour: torch.Tensor) -> torch.Tensor:
        return torch.tanh(mix(torch.cat([x, colour[:, :, None, None].expand_as(x)], 1)))

    def train_step(self, batch, step):
        if "x" in batch:
            x, ref = batch["x"], batch["x_ref"]
            assert batch["x_ref2"].shape == ref.shape and batch["target_domain"].shape == (x.size(0),)
        else:
            x, ref = batch["A"], batch["B"]
        colour = ref.mean((2, 3))
        out = self._apply(self.mix, self.head(x), colour)
        z_colour = self.style(torch.randn(x.size(0), STYLE_DIM, device=self.device))
        loss = F.mse_loss(out.mean((2, 3)), colour) + self.hp["style_weight"] * F.mse_loss(z_colour, colour)
        self.optimizers["all"].zero_grad(set_to_none=True)
        loss.backward()
        self.optimizers["all"].step()
        self.extra["seen"] += x.size(0)
        return {"colour": loss.item()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        colour = reference.mean((2, 3)) if mode == "reference" else self.style(noise.randn(STYLE_DIM))
        return self._apply(self.ema["mix_ema"], self.head(x), colour)
