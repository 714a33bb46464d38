"""LPTN (Liang et al., "High-Resolution Photorealistic Image Translation in Real-Time: A Laplacian Pyramid
Translation Network", CVPR 2021).

Official code: csjliang/LPTN (``LPTN_paper_arch.py`` = arch ``LPTNPaper``, ``discriminator_arch.py``,
``lptn_model.py``, ``options/train/LPTN/train_FiveK_paper.yml``). The input is split by a fixed Laplacian
pyramid (``num_high`` = 3 at the paper's 256 px crops) into high-frequency bands and a low-frequency residual;
a residual network (5 blocks, 64 channels, tanh of input + residual) translates the low band; a light
network (3 blocks) on [coarsest high band, upsampled low input, upsampled translated low] predicts a one-channel
mask that is refined coarse to fine by a 1×1-conv block per level and multiplies each high band; the pyramid is
then reconstructed exactly. D: a bilinear resize to the training size (256), five stride-2 3×3 convs
(16-32-64-128-128, LeakyReLU 0.2, an affine instance norm after the first) and a conv over the remaining 8×8
map to one score. Objective (the code, not the paper's LSGAN + multi-scale D, which the author replaced):
WGAN-GP with gradient-penalty weight 100, G step first, then D on a recomputed G output; pixel term weight
1000, MSE, mean reduction. Adam 1e-4 (0.9, 0.99) for G and D; MultiStepLR γ = 0.5 at 50k/100k/200k/300k of
300k iterations (scaled here to the budget); batch 16; PyTorch's default init. Networks work in [0, 1], the
official convention: the method maps the harness's [-1, 1] to [0, 1] on the way in and back on the way out,
so losses, penalty and D see exactly the official scales.

Paired objective vs the paper: the paper and the official configs train LPTN without pairs, with the pixel
term as a reconstruction of the *input*, 1000·MSE(G(x), x), and the adversarial term against unrelated
target-domain images. This harness trains it on paired tasks the way the author prescribes for paired data
(csjliang/LPTN issue #11): the pixel term is 1000·MSE(G(x), y) to the ground truth y (``pixel_loss: l1`` gives
MAE instead) and D's real images are the ground-truth targets of the batch; everything else is unchanged.

Deviations (the first two are inactive at the paper configuration, where G and D equal ``LPTNPaper`` and
``Discriminator`` parameter for parameter and output for output):
- The pyramid depth follows the image size: 3 levels from 64 px up, fewer below so that the low band stays at
  least 8×8 (2 at 32 px, 1 at 16 px); the mask refinement has one block per level.
- D resizes to the task's image size instead of the fixed 256 and its last conv spans the map its five
  stride-2 convs leave (8×8 at 256, 1×1 at 32), so small images are not upsampled eightfold.
- Outputs are clamped to [0, 1] before mapping back to [-1, 1] (the official code clamps when saving images).
- The harness owns the data: no 90° rotation augmentation; A and B share their crop (paired task).
- The D step recomputes G's output without a graph and the penalty's α comes from torch's generator (the
  official code keeps the graph, whose gradients reach G only to be zeroed, and draws α with numpy).
Embedded profile: batch 8, 300 steps, and lr 1e-3 (listed in the board's notes).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.method import Method, Official
from bench.nn.laplacian import LaplacianPyramid
from bench.nn.losses import GANLoss, gradient_penalty, set_requires_grad
from bench.nn.schedules import multistep, on_budget

PIXEL_LOSSES = {"mse": F.mse_loss, "l1": F.l1_loss}


def lptn_levels(image_size: int, paper: int = 3) -> int:
    """High-frequency levels: the paper's 3, fewer when the low band would drop below 8×8 (at least 1)."""
    return max(1, min(paper, int(math.log2(image_size)) - 3))


class ResidualBlock(nn.Module):
    """conv3 → LeakyReLU (slope 0.01) → conv3, plus the identity; no norm."""

    def __init__(self, ch: int):
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(ch, ch, 3, padding=1), nn.LeakyReLU(), nn.Conv2d(ch, ch, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.block(x)


class TransLow(nn.Module):
    """Low-band translator: tanh(x + f(x)) with f = 3→16 (IN) → 64 → n residual blocks → 16 → 3."""

    def __init__(self, n_res: int = 5):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.InstanceNorm2d(16), nn.LeakyReLU(),
                                   nn.Conv2d(16, 64, 3, padding=1), nn.LeakyReLU(),
                                   *[ResidualBlock(64) for _ in range(n_res)],
                                   nn.Conv2d(64, 16, 3, padding=1), nn.LeakyReLU(), nn.Conv2d(16, 3, 3, padding=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tanh(x + self.model(x))


class TransHigh(nn.Module):
    """Mask network on the coarsest high band's level, then one 1→16→1 refinement per level, coarse to fine."""

    def __init__(self, n_res: int = 3, num_high: int = 3):
        super().__init__()
        self.model = nn.Sequential(nn.Conv2d(9, 64, 3, padding=1), nn.LeakyReLU(),
                                   *[ResidualBlock(64) for _ in range(n_res)], nn.Conv2d(64, 1, 3, padding=1))
        self.refine = nn.ModuleList(nn.Sequential(nn.Conv2d(1, 16, 1), nn.LeakyReLU(), nn.Conv2d(16, 1, 1))
                                    for _ in range(num_high))

    def forward(self, x: torch.Tensor, highs: list[torch.Tensor]) -> list[torch.Tensor]:
        """``highs`` fine to coarse; returns the masked bands in the same order."""
        mask, out = self.model(x), []
        for band, refine in zip(reversed(highs), self.refine):
            mask = refine(F.interpolate(mask, size=band.shape[-2:]))
            out.append(band * mask)
        return out[::-1]


class LPTNGenerator(nn.Module):
    """Decompose, translate the low band, mask the high bands, reconstruct (``LPTNPaper``)."""

    def __init__(self, nrb_low: int = 5, nrb_high: int = 3, num_high: int = 3):
        super().__init__()
        self.pyramid = LaplacianPyramid(num_high)
        self.trans_low, self.trans_high = TransLow(nrb_low), TransHigh(nrb_high, num_high)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        *highs, low = self.pyramid.decompose(x)
        fake_low = self.trans_low(low)
        size = highs[-1].shape[-2:]
        guide = torch.cat([highs[-1], F.interpolate(low, size=size), F.interpolate(fake_low, size=size)], 1)
        return self.pyramid.reconstruct(self.trans_high(guide, highs) + [fake_low])


class LPTNDiscriminator(nn.Module):
    """Bilinear resize to ``size`` → conv s2 3→16, LReLU, IN(affine) → 4 × (conv s2, LReLU) → conv over the map."""

    def __init__(self, size: int = 256):
        super().__init__()
        widths, layers = [16, 32, 64, 128, 128], [nn.Upsample(size=(size, size), mode="bilinear", align_corners=False)]
        prev, side = 3, size
        for i, ch in enumerate(widths):
            layers += [nn.Conv2d(prev, ch, 3, stride=2, padding=1), nn.LeakyReLU(0.2)]
            if i == 0:
                layers.append(nn.InstanceNorm2d(ch, affine=True))
            prev, side = ch, (side + 1) // 2
        layers.append(nn.Conv2d(prev, 1, side))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


class LPTN(Method):
    name = "lptn"
    settings = frozenset({"paired"})
    paper = "Liang et al., CVPR 2021"
    code = "csjliang/LPTN"
    supervision = "paired"
    inference = ("G",)
    embedded_steps = 300
    paper_iterations = 300_000
    official = Official({"G": 616_215, "D": 253_249}, 256, "csjliang/LPTN codes/models/archs/LPTN_paper_arch.py, "
                        "discriminator of the FiveK config")

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 16, "lr": 1e-4, "beta1": 0.9, "beta2": 0.99, "nrb_low": 5, "nrb_high": 3,
              "num_high": lptn_levels(task.image_size), "d_size": task.image_size, "pixel_loss": "mse",
              "lambda_pixel": 1000.0, "lambda_gp": 100.0, "gan_mode": "wgangp",
              "milestones": [50000, 100000, 200000, 300000], "total_iters": 300000, "lr_gamma": 0.5}
        if profile == "embedded":
            hp.update(batch_size=8, lr=1e-3)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        if hp["pixel_loss"] not in PIXEL_LOSSES:
            raise ConfigError(f"lptn: pixel_loss {hp['pixel_loss']!r} is not one of {sorted(PIXEL_LOSSES)}")
        self.G = self.to_device(LPTNGenerator(hp["nrb_low"], hp["nrb_high"], hp["num_high"]))
        self.D = self.to_device(LPTNDiscriminator(hp["d_size"]))
        self.nets = {"G": self.G, "D": self.D}
        betas = (hp["beta1"], hp["beta2"])
        self.optimizers = {k: torch.optim.Adam(net.parameters(), hp["lr"], betas=betas) for k, net in self.nets.items()}
        milestones = sorted({on_budget(m, hp["total_iters"], self.steps) for m in hp["milestones"]})
        self.schedulers = {k: multistep(o, milestones, hp["lr_gamma"]) for k, o in self.optimizers.items()}
        self.gan = GANLoss(hp["gan_mode"])
        self.pixel = PIXEL_LOSSES[hp["pixel_loss"]]

    def train_step(self, batch, step):
        hp = self.hp
        x, y = batch["A"].add(1).div(2), batch["B"].add(1).div(2)
        self.G.train()
        set_requires_grad(self.D, False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        fake = self.G(x)
        losses = {"G_pix": self.pixel(fake, y) * hp["lambda_pixel"], "G_GAN": self.gan(self.D(fake), True, for_d=False)}
        sum(losses.values()).backward()
        self.optimizers["G"].step()
        set_requires_grad(self.D, True)
        self.optimizers["D"].zero_grad(set_to_none=True)
        with torch.no_grad():
            fake = self.G(x)
        losses["D_real"] = self.gan(self.D(y), True)
        losses["D_fake"] = self.gan(self.D(fake), False)
        losses["D_gp"] = gradient_penalty(self.D, y, fake) * hp["lambda_gp"]
        (losses["D_real"] + losses["D_fake"] + losses["D_gp"]).backward()
        self.optimizers["D"].step()
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        return self.G(x.add(1).div(2)).clamp(0, 1).mul(2).sub(1)
