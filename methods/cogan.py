"""CoGAN (Liu & Tuzel, "Coupled Generative Adversarial Networks", NeurIPS 2016).

Official code (PyTorch): mingyuliutw/CoGAN ``cogan_pytorch`` (``net_cogan_mnist2usps.py``,
``trainer_cogan_mnist2usps.py``, ``exps/mnist2usps_full_cogan.yaml``), the digit domain-adaptation model.

- G pair: z (100) → ConvT k4 → 1024@4×4 → three stride-2 ConvT k3 (512, 256, 128), each followed by a batch norm
  without affine parameters and a PReLU, all shared; then one private ConvT per domain to the image. At 28×28
  (the paper's digits) the shared layers reach 7, 13, 25 pixels and the private ConvT k6 s1 p1 gives 28.
- D pair: a private conv5-20 + max-pool per domain, then shared conv5-50 + max-pool, a conv4 over the
  remaining 4×4 map to 500 (PReLU), and 1×1 convs to the 2-way real/fake logits and to the 10-way class logits (the
  adaptation head; no activation between the first layers, as in the code).
- Losses (NSGAN in the code's 2-way softmax form, which equals a sigmoid loss on the logit difference): D step
  on the real pair and a generated pair, plus 0.01 × the squared distance between D's 500-d features of the two
  generated images (summed over features, averaged over the batch), plus 10 × the cross-entropy of the class
  head on labelled source images; G step with the "real" label on a fresh generated pair.
- Adam 2e-4 (0.5, 0.999), weight decay 5e-4 for both; batch 64; z ~ N(0, I); Xavier-uniform init (gain √2,
  biases 0.1); constant lr; 10k iterations for adaptation. ``classify`` is the class head on the target branch.
- Translation (paper, Sec. 5): z* = argmin_z L(G₁(z), x₁), output G₂(z*). Here L is the mean squared error and
  the solver is Adam on a batch of z started from the harness's per-image N(0, I) noise (``invert_steps`` steps of
  ``invert_lr``), with G in eval mode (running statistics), so every image is inverted independently.

Deviations: images in [-1, 1] and tanh outputs (the code uses [0, 1] and sigmoid); three channels by default
(``channels=1`` reproduces the paper's grey networks, seeing the mean of the RGB channels and writing grey
RGB). Other sizes than 28 px (scaling is not in the code): at 4·2ⁿ px the shared stride-2 ConvTs use output
padding 1 (4→8→…→size) with widths ngf·min(2ᵏ, 8) halving down to ngf (32 px keeps the paper's 1024/512/256/128;
16 px starts at 512) and the private ConvT is k3 s1 p1; in D, shared conv5-50 + max-pool stages repeat until at
most 5×5 is left, which the 500-d conv then spans (5×5 at 32 px, 4×4 at 28 as in the code, 1×1 at 16). The
paper's inversion solver is not in the code, so loss, steps and lr are ours. The fake pair of the D step is
detached (the official update zeroes G's gradients before G's own step anyway) and the class head reuses the
real-pair features instead of a second forward pass.
Embedded profile: ngf 16, D widths 10/25/250, batch 32, 800 steps; and, listed in the board's notes, an inversion
of 30 Adam steps at lr 0.2 (the translation solver, ours in either profile).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from bench.data.tasks import Task
from bench.errors import ConfigError
from bench.inference import Noise
from bench.method import Method, Official
from bench.nn.losses import GANLoss, set_requires_grad

PAPER_SIZE = 28


def generator_layers(image_size: int) -> tuple[list[tuple[int, int, int, int]], tuple[int, int]]:
    """(kernel, stride, padding, output_padding) of the shared stride-2 ConvTs, and (kernel, padding) of the heads.

    28 px is the official layout (4→7→13→25, head k6 p1 → 28); 4·2ⁿ px doubles exactly (head k3 p1).
    """
    if image_size == PAPER_SIZE:
        return [(3, 2, 1, 0)] * 3, (6, 1)
    n = math.log2(image_size / 4)
    if n < 1 or n != int(n):
        raise ConfigError(f"CoGAN builds 28 px (the paper's) or 4·2ⁿ px images (16, 32, 64, …); got {image_size}")
    return [(3, 2, 1, 1)] * int(n), (3, 1)


class CoupledGenerator(nn.Module):
    """Shared ConvT trunk (BN without affine, PReLU) from z to ngf maps; one private ConvT head per domain; tanh."""

    def __init__(self, latent_dims: int, ngf: int, channels: int, image_size: int, domains: int = 2):
        super().__init__()
        ups, (head_k, head_p) = generator_layers(image_size)
        widths = [ngf * min(2 ** (len(ups) - i), 8) for i in range(len(ups) + 1)]
        layers: list[nn.Module] = [nn.ConvTranspose2d(latent_dims, widths[0], 4, 1),
                                   nn.BatchNorm2d(widths[0], affine=False), nn.PReLU()]
        for (k, s, p, op), cin, cout in zip(ups, widths, widths[1:]):
            layers += [nn.ConvTranspose2d(cin, cout, k, s, p, output_padding=op), nn.BatchNorm2d(cout, affine=False),
                       nn.PReLU()]
        self.shared = nn.Sequential(*layers)
        self.heads = nn.ModuleList(nn.ConvTranspose2d(ngf, channels, head_k, 1, head_p) for _ in range(domains))

    def trunk(self, z: torch.Tensor) -> torch.Tensor:
        return self.shared(z.view(z.size(0), z.size(1), 1, 1))

    def decode(self, h: torch.Tensor, domain: int) -> torch.Tensor:
        return torch.tanh(self.heads[domain](h))

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, ...]:
        h = self.trunk(z)
        return tuple(self.decode(h, d) for d in range(len(self.heads)))


class CoupledDiscriminator(nn.Module):
    """Private conv5 + max-pool per domain; shared conv5 + max-pool, conv to a 500-d feature (PReLU); 1×1 heads."""

    def __init__(self, channels: int, image_size: int, widths: list[int], num_classes: int, domains: int = 2):
        super().__init__()
        c0, c1, c2 = widths
        size, cin = (image_size - 4) // 2, c0
        layers: list[nn.Module] = []
        while True:
            layers += [nn.Conv2d(cin, c1, 5), nn.MaxPool2d(2)]
            size, cin = (size - 4) // 2, c1
            if size <= 5:
                break
        if size < 1:
            raise ConfigError(f"CoGAN's discriminator needs images of at least 16 px; got {image_size}")
        self.private = nn.ModuleList(nn.Sequential(nn.Conv2d(channels, c0, 5), nn.MaxPool2d(2)) for _ in range(domains))
        self.shared = nn.Sequential(*layers, nn.Conv2d(c1, c2, size), nn.PReLU())
        self.adv = nn.Conv2d(c2, 2, 1)
        self.cls = nn.Conv2d(c2, num_classes, 1)

    def features(self, x: torch.Tensor, domain: int) -> torch.Tensor:
        return self.shared(self.private[domain](x))

    def realness(self, feat: torch.Tensor) -> torch.Tensor:
        """The 2-way head as one logit (real minus fake): softmax CE over 2 classes = sigmoid CE on it."""
        logits = self.adv(feat).flatten(1)
        return logits[:, 1] - logits[:, 0]

    def classify(self, x: torch.Tensor, domain: int) -> torch.Tensor:
        return self.cls(self.features(x, domain)).flatten(1)


def xavier_init(net: nn.Module) -> nn.Module:
    """The official init: Xavier-uniform (gain √2) weights and 0.1 biases for every conv and transposed conv."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
            nn.init.xavier_uniform_(m.weight, gain=math.sqrt(2))
            nn.init.constant_(m.bias, 0.1)
    return net


class CoGAN(Method):
    name = "cogan"
    settings = frozenset({"unpaired"})
    directions = "a2b"
    paper = "Liu & Tuzel, NeurIPS 2016"
    code = "mingyuliutw/CoGAN (cogan_pytorch)"
    supervision = "source labels"  # D's class head trains on labelled source images
    modes = ("latent",)
    inference = ("G",)
    embedded_steps = 800
    paper_iterations = 10_000
    official = Official({"G": 7_842_694, "D": 432_603}, 28,
                        "mingyuliutw/CoGAN cogan_pytorch/src/net_cogan_mnist2usps.py: CoGen28x28, CoDis28x28",
                        hparams={"channels": 1})

    @classmethod
    def hparams(cls, task: Task, profile: str = "paper") -> dict:
        hp = {"batch_size": 64, "latent_dims": 100, "lr": 2e-4, "beta1": 0.5, "beta2": 0.999, "weight_decay": 5e-4,
              "ngf": 128, "d_widths": [20, 50, 500], "channels": 3, "num_classes": 10, "cls_weight": 10.0,
              "mse_weight": 0.01, "invert_steps": 200, "invert_lr": 0.05}
        if profile == "embedded":
            hp.update(ngf=16, d_widths=[10, 25, 250], batch_size=32, invert_steps=30, invert_lr=0.2)
        return hp

    def __init__(self, task: Task, hparams: dict, device: torch.device | str = "cpu", steps: int = 1):
        super().__init__(task, hparams, device, steps)
        hp, size = self.hp, task.image_size
        if hp["channels"] not in (1, 3):
            raise ConfigError(f"cogan: channels must be 1 (grey, the paper's digits) or 3; got {hp['channels']}")
        self.G = self.to_device(xavier_init(CoupledGenerator(hp["latent_dims"], hp["ngf"], hp["channels"], size)))
        self.D = self.to_device(xavier_init(CoupledDiscriminator(hp["channels"], size, list(hp["d_widths"]),
                                                                 hp["num_classes"])))
        self.nets = {"G": self.G, "D": self.D}
        kw = {"lr": hp["lr"], "betas": (hp["beta1"], hp["beta2"]), "weight_decay": hp["weight_decay"]}
        self.optimizers = {"G": torch.optim.Adam(self.G.parameters(), **kw),
                           "D": torch.optim.Adam(self.D.parameters(), **kw)}
        self.gan = GANLoss("vanilla")

    def _in(self, x: torch.Tensor) -> torch.Tensor:
        return x.mean(1, keepdim=True) if self.hp["channels"] == 1 else x

    def _out(self, y: torch.Tensor) -> torch.Tensor:
        return y.expand(-1, 3, -1, -1) if self.hp["channels"] == 1 else y

    def _noise(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.hp["latent_dims"], device=self.device)

    def train_step(self, batch: dict, step: int) -> dict[str, float]:
        hp = self.hp
        real_a, real_b, labels = self._in(batch["A"]), self._in(batch["B"]), batch.get("label_A")
        n = real_a.size(0)
        self.G.train()
        set_requires_grad(self.D, True)
        with torch.no_grad():
            fake_a, fake_b = self.G(self._noise(n))
        feat_ra, feat_rb = self.D.features(real_a, 0), self.D.features(real_b, 1)
        feat_fa, feat_fb = self.D.features(fake_a, 0), self.D.features(fake_b, 1)
        d_real = self.gan(torch.cat([self.D.realness(feat_ra), self.D.realness(feat_rb)]), True)
        d_fake = self.gan(torch.cat([self.D.realness(feat_fa), self.D.realness(feat_fb)]), False)
        feat_mse = (feat_fa - feat_fb).pow(2).flatten(1).sum(1).mean()
        loss_d = d_real + d_fake + hp["mse_weight"] * feat_mse
        losses = {"D_real": d_real.item(), "D_fake": d_fake.item(), "D_feat_mse": feat_mse.item()}
        if labels is not None and hp["cls_weight"] > 0:
            cls = nn.functional.cross_entropy(self.D.cls(feat_ra).flatten(1), labels)
            loss_d = loss_d + hp["cls_weight"] * cls
            losses["D_cls"] = cls.item()
        self.optimizers["D"].zero_grad(set_to_none=True)
        loss_d.backward()
        self.optimizers["D"].step()

        set_requires_grad(self.D, False)
        fake_a, fake_b = self.G(self._noise(n))
        g_adv = self.gan(torch.cat([self.D.realness(self.D.features(fake_a, 0)),
                                    self.D.realness(self.D.features(fake_b, 1))]), True, for_d=False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        g_adv.backward()
        self.optimizers["G"].step()
        set_requires_grad(self.D, True)
        losses["G_adv"] = g_adv.item()
        return losses

    def invert(self, x: torch.Tensor, domain: int, start: torch.Tensor) -> torch.Tensor:
        """z* ≈ argmin_z ‖G_domain(z) − x‖² per image, by Adam from the N(0, I) draws ``start``; each image's loss
        and Adam's element-wise steps are its own, so batching does not change the result."""
        hp = self.hp
        z = start.detach().clone().requires_grad_(True)
        opt = torch.optim.Adam([z], lr=hp["invert_lr"])
        target = self._in(x).detach()
        with torch.enable_grad():
            for _ in range(hp["invert_steps"]):
                err = (self.G.decode(self.G.trunk(z), domain) - target).pow(2).flatten(1).mean(1).sum()
                z.grad, = torch.autograd.grad(err, z)
                opt.step()
        return z.detach()

    def translate(self, x: torch.Tensor, *, source: int, target: int, mode: str, noise: Noise | None = None,
                  reference: torch.Tensor | None = None) -> torch.Tensor:
        """G_target(z*) for z* inverted through G_source from a seeded start, so outputs vary with the seed."""
        z = self.invert(x, source, noise.randn(self.hp["latent_dims"]))
        return self._out(self.G.decode(self.G.trunk(z), target))

    @torch.no_grad()
    def classify(self, x: torch.Tensor) -> torch.Tensor | None:
        """Target-domain logits of D's class head (trained on source labels through the shared layers)."""
        if not self.task.labels:
            return None
        return self.D.classify(self._in(x), 1)
