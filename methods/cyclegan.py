"""CycleGAN (Zhu et al., "Unpaired Image-to-Image Translation using Cycle-Consistent Adversarial Networks", ICCV 2017).

Official code: junyanz/pytorch-CycleGAN-and-pix2pix (``cycle_gan_model.py``, ``networks.py``).
Two ResNet generators (9 blocks at 256 px, 6 below; instance norm; no dropout) and two 70×70 PatchGANs;
LSGAN; cycle λ_A = λ_B = 10; identity 0.5 (the repo's default); a 50-image history pool for each D;
Adam 2e-4 (0.5, 0.999), one optimiser for both Gs and one for both Ds; G step first, then D step with the
halved D loss; lr constant for the first half of the budget, then linear decay to zero (100 + 100 epochs in
iterations). Embedded profile: ngf = ndf = 16, 4 residual blocks, batch 8, 250 steps. Deviation: the PatchGAN
loses layers below 32 px so that its output stays at least 1×1.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from bench.method import Method, Official
from bench.nn import (GANLoss, ImagePool, NLayerDiscriminator, ResnetGenerator, init_weights, linear_decay,
                      patchgan_layers, resnet_blocks, set_requires_grad)


class CycleGAN(Method):
    name = "cyclegan"
    settings = frozenset({"unpaired"})
    directions = "both"
    paper = "Zhu et al., ICCV 2017"
    code = "junyanz/pytorch-CycleGAN-and-pix2pix"
    inference = ("G_A", "G_B")
    embedded_steps = 250
    paper_epochs = 200  # 100 + 100 decay
    official = Official({"G_A": 11_378_179, "G_B": 11_378_179, "D_A": 2_764_737, "D_B": 2_764_737}, 256,
                        "junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: resnet_9blocks, basic PatchGAN")

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 1, "lr": 2e-4, "beta1": 0.5, "beta2": 0.999, "ngf": 64, "ndf": 64,
              "n_blocks": resnet_blocks(task.image_size), "norm": "instance", "use_dropout": False,
              "n_layers_d": patchgan_layers(task.image_size), "lambda_A": 10.0, "lambda_B": 10.0,
              "lambda_idt": 0.5, "pool_size": 50, "gan_mode": "lsgan", "init": "normal", "init_gain": 0.02,
              "decay_start": 0.5}
        if profile == "embedded":
            hp.update(ngf=16, ndf=16, n_blocks=4, batch_size=8)
        return hp

    def inference_for(self, source, target):
        return ("G_A",) if (source, target) == (0, 1) else ("G_B",)

    def make_generator(self) -> torch.nn.Module:
        """The generator network; subclasses that keep CycleGAN's objective swap this (e.g. GANILLA)."""
        hp = self.hp
        return ResnetGenerator(3, 3, hp["ngf"], hp["norm"], hp["use_dropout"], hp["n_blocks"])

    def make_discriminator(self) -> torch.nn.Module:
        hp = self.hp
        return NLayerDiscriminator(3, hp["ndf"], hp["n_layers_d"], hp["norm"])

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        init = lambda net: self.to_device(init_weights(net, hp["init"], hp["init_gain"]))  # noqa: E731
        self.G_A, self.G_B = init(self.make_generator()), init(self.make_generator())
        self.D_A, self.D_B = init(self.make_discriminator()), init(self.make_discriminator())
        self.nets = {"G_A": self.G_A, "G_B": self.G_B, "D_A": self.D_A, "D_B": self.D_B}
        betas = (hp["beta1"], hp["beta2"])
        self.optimizers = {
            "G": torch.optim.Adam(itertools.chain(self.G_A.parameters(), self.G_B.parameters()), hp["lr"], betas=betas),
            "D": torch.optim.Adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters()), hp["lr"], betas=betas),
        }
        self.schedulers = {k: linear_decay(o, self.steps, hp["decay_start"]) for k, o in self.optimizers.items()}
        self.pools = {"fake_A": ImagePool(hp["pool_size"]), "fake_B": ImagePool(hp["pool_size"])}
        self.gan = GANLoss(hp["gan_mode"])

    def _d_loss(self, D: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        loss = 0.5 * (self.gan(D(real), True) + self.gan(D(fake.detach()), False))
        loss.backward()
        return loss

    def train_step(self, batch, step):
        hp = self.hp
        real_a, real_b = batch["A"], batch["B"]
        fake_b, fake_a = self.G_A(real_a), self.G_B(real_b)
        rec_a, rec_b = self.G_B(fake_b), self.G_A(fake_a)
        set_requires_grad([self.D_A, self.D_B], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        losses = {}
        if hp["lambda_idt"] > 0:
            losses["idt_A"] = F.l1_loss(self.G_A(real_b), real_b) * hp["lambda_B"] * hp["lambda_idt"]
            losses["idt_B"] = F.l1_loss(self.G_B(real_a), real_a) * hp["lambda_A"] * hp["lambda_idt"]
        losses["G_A"] = self.gan(self.D_A(fake_b), True, for_d=False)
        losses["G_B"] = self.gan(self.D_B(fake_a), True, for_d=False)
        losses["cycle_A"] = F.l1_loss(rec_a, real_a) * hp["lambda_A"]
        losses["cycle_B"] = F.l1_loss(rec_b, real_b) * hp["lambda_B"]
        sum(losses.values()).backward()
        self.optimizers["G"].step()
        set_requires_grad([self.D_A, self.D_B], True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        losses["D_A"] = self._d_loss(self.D_A, real_b, self.pools["fake_B"].query(fake_b))
        losses["D_B"] = self._d_loss(self.D_B, real_a, self.pools["fake_A"].query(fake_a))
        self.optimizers["D"].step()
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        return (self.G_A if (source, target) == (0, 1) else self.G_B)(x)
