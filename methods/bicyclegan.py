"""BicycleGAN (Zhu et al., "Toward Multimodal Image-to-Image Translation", NeurIPS 2017).

Official code: junyanz/BicycleGAN (``bicycle_gan_model.py``, ``networks.py``; defaults of ``base_options.py`` /
``train_options.py`` and ``scripts/train_*.sh``). Networks: a U-Net generator that sees the latent code z
(nz = 8) at every level (``unet_256``, ``where_add=all``, instance norm, transposed-conv upsampling, dropout as
the training scripts' ``--use_dropout``); a ResNet encoder E (``resnet_256``) giving μ and log σ²; two
discriminators D (cVAE-GAN half) and D2 (cLR-GAN half), each a 2-scale PatchGAN pyramid (``basic_256_multi``,
instance norm, unconditional: they see B only); xavier init, gain 0.02.

Objective, on a batch split into halves (A₁, B₁) and (A₂, B₂): z_enc = μ + ε·σ from E(B₁) and z ~ N(0, I);
G and E minimise LSGAN(D(G(A₁, z_enc))) + LSGAN(D2(G(A₁, z))) + 10·‖B₁ − G(A₁, z_enc)‖₁
+ 0.01·KL (summed over batch and dimensions); then G alone (E frozen) the latent regression
0.5·‖μ(E(G(A₁, z))) − z‖₁; E and G step; then D (B₁ vs G(A₁, z_enc)) and D2 (B₂ vs G(A₁, z)) with the unhalved
LSGAN loss. Adam 2e-4 (0.5, 0.999), one optimiser per network; batch 2; lr constant for the first half of the
budget, then linear decay to zero (the scripts' niter = niter_decay, in iterations). Translation runs the
networks in eval mode (dropout off, as ``test.py``). Modes: ``latent`` draws z ~ N(0, I) from the harness's
per-image noise; ``reference`` encodes a target-domain image, z = μ(E(reference)) (the paper's "encoded" results).
Embedded profile: ngf = ndf = nef = 16, batch 16, 450 steps, and lr 5e-4 (2.5× the paper's, listed in the board's
notes: at 2e-4 the generator is still far from converged after the embedded budget).

Deviations (all inactive at 256 px, where each network equals the official one parameter for parameter):
- The U-Net depth is log2(size) (the official code has only ``unet_256`` / ``unet_128`` and needs ≥ 6 levels);
  widths and dropout follow the same rule, so below 64 px there are no dropout levels.
- The encoder keeps log2(size) − 4 residual blocks (4 at 256, 3 at 128, as ``resnet_256`` / ``resnet_128``;
  at least 1) and replaces the fixed AvgPool(8) by a global average pool, which is the same on the 8×8 map
  every size from 32 px leaves and still defined below.
- A discriminator scale whose input is too small for 3 PatchGAN layers loses layers (the harness's PatchGAN
  rule): at 32 px the second scale (16 px) has 2.
- The discriminators reuse the harness's PatchGAN, which drops conv biases before a batch norm; the official
  pyramid keeps them. Identical with the paper's instance norm.
- Latent z comes from the harness's per-image noise (the official test draws it from the global CPU generator),
  so the same seed gives the same outputs whatever ran before and whatever shares the batch.
- The harness owns the data: resize/crop/flip follow the task, not ``load_size=286``; ``batch_size`` must be even.
Implementation note: the latent regression runs E on G(A₁, z) with E's parameters frozen, after the G/E
backward; the official code computes that μ in its forward pass and freezes E only for this backward. Both give
the same gradients.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from bench.errors import ConfigError
from bench.method import Method, Official
from bench.nn.encoder import ResnetEncoder, resnet_encoder_blocks
from bench.nn.init import init_weights
from bench.nn.losses import GANLoss, set_requires_grad
from bench.nn.multiscale import MultiScalePatchGAN
from bench.nn.schedules import linear_decay
from bench.nn.unet import unet_depth
from bench.nn.unet_z import UnetZGenerator


class BicycleGAN(Method):
    name = "bicyclegan"
    settings = frozenset({"paired"})
    paper = "Zhu et al., NeurIPS 2017"
    code = "junyanz/BicycleGAN"
    supervision = "paired"
    modes = ("latent", "reference")
    inference = ("G", "E")
    embedded_steps = 450
    paper_epochs = {"facades": 400, "edges2shoes": 60, "edges2handbags": 60}  # niter + niter_decay of the scripts
    official = Official({"G": 54_794_627, "E": 2_590_032, "D": 3_458_978, "D2": 3_458_978}, 256,
                        "junyanz/BicycleGAN@40b9d52 models/networks.py: unet_256 (where_add=all, nz 8), resnet_256, "
                        "basic_256_multi with num_Ds 2, instance norm")

    def inference_for(self, source, target):
        return ("G",)  # E only encodes references

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 2, "lr": 2e-4, "beta1": 0.5, "beta2": 0.999, "nz": 8, "ngf": 64, "ndf": 64,
                "nef": 64, "norm": "instance", "use_dropout": True, "depth": unet_depth(task.image_size),
                "e_blocks": resnet_encoder_blocks(task.image_size), "n_layers_d": 3, "num_d": 2,
                "lambda_l1": 10.0, "lambda_kl": 0.01, "lambda_z": 0.5, "lambda_gan": 1.0, "lambda_gan2": 1.0,
                "gan_mode": "lsgan", "init": "xavier", "init_gain": 0.02, "decay_start": 0.5}
        if profile == "embedded":
            hp.update(ngf=16, ndf=16, nef=16, batch_size=16, lr=5e-4)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        if hp["batch_size"] % 2:
            raise ConfigError(f"bicyclegan splits each batch into a cVAE-GAN and a cLR-GAN half; batch_size must be "
                              f"even, got {hp['batch_size']}")
        init = lambda net: self.to_device(init_weights(net, hp["init"], hp["init_gain"]))  # noqa: E731
        size = task.image_size
        self.G = init(UnetZGenerator(3, 3, hp["nz"], hp["depth"], hp["ngf"], hp["norm"], hp["use_dropout"]))
        self.E = init(ResnetEncoder(3, hp["nz"], hp["nef"], hp["e_blocks"], hp["norm"]))
        self.D = init(MultiScalePatchGAN(3, hp["ndf"], hp["n_layers_d"], hp["norm"], hp["num_d"], size))
        self.D2 = init(MultiScalePatchGAN(3, hp["ndf"], hp["n_layers_d"], hp["norm"], hp["num_d"], size))
        self.nets = {"G": self.G, "E": self.E, "D": self.D, "D2": self.D2}
        betas = (hp["beta1"], hp["beta2"])
        self.optimizers = {k: torch.optim.Adam(net.parameters(), hp["lr"], betas=betas) for k, net in self.nets.items()}
        self.schedulers = {k: linear_decay(o, self.steps, hp["decay_start"])
                           for k, o in self.optimizers.items()}
        self.gan = GANLoss(hp["gan_mode"])

    def _d_loss(self, D: torch.nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
        """Unhalved LSGAN loss of one discriminator (summed over its scales), backpropagated."""
        loss = self.gan(D(fake.detach()), False) + self.gan(D(real), True)
        loss.backward()
        return loss

    def train_step(self, batch, step):
        hp = self.hp
        half = batch["A"].size(0) // 2
        real_a, real_b, real_b2 = batch["A"][:half], batch["B"][:half], batch["B"][half:]
        self.G.train()
        self.E.train()
        mu, logvar = self.E(real_b)
        z_enc = mu + torch.randn(mu.shape, device=mu.device) * logvar.mul(0.5).exp()
        z_rand = torch.randn(half, hp["nz"], device=self.device)
        fake_enc, fake_rand = self.G(real_a, z_enc), self.G(real_a, z_rand)
        # G and E: adversarial terms of both halves, reconstruction and KL.
        set_requires_grad([self.D, self.D2], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        self.optimizers["E"].zero_grad(set_to_none=True)
        losses = {"G_GAN": self.gan(self.D(fake_enc), True, for_d=False) * hp["lambda_gan"],
                  "G_GAN2": self.gan(self.D2(fake_rand), True, for_d=False) * hp["lambda_gan2"],
                  "G_L1": F.l1_loss(fake_enc, real_b) * hp["lambda_l1"],
                  "kl": torch.sum(1 + logvar - mu.pow(2) - logvar.exp()) * (-0.5 * hp["lambda_kl"])}
        sum(losses.values()).backward(retain_graph=True)
        # G alone: latent regression through a frozen E (the official code keeps E out of this term).
        set_requires_grad(self.E, False)
        mu_rand, _ = self.E(fake_rand)
        losses["z_L1"] = F.l1_loss(mu_rand, z_rand) * hp["lambda_z"]
        losses["z_L1"].backward()
        set_requires_grad(self.E, True)
        self.optimizers["E"].step()
        self.optimizers["G"].step()
        # D on the cVAE-GAN half, D2 on the cLR-GAN half (its reals are the second half's B).
        set_requires_grad([self.D, self.D2], True)
        for key, D, real, fake in (("D", self.D, real_b, fake_enc), ("D2", self.D2, real_b2, fake_rand)):
            self.optimizers[key].zero_grad(set_to_none=True)
            losses[key] = self._d_loss(D, real, fake)
            self.optimizers[key].step()
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        z = self.E(reference)[0] if mode == "reference" else noise.randn(self.hp["nz"])
        return self.G(x, z)
