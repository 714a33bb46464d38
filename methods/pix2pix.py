"""Pix2Pix (Isola et al., "Image-to-Image Translation with Conditional Adversarial Networks", CVPR 2017).

Official code: junyanz/pytorch-CycleGAN-and-pix2pix (``pix2pix_model.py``, ``networks.py``).
U-Net generator (depth log2(size), batch norm, dropout in the three 8ngf decoder blocks at 256) and a
conditional 70×70 PatchGAN on the (A, B) pair; NSGAN + λ=100 L1; Adam 2e-4 (0.5, 0.999); D step, then G
step; lr constant for the first half of the budget, then linear decay to zero (the repo's 100 + 100 epochs,
expressed in iterations). As in the paper and the repo's default, translation runs the generator in training
mode (batch norm on the image's own statistics, dropout on): the harness translates one image at a time, as the
repo's ``test.py`` does, and seeds each image's dropout, so outputs vary with the seed (mode ``latent``; the
BicycleGAN paper's "pix2pix+noise"; below 64 px the U-Net has no dropout level, so the diversity measured there
is 0). ``eval_mode=true`` calls ``.eval()`` instead (outputs then ignore the seed).
Embedded profile: ngf = ndf = 16, batch 16, 400 steps. Deviation: the PatchGAN loses layers below 32 px so that
its output stays at least 1×1 (3 layers from 32 px).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bench.method import Method, Official
from bench.nn import (GANLoss, NLayerDiscriminator, UnetGenerator, init_weights, linear_decay, patchgan_layers,
                      set_requires_grad, unet_depth)


class Pix2Pix(Method):
    name = "pix2pix"
    settings = frozenset({"paired"})
    paper = "Isola et al., CVPR 2017"
    code = "junyanz/pytorch-CycleGAN-and-pix2pix"
    supervision = "paired"
    modes = ("latent",)
    inference = ("G",)
    keeps_train_mode = True
    embedded_steps = 400
    paper_epochs = {"default": 200, "edges2shoes": 15, "edges2handbags": 15, "night2day": 17}  # the paper's
    official = Official({"G": 54_413_955, "D": 2_768_705}, 256,
                        "junyanz/pytorch-CycleGAN-and-pix2pix models/networks.py: unet_256, batch norm, dropout; "
                        "basic PatchGAN on 6 channels")

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 1, "lr": 2e-4, "beta1": 0.5, "beta2": 0.999, "ngf": 64, "ndf": 64, "norm": "batch",
              "use_dropout": True, "depth": unet_depth(task.image_size),
              "n_layers_d": patchgan_layers(task.image_size), "lambda_l1": 100.0, "gan_mode": "vanilla",
              "init": "normal", "init_gain": 0.02, "decay_start": 0.5, "eval_mode": False}
        if profile == "embedded":
            hp.update(ngf=16, ndf=16, batch_size=16)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        self.keeps_train_mode = not hp["eval_mode"]
        self.G = self.to_device(init_weights(UnetGenerator(3, 3, hp["depth"], hp["ngf"], hp["norm"], hp["use_dropout"]),
                                             hp["init"], hp["init_gain"]))
        self.D = self.to_device(init_weights(NLayerDiscriminator(6, hp["ndf"], hp["n_layers_d"], hp["norm"]),
                                             hp["init"], hp["init_gain"]))
        self.nets = {"G": self.G, "D": self.D}
        betas = (hp["beta1"], hp["beta2"])
        self.optimizers = {"G": torch.optim.Adam(self.G.parameters(), hp["lr"], betas=betas),
                           "D": torch.optim.Adam(self.D.parameters(), hp["lr"], betas=betas)}
        self.schedulers = {k: linear_decay(o, self.steps, hp["decay_start"]) for k, o in self.optimizers.items()}
        self.gan = GANLoss(hp["gan_mode"])

    def train_step(self, batch, step):
        real_a, real_b = batch["A"], batch["B"]
        self.G.train()
        fake_b = self.G(real_a)
        set_requires_grad(self.D, True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        loss_d_fake = self.gan(self.D(torch.cat([real_a, fake_b.detach()], 1)), False)
        loss_d_real = self.gan(self.D(torch.cat([real_a, real_b], 1)), True)
        loss_d = 0.5 * (loss_d_fake + loss_d_real)
        loss_d.backward()
        self.optimizers["D"].step()
        set_requires_grad(self.D, False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        loss_g_gan = self.gan(self.D(torch.cat([real_a, fake_b], 1)), True, for_d=False)
        loss_g_l1 = F.l1_loss(fake_b, real_b) * self.hp["lambda_l1"]
        (loss_g_gan + loss_g_l1).backward()
        self.optimizers["G"].step()
        return {"D_real": loss_d_real.item(), "D_fake": loss_d_fake.item(), "G_GAN": loss_g_gan.item(),
                "G_L1": loss_g_l1.item()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        return self.G(x)
