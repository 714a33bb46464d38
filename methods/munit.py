"""MUNIT (Huang, Liu, Belongie & Kautz, "Multimodal Unsupervised Image-to-Image Translation", ECCV 2018).

Official code: NVlabs/MUNIT (``networks.py``: ``AdaINGen``, ``MsImageDis``; ``trainer.py``: ``MUNIT_Trainer``;
``configs/edges2shoes_folder.yaml``). Per domain an AdaIN generator: content encoder (conv7, two stride-2 convs,
four residual blocks, instance norm), style encoder (conv7, four stride-2 convs, no norm, global pool, 1×1 conv to
an 8-d style), decoder (four residual blocks with adaptive instance norm, two [×2 upsample → conv5 → layer norm →
ReLU], conv7 → tanh) and an MLP (8 → 256 → 256 → the decoder's 4,096 AdaIN parameters); the same multi-scale LSGAN
discriminators as UNIT. Losses of the edges2shoes config: GAN 1, image reconstruction 10, style reconstruction 1,
content reconstruction 1 (neither side detached), cycle 0 (off), VGG 0. Adam lr 1e-4, (0.5, 0.999), weight decay
1e-4, × 0.5 every 100k iterations; batch 1; D step then G step every iteration, each drawing fresh styles; kaiming
init for G, N(0, 0.02) for D. Modes: ``latent`` (style ~ N(0, I) from the harness's per-image noise) and
``reference`` (the style of a target-domain test image); both directions.

Deviations: below 2^4 px per scale the discriminator keeps fewer layers (see ``bench.nn.munit``); AdaIN is
computed as an instance norm with the MLP's scale and shift (the official module runs ``F.batch_norm`` on a
reshaped batch in training mode, which is the same). Embedded profile: widths 16, MLP 64, two residual blocks,
batch 8, 200 steps, and the style-augmented cycle on (``recon_x_cyc_w`` 10, the official summer2winter and
synthia2cityscape setting): without it the decoder never learns to render one domain's content with a style encoded
from a real image, and reference-guided translations stayed worse than identity's (hand2mnistm, 600 steps, weights
averaged, FID seeds 0/2: reference 324/458 without, 209/318 with; latent 138/242 without, 73/135 with; ~20% more
time per step).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from bench.method import Official
from bench.nn import set_requires_grad
from bench.nn.munit import (MLP, ContentEncoder, Decoder, StyleEncoder, adain_param_count, lsgan_d_loss, lsgan_g_loss,
                            set_adain_params)
from methods.unit import UNIT, UNIT_LOSSES


class AdaINGen(nn.Module):
    """Content and style encoders, and a decoder whose AdaIN layers take their parameters from the style."""

    def __init__(self, dim: int, style_dim: int, mlp_dim: int, n_down: int, n_res: int, style_downs: int = 4):
        super().__init__()
        self.enc_style = StyleEncoder(style_downs, 3, dim, style_dim)
        self.enc_content = ContentEncoder(n_down, n_res, 3, dim)
        self.dec = Decoder(n_down, n_res, self.enc_content.out_dim, 3, res_norm="adain")
        self.mlp = MLP(style_dim, adain_param_count(self.dec), mlp_dim, 3)

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.enc_content(x), self.enc_style(x)

    def decode(self, content: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        set_adain_params(self.dec, self.mlp(style))
        return self.dec(content)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.decode(*self.encode(x))


class MUNIT(UNIT):
    """UNIT's discriminators, optimisers and schedule with AdaIN generators and MUNIT's objective."""

    name = "munit"
    modes = ("latent", "reference")
    paper = "Huang et al., ECCV 2018"
    code = "NVlabs/MUNIT"
    official = Official({"gen_a": 15_026_187, "gen_b": 15_026_187, "dis_a": 8_271_171, "dis_b": 8_271_171}, 256,
                        "NVlabs/MUNIT networks.py: AdaINGen (dim 64, style_dim 8, mlp_dim 256, n_downsample 2, "
                        "n_res 4), MsImageDis (dim 64, n_layer 4, num_scales 3)")

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {k: v for k, v in super().hparams(task, profile).items() if k not in UNIT_LOSSES}
        embedded = profile == "embedded"
        hp.update(style_dim=8, mlp_dim=64 if embedded else 256, recon_s_w=1.0, recon_c_w=1.0,
                  recon_x_cyc_w=10.0 if embedded else 0.0)
        return hp

    def make_generator(self) -> nn.Module:
        hp = self.hp
        return AdaINGen(hp["gen_dim"], hp["style_dim"], hp["mlp_dim"], hp["n_downsample"], hp["n_res"])

    def _styles(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        shape = (n, self.hp["style_dim"], 1, 1)
        return torch.randn(shape, device=self.device), torch.randn(shape, device=self.device)

    def train_step(self, batch, step):
        hp = self.hp
        x_a, x_b = batch["A"], batch["B"]
        # D: real images against translations with freshly drawn styles.
        s_a, s_b = self._styles(x_a.size(0))
        with torch.no_grad():
            c_a, c_b = self.gen_a.enc_content(x_a), self.gen_b.enc_content(x_b)
            x_ba, x_ab = self.gen_a.decode(c_b, s_a), self.gen_b.decode(c_a, s_b)
        losses = {"D_a": hp["gan_w"] * lsgan_d_loss(self.dis_a, x_ba, x_a),
                  "D_b": hp["gan_w"] * lsgan_d_loss(self.dis_b, x_ab, x_b)}
        self._step("dis", losses)
        # G: image, content and style reconstruction, translation (and the optional style-augmented cycle).
        set_requires_grad([self.dis_a, self.dis_b], False)
        s_a, s_b = self._styles(x_a.size(0))
        (c_a, s_a_prime), (c_b, s_b_prime) = self.gen_a.encode(x_a), self.gen_b.encode(x_b)
        x_a_recon, x_b_recon = self.gen_a.decode(c_a, s_a_prime), self.gen_b.decode(c_b, s_b_prime)
        x_ba, x_ab = self.gen_a.decode(c_b, s_a), self.gen_b.decode(c_a, s_b)
        (c_b_recon, s_a_recon), (c_a_recon, s_b_recon) = self.gen_a.encode(x_ba), self.gen_b.encode(x_ab)
        g = {"G_adv_a": hp["gan_w"] * lsgan_g_loss(self.dis_a, x_ba),
             "G_adv_b": hp["gan_w"] * lsgan_g_loss(self.dis_b, x_ab),
             "recon_x_a": hp["recon_x_w"] * F.l1_loss(x_a_recon, x_a),
             "recon_x_b": hp["recon_x_w"] * F.l1_loss(x_b_recon, x_b),
             "recon_s_a": hp["recon_s_w"] * F.l1_loss(s_a_recon, s_a),
             "recon_s_b": hp["recon_s_w"] * F.l1_loss(s_b_recon, s_b),
             "recon_c_a": hp["recon_c_w"] * F.l1_loss(c_a_recon, c_a),
             "recon_c_b": hp["recon_c_w"] * F.l1_loss(c_b_recon, c_b)}
        if hp["recon_x_cyc_w"] > 0:
            g["cyc_x_a"] = hp["recon_x_cyc_w"] * F.l1_loss(self.gen_a.decode(c_a_recon, s_a_prime), x_a)
            g["cyc_x_b"] = hp["recon_x_cyc_w"] * F.l1_loss(self.gen_b.decode(c_b_recon, s_b_prime), x_b)
        self._step("gen", g)
        set_requires_grad([self.dis_a, self.dis_b], True)
        return {k: v.item() for k, v in {**losses, **g}.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        content = (self.gen_a if source == 0 else self.gen_b).enc_content(x)
        decoder = self.gen_b if target == 1 else self.gen_a
        style = decoder.enc_style(reference) if mode == "reference" else noise.randn(self.hp["style_dim"], 1, 1)
        return decoder.decode(content, style)
