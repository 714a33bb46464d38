"""DiscoGAN (Kim et al., "Learning to Discover Cross-Domain Relations with Generative Adversarial Networks", ICML 2017).

Official code: SKTBrain/DiscoGAN (``discogan/model.py``, ``discogan/image_translation.py``).
Two encoder–decoder generators without skips (conv k4s2 + LReLU(0.2), then conv k4s2 + BN + LReLU doubling
to 8·ngf at a 4×4 map; mirrored ConvT k4s2 + BN + ReLU; ConvT → sigmoid; no conv biases) and two DCGAN-style
discriminators (the same encoder, then a valid 4×4 conv to one logit; layers 2…n also returned for feature
matching). Objective per direction, as in the code: (1 − r)·(0.1·GAN + 0.9·FM) + r·MSE-reconstruction, with
NSGAN (BCE) adversarial terms, feature matching = mean over units of (batch-mean real − batch-mean fake)² on
each returned D layer (the code's HingeEmbeddingLoss with target 1 is this plain mean), and the code's "GAN
curriculum" r = 0.01 for the first 10 000 iterations, then r = 0.5. Both directions are summed; D loss
0.5·(real + fake) per domain. Adam 2e-4, β = (0.5, 0.999), weight decay 1e-5, batch 64, constant lr. One
iteration updates either D (every 3rd, starting with the first) or both Gs, never both. Batch norm always
uses batch statistics (the code never calls ``.eval()``), also at translation.

Deviations:
- The networks see images in [0, 1] as in the code; the harness's [-1, 1] images are mapped in and out
  (x ↦ (x + 1)/2, y ↦ 2y − 1), which is lossless.
- Sizes other than 64 px: the encoders have log2(size) − 2 stride-2 layers (4 at 64 px), so the map still
  reaches 4×4 and D still ends in one logit; widths double up to 8·ngf and stay there.
- D's sigmoid and ``BCELoss`` are fused into ``BCEWithLogits`` (numerically safer, same value).
- The ``extra_layers`` generator variant and the code's "gan"/"recongan" ablations are not offered.
Batch statistics at test time make an output depend on its batch; the harness translates one image at a time,
so each image is normalised by its own statistics. Embedded profile: ngf = ndf = 32, batch 16, 500 steps, and no
GAN curriculum (listed in the board's notes: 10k curriculum iterations exceed the whole embedded budget).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.method import Method, Official
from bench.nn import GANLoss, set_requires_grad, unet_channels


def discogan_downs(image_size: int) -> int:
    """Stride-2 layers that take the image to a 4×4 map: log2(size) − 2 (4 at the paper's 64 px)."""
    n = int(math.log2(image_size))
    if 2**n != image_size or n < 4:
        raise ConfigError(f"DiscoGAN needs a power-of-two image size of at least 16; got {image_size}")
    return n - 2


def _batch_norm(channels: int) -> nn.BatchNorm2d:
    """Batch norm that always normalises with the batch's statistics (the official nets never leave train mode)."""
    return nn.BatchNorm2d(channels, track_running_stats=False)


def _encoder(n_down: int, base: int) -> list[nn.Module]:
    widths = unet_channels(n_down, base)
    layers: list[nn.Module] = [nn.Conv2d(3, widths[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
    for c_in, c_out in zip(widths, widths[1:]):
        layers += [nn.Conv2d(c_in, c_out, 4, 2, 1, bias=False), _batch_norm(c_out), nn.LeakyReLU(0.2, True)]
    return layers


class DiscoGenerator(nn.Module):
    """Encoder to a 4×4 map, mirrored transposed-conv decoder, sigmoid output in [0, 1]."""

    def __init__(self, n_down: int, ngf: int = 64):
        super().__init__()
        widths = unet_channels(n_down, ngf)
        layers = _encoder(n_down, ngf)
        for c_in, c_out in zip(widths[::-1], widths[-2::-1]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), _batch_norm(c_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(widths[0], 3, 4, 2, 1, bias=False), nn.Sigmoid()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class DiscoDiscriminator(nn.Module):
    """DCGAN discriminator: returns one logit per image and the activations of every batch-normed layer."""

    def __init__(self, n_down: int, ndf: int = 64):
        super().__init__()
        layers = _encoder(n_down, ndf)
        self.stem = nn.Sequential(*layers[:2])
        self.blocks = nn.ModuleList(nn.Sequential(*layers[i:i + 3]) for i in range(2, len(layers), 3))
        self.head = nn.Conv2d(unet_channels(n_down, ndf)[-1], 1, 4, 1, 0, bias=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
        h = self.stem(x)
        feats = []
        for block in self.blocks:
            h = block(h)
            feats.append(h)
        return self.head(h).flatten(1), feats


def feature_matching(real: list[torch.Tensor], fake: list[torch.Tensor]) -> torch.Tensor:
    """Σ over layers of mean over units of (batch-mean real − batch-mean fake)²."""
    return sum(((r.mean(0) - f.mean(0)) ** 2).mean() for r, f in zip(real, fake))


class DiscoGAN(Method):
    name = "discogan"
    settings = frozenset({"unpaired"})
    directions = "both"
    paper = "Kim et al., ICML 2017"
    code = "SKTBrain/DiscoGAN"
    inference = ("G_A", "G_B")
    keeps_train_mode = True
    embedded_steps = 500
    official = Official({"G_A": 5_513_856, "G_B": 5_513_856, "D_A": 2_765_568, "D_B": 2_765_568}, 64,
                        "SKTBrain/DiscoGAN discogan/model.py: Generator, Discriminator at 64 px")

    def inference_for(self, source, target):
        return ("G_B",) if (source, target) == (0, 1) else ("G_A",)

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 64, "lr": 2e-4, "beta1": 0.5, "beta2": 0.999, "weight_decay": 1e-5, "ngf": 64,
              "ndf": 64, "n_down": discogan_downs(task.image_size), "gan_curriculum": 10000,
              "starting_rate": 0.01, "default_rate": 0.5, "update_interval": 3, "gan_weight": 0.1,
              "fm_weight": 0.9}
        if profile == "embedded":
            hp.update(ngf=32, ndf=32, batch_size=16, gan_curriculum=0)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        # Naming as in the code: G_B maps A→B and D_B judges domain B.
        self.G_B = self.to_device(DiscoGenerator(hp["n_down"], hp["ngf"]))
        self.G_A = self.to_device(DiscoGenerator(hp["n_down"], hp["ngf"]))
        self.D_A = self.to_device(DiscoDiscriminator(hp["n_down"], hp["ndf"]))
        self.D_B = self.to_device(DiscoDiscriminator(hp["n_down"], hp["ndf"]))
        self.nets = {"G_A": self.G_A, "G_B": self.G_B, "D_A": self.D_A, "D_B": self.D_B}
        adam = dict(lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), weight_decay=hp["weight_decay"])
        self.optimizers = {
            "G": torch.optim.Adam(itertools.chain(self.G_A.parameters(), self.G_B.parameters()), **adam),
            "D": torch.optim.Adam(itertools.chain(self.D_A.parameters(), self.D_B.parameters()), **adam),
        }
        self.gan = GANLoss("vanilla")

    def train_step(self, batch, step):
        """One iteration of the code: every loss is computed, then either D or both Gs take a step."""
        hp = self.hp
        a, b = batch["A"].add(1).div(2), batch["B"].add(1).div(2)
        d_step = step % hp["update_interval"] == 0
        rate = hp["starting_rate"] if step < hp["gan_curriculum"] else hp["default_rate"]
        set_requires_grad([self.D_A, self.D_B], d_step)
        with torch.set_grad_enabled(not d_step):
            ab, ba = self.G_B(a), self.G_A(b)
            losses = {"recon_A": F.mse_loss(self.G_A(ab), a), "recon_B": F.mse_loss(self.G_B(ba), b)}
        for key, D, real, fake in (("A", self.D_A, a, ba), ("B", self.D_B, b, ab)):
            logit_real, feats_real = D(real)
            logit_fake, feats_fake = D(fake)
            losses[f"D_{key}"] = 0.5 * self.gan(logit_real, True) + 0.5 * self.gan(logit_fake, False)
            losses[f"G_{key}"] = self.gan(logit_fake, True)
            losses[f"FM_{key}"] = feature_matching(feats_real, feats_fake)
        if d_step:
            self.optimizers["D"].zero_grad(set_to_none=True)
            (losses["D_A"] + losses["D_B"]).backward()
            self.optimizers["D"].step()
        else:
            # The A→B generator answers to D_B and reconstructs A (and symmetrically), as in the code.
            self.optimizers["G"].zero_grad(set_to_none=True)
            sum((1 - rate) * (hp["gan_weight"] * losses[f"G_{adv}"] + hp["fm_weight"] * losses[f"FM_{adv}"])
                + rate * losses[f"recon_{rec}"] for adv, rec in (("B", "A"), ("A", "B"))).backward()
            self.optimizers["G"].step()
        set_requires_grad([self.D_A, self.D_B], True)
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        G = self.G_B if (source, target) == (0, 1) else self.G_A
        return G(x.add(1).div(2)).mul(2).sub(1)
