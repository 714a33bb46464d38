"""StarGAN (Choi, Choi, Kim, Ha, Kim & Choo, "StarGAN: Unified Generative Adversarial Networks for Multi-Domain
Image-to-Image Translation", CVPR 2018).

Official code: yunjey/stargan (``model.py``, ``solver.py``, ``main.py``). One generator for every domain pair,
conditioned on the target domain as extra input channels (the one-hot label tiled over the image): conv7 →
2 stride-2 convs → 6 residual blocks → 2 transposed convs → conv7 → tanh, affine instance norm, no conv biases,
zero padding. The discriminator: 6 stride-2 convs (64 → 2048, LeakyReLU 0.01, no norm), a 3×3 source head (a
patch map) and a domain-classification head whose kernel spans the remaining map. Losses: WGAN-GP (λ_gp 10),
domain classification (λ_cls 1; softmax cross-entropy for exclusive domains, as the code's RaFD branch; on
attribute tasks such as CelebA, binary cross-entropy summed over the attributes and averaged over the batch, as
its CelebA branch), reconstruction ‖x − G(G(x, c'), c)‖₁ (λ_rec 10). Target labels: a random permutation of the
batch's own labels (one-hot domains, or attribute vectors on CelebA: black / blond / brown hair, male, young).
Adam lr 1e-4, (0.5, 0.999), batch 16; the generator steps every 5th critic step (n_critic 5); 200k iterations.
At test time on CelebA each direction sets one attribute (a hair colour replaces the others) or clears one.

Deviations: the paper decays the lr linearly to zero over the second half; the code's decrement (lr/100k every
1k iterations) leaves 99.9 % of it, so this module follows the paper. The code keeps instance-norm running
statistics that it never uses (it never calls ``eval()``); here the norms keep none, which gives the code's
test-time outputs in eval mode. Below 128 px the discriminator has log2(size) − 1 stride-2 layers so that its
map stays 2×2 (the code's 6 at 128 px). Embedded profile: widths 16, 3 residual blocks, 3,000 steps (600 generator
updates; at 1,000 the generator had not left identity's FID behind on digits3), the paper's learning rate and
n_critic.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.method import Method, Official
from bench.nn import ResnetBlock, gradient_penalty, linear_decay, norm_layer, set_requires_grad


def stargan_d_layers(image_size: int) -> int:
    """The code's 6 stride-2 layers from 128 px up, fewer below so that the last map is 2×2."""
    return max(1, min(6, int(math.log2(image_size)) - 1))


class StarGenerator(nn.Module):
    """G(x, c): the target label tiled as input channels, an encoder, residual blocks and a decoder."""

    def __init__(self, c_dim: int, dim: int = 64, n_res: int = 6):
        super().__init__()
        norm = norm_layer("instance_affine")
        layers: list[nn.Module] = [nn.Conv2d(3 + c_dim, dim, 7, 1, 3, bias=False), norm(dim), nn.ReLU(True)]
        for _ in range(2):
            layers += [nn.Conv2d(dim, dim * 2, 4, 2, 1, bias=False), norm(dim * 2), nn.ReLU(True)]
            dim *= 2
        layers += [ResnetBlock(dim, "instance_affine", padding="zero") for _ in range(n_res)]
        for _ in range(2):
            layers += [nn.ConvTranspose2d(dim, dim // 2, 4, 2, 1, bias=False), norm(dim // 2), nn.ReLU(True)]
            dim //= 2
        layers += [nn.Conv2d(dim, 3, 7, 1, 3, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        tiled = c[:, :, None, None].expand(-1, -1, x.shape[2], x.shape[3])
        return self.main(torch.cat([x, tiled], dim=1))


class StarDiscriminator(nn.Module):
    """D(x) → (source patch logits, domain logits)."""

    def __init__(self, image_size: int, c_dim: int, dim: int = 64, n_layers: int = 6):
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(3, dim, 4, 2, 1), nn.LeakyReLU(0.01)]
        for _ in range(1, n_layers):
            layers += [nn.Conv2d(dim, dim * 2, 4, 2, 1), nn.LeakyReLU(0.01)]
            dim *= 2
        self.main = nn.Sequential(*layers)
        self.src = nn.Conv2d(dim, 1, 3, 1, 1, bias=False)
        self.cls = nn.Conv2d(dim, c_dim, image_size // 2**n_layers, bias=False)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.main(x)
        return self.src(h), self.cls(h).flatten(1)


class StarGAN(Method):
    name = "stargan"
    settings = frozenset({"multidomain", "attributes"})
    directions = "all"
    paper = "Choi et al., CVPR 2018"
    code = "yunjey/stargan"
    supervision = "domain labels"
    inference = ("G",)
    embedded_steps = 3000
    paper_iterations = 200_000
    official = Official({"G": 8_430_528, "D": 44_762_048}, 128,
                        "yunjey/stargan model.py: Generator(64, c_dim=5, 6), Discriminator(128, 64, 5, 6)",
                        setting="multidomain", domains=5)

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 16, "lr": 1e-4, "beta1": 0.5, "beta2": 0.999, "ngf": 64, "ndf": 64, "n_res": 6,
              "n_layers_d": stargan_d_layers(task.image_size), "lambda_cls": 1.0, "lambda_rec": 10.0,
              "lambda_gp": 10.0, "n_critic": 5, "decay_start": 0.5}
        if profile == "embedded":
            hp.update(ngf=16, ndf=16, n_res=3)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        self.c_dim = len(task.attributes) if task.setting == "attributes" else len(task.domains)
        self.G = self.to_device(StarGenerator(self.c_dim, hp["ngf"], hp["n_res"]))
        self.D = self.to_device(StarDiscriminator(task.image_size, self.c_dim, hp["ndf"], hp["n_layers_d"]))
        self.nets = {"G": self.G, "D": self.D}
        betas = (hp["beta1"], hp["beta2"])
        self.optimizers = {k: torch.optim.Adam(net.parameters(), hp["lr"], betas=betas) for k, net in self.nets.items()}
        self.schedulers = {k: linear_decay(o, self.steps, hp["decay_start"]) for k, o in self.optimizers.items()}

    def _onehot(self, domains: torch.Tensor) -> torch.Tensor:
        return F.one_hot(domains, self.c_dim).float()

    @staticmethod
    def _classification(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy against domain indices; against attribute vectors, BCE summed per image (the code's)."""
        if labels.dtype.is_floating_point:
            return F.binary_cross_entropy_with_logits(logits, labels, reduction="sum") / len(logits)
        return F.cross_entropy(logits, labels)

    def train_step(self, batch, step):
        hp = self.hp
        x, attributes = batch["x"], "attrs" in batch
        org = batch["attrs"] if attributes else batch["domain"]
        trg = org[torch.randperm(len(org)).to(org.device)]
        c_org, c_trg = (org, trg) if attributes else (self._onehot(org), self._onehot(trg))
        losses = {}
        src_real, cls_real = self.D(x)
        fake = self.G(x, c_trg).detach()
        src_fake, _ = self.D(fake)
        losses["D_real"], losses["D_fake"] = -src_real.mean(), src_fake.mean()
        losses["D_cls"] = self._classification(cls_real, org)
        losses["D_gp"] = gradient_penalty(lambda z: self.D(z)[0], x, fake)
        self.optimizers["D"].zero_grad(set_to_none=True)
        (losses["D_real"] + losses["D_fake"] + hp["lambda_cls"] * losses["D_cls"]
         + hp["lambda_gp"] * losses["D_gp"]).backward()
        self.optimizers["D"].step()
        if (step + 1) % hp["n_critic"] == 0:
            set_requires_grad(self.D, False)
            fake = self.G(x, c_trg)
            src, cls = self.D(fake)
            losses["G_fake"], losses["G_cls"] = -src.mean(), self._classification(cls, trg)
            losses["G_rec"] = (x - self.G(fake, c_org)).abs().mean()
            self.optimizers["G"].zero_grad(set_to_none=True)
            (losses["G_fake"] + hp["lambda_rec"] * losses["G_rec"] + hp["lambda_cls"] * losses["G_cls"]).backward()
            self.optimizers["G"].step()
            set_requires_grad(self.D, True)
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None, attrs=None):
        c = attrs if attrs is not None else self._onehot(torch.full((len(x),), target, dtype=torch.long,
                                                                    device=x.device))
        return self.G(x, c)
