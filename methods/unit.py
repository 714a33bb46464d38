"""UNIT (Liu, Breuel & Kautz, "Unsupervised Image-to-Image Translation Networks", NeurIPS 2017).

Official code: mingyuliutw/UNIT master (``networks.py``: ``VAEGen``, ``MsImageDis``; ``trainer.py``:
``UNIT_Trainer``; ``configs/unit_edges2handbags_folder.yaml``). Per domain a VAE generator: content encoder (conv7,
two stride-2 convs, four residual blocks, instance norm; 256 channels at 1/4 size) and a decoder (four residual
blocks with instance norm, two [×2 upsample → conv5 → layer norm → ReLU], conv7 → tanh); a multi-scale LSGAN
discriminator per domain (3 scales of 4 conv layers, LReLU, no norm). The latent is z = h + ε, ε ~ N(0, I), so
the KL term is mean(h²). Losses with the official weights: GAN 1, within-domain reconstruction 10, KL 0.01,
cycle reconstruction 10, cycle KL 0.01 (no VGG term). Adam lr 1e-4, (0.5, 0.999), weight decay 1e-4, × 0.5 every
100k iterations; batch 1; D step then G step every iteration; kaiming init for G, N(0, 0.02) for D.
Translation: x_ab = G_b(E_a(x)) with z = h (no noise), as the official test script; both directions.

Deviations: master has no weight sharing between the two VAEs (the paper's shared layers live in the
``version_02`` branch); this module follows master. Below 2^4 px per scale the discriminator keeps fewer layers
(see ``bench.nn.munit``). Embedded profile: widths 16 (generator and discriminator), two residual blocks, batch 8,
200 steps.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F
from torch import nn

from bench.method import Method, Official
from bench.nn import init_weights, set_requires_grad, step_decay
from bench.nn.munit import ContentEncoder, Decoder, MultiScaleDiscriminator, lsgan_d_loss, lsgan_g_loss


class VAEGen(nn.Module):
    """A domain's encoder to the shared latent space and its decoder back to images."""

    def __init__(self, dim: int, n_down: int, n_res: int):
        super().__init__()
        self.enc = ContentEncoder(n_down, n_res, 3, dim)
        self.dec = Decoder(n_down, n_res, self.enc.out_dim, 3, res_norm="instance")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.dec(self.enc(x))


UNIT_LOSSES = ("recon_kl_w", "recon_x_cyc_w", "recon_kl_cyc_w")  # weights of UNIT's objective beyond GAN and recon


def kl(h: torch.Tensor) -> torch.Tensor:
    """The KL term of a unit-variance Gaussian posterior with mean h: mean(h²) (the official ``__compute_kl``)."""
    return torch.mean(h ** 2)


class UNIT(Method):
    name = "unit"
    settings = frozenset({"unpaired"})
    directions = "both"
    paper = "Liu, Breuel & Kautz, NeurIPS 2017"
    code = "mingyuliutw/UNIT"
    inference = ("gen_a", "gen_b")
    embedded_steps = 200
    paper_iterations = 1_000_000
    official = Official({"gen_a": 11_140_483, "gen_b": 11_140_483, "dis_a": 8_271_171, "dis_b": 8_271_171}, 256,
                        "mingyuliutw/UNIT master networks.py: VAEGen (dim 64, n_downsample 2, n_res 4), MsImageDis "
                        "(dim 64, n_layer 4, num_scales 3)")

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 1, "lr": 1e-4, "beta1": 0.5, "beta2": 0.999, "weight_decay": 1e-4, "step_size": 100_000,
              "gamma": 0.5, "gen_dim": 64, "n_downsample": 2, "n_res": 4, "dis_dim": 64, "n_layer": 4,
              "num_scales": 3, "gan_w": 1.0, "recon_x_w": 10.0, "recon_kl_w": 0.01, "recon_x_cyc_w": 10.0,
              "recon_kl_cyc_w": 0.01}
        if profile == "embedded":
            hp.update(gen_dim=16, dis_dim=16, n_res=2, batch_size=8)
        return hp

    def inference_for(self, source, target):
        return ("gen_a", "gen_b")  # the source's encoder and the target's decoder

    def make_generator(self) -> nn.Module:
        """A domain's generator; MUNIT keeps UNIT's discriminators, optimisers and schedule and swaps this."""
        hp = self.hp
        return VAEGen(hp["gen_dim"], hp["n_downsample"], hp["n_res"])

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp, size = self.hp, task.image_size
        gen = lambda: self.to_device(init_weights(self.make_generator(), "kaiming"))  # noqa: E731
        dis = lambda: self.to_device(init_weights(MultiScaleDiscriminator(  # noqa: E731
            3, hp["dis_dim"], hp["n_layer"], hp["num_scales"], size), "normal", 0.02))
        self.gen_a, self.gen_b, self.dis_a, self.dis_b = gen(), gen(), dis(), dis()
        self.nets = {"gen_a": self.gen_a, "gen_b": self.gen_b, "dis_a": self.dis_a, "dis_b": self.dis_b}
        adam = dict(lr=hp["lr"], betas=(hp["beta1"], hp["beta2"]), weight_decay=hp["weight_decay"])
        self.optimizers = {
            "gen": torch.optim.Adam(itertools.chain(self.gen_a.parameters(), self.gen_b.parameters()), **adam),
            "dis": torch.optim.Adam(itertools.chain(self.dis_a.parameters(), self.dis_b.parameters()), **adam),
        }
        # in iterations, as the code: placed on a short budget (every tenth of it) the halvings leave the embedded
        # runs a few dozen steps at a useful lr, and both methods end worse than identity (FID 420-480)
        self.schedulers = {k: step_decay(o, hp["step_size"], hp["gamma"]) for k, o in self.optimizers.items()}

    def _step(self, optimizer: str, losses: dict[str, torch.Tensor]) -> None:
        """One update of ``optimizer`` on the sum of ``losses``."""
        self.optimizers[optimizer].zero_grad(set_to_none=True)
        sum(losses.values()).backward()
        self.optimizers[optimizer].step()

    @staticmethod
    def _encode(gen: VAEGen, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = gen.enc(x)
        return h, torch.randn_like(h)

    def train_step(self, batch, step):
        hp = self.hp
        x_a, x_b = batch["A"], batch["B"]
        # D: real images against translations of the other domain.
        with torch.no_grad():
            h_a, n_a = self._encode(self.gen_a, x_a)
            h_b, n_b = self._encode(self.gen_b, x_b)
            x_ba, x_ab = self.gen_a.dec(h_b + n_b), self.gen_b.dec(h_a + n_a)
        losses = {"D_a": hp["gan_w"] * lsgan_d_loss(self.dis_a, x_ba, x_a),
                  "D_b": hp["gan_w"] * lsgan_d_loss(self.dis_b, x_ab, x_b)}
        self._step("dis", losses)
        # G: reconstruction, KL, translation, cycle through the other domain's VAE.
        set_requires_grad([self.dis_a, self.dis_b], False)
        h_a, n_a = self._encode(self.gen_a, x_a)
        h_b, n_b = self._encode(self.gen_b, x_b)
        x_a_recon, x_b_recon = self.gen_a.dec(h_a + n_a), self.gen_b.dec(h_b + n_b)
        x_ba, x_ab = self.gen_a.dec(h_b + n_b), self.gen_b.dec(h_a + n_a)
        h_b_recon, n_b_recon = self._encode(self.gen_a, x_ba)
        h_a_recon, n_a_recon = self._encode(self.gen_b, x_ab)
        x_aba, x_bab = self.gen_a.dec(h_a_recon + n_a_recon), self.gen_b.dec(h_b_recon + n_b_recon)
        g = {"G_adv_a": hp["gan_w"] * lsgan_g_loss(self.dis_a, x_ba),
             "G_adv_b": hp["gan_w"] * lsgan_g_loss(self.dis_b, x_ab),
             "recon_x_a": hp["recon_x_w"] * F.l1_loss(x_a_recon, x_a),
             "recon_x_b": hp["recon_x_w"] * F.l1_loss(x_b_recon, x_b),
             "kl_a": hp["recon_kl_w"] * kl(h_a), "kl_b": hp["recon_kl_w"] * kl(h_b),
             "cyc_x_a": hp["recon_x_cyc_w"] * F.l1_loss(x_aba, x_a),
             "cyc_x_b": hp["recon_x_cyc_w"] * F.l1_loss(x_bab, x_b),
             "kl_cyc_aba": hp["recon_kl_cyc_w"] * kl(h_a_recon), "kl_cyc_bab": hp["recon_kl_cyc_w"] * kl(h_b_recon)}
        self._step("gen", g)
        set_requires_grad([self.dis_a, self.dis_b], True)
        return {k: v.item() for k, v in {**losses, **g}.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        encoder = (self.gen_a if source == 0 else self.gen_b).enc
        decoder = (self.gen_b if target == 1 else self.gen_a).dec
        return decoder(encoder(x))
