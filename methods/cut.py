"""CUT and FastCUT (Park, Efros, Zhang & Zhu, "Contrastive Learning for Unpaired Image-to-Image Translation",
ECCV 2020).

Official code: taesungp/contrastive-unpaired-translation (``models/cut_model.py``, ``models/networks.py``,
``models/patchnce.py``). One direction, A→B: an anti-aliased ResNet generator (9 blocks, instance norm, no
dropout), an anti-aliased 70×70 PatchGAN with instance norm, and ``PatchSampleF`` (a 256-unit two-layer MLP per
NCE layer, built on the first batch, see ``bench.nn.patchnce``). The generator's own layers 0, 4, 8, 12 and 16
(padded pixels, the two down-convs before their norm, residual blocks 1 and 5) feed PatchNCE with τ 0.07 and 256
patches per layer, negatives from the same image only. G loss: λ_GAN · LSGAN + λ_NCE · NCE(x, G(x)), averaged with
λ_NCE · NCE(y, G(y)) when the identity NCE is on; D loss: 0.5 · (LSGAN real + fake), no image pool. Adam 2e-4
(0.5, 0.999) for G, D and F; D step, then G and F; xavier init (gain 0.02); lr constant, then linear decay to zero.

- ``cut``: λ_GAN 1, λ_NCE 1, identity NCE on, flip equivariance off, 200 + 200 epochs.
- ``fastcut``: λ_NCE 10, identity NCE off, flip equivariance on (with probability 0.5 the batch is flipped and the
  output's features flipped back before they meet the keys), 150 + 50 epochs.

Deviations: patch locations are drawn with torch's generator instead of NumPy's (the harness seeds and checkpoints it).
Embedded profile: ngf = ndf = 16, 6 residual blocks (so that layer 16 is still block 5), F's MLPs 64 wide and 64 patches
per layer (the 256-wide heads would cost more than the 16-wide generator; at 32 px the deeper layers hold only 64
locations), batch 8, 200 steps. FastCUT's embedded profile trains 1,000 steps, not half of CUT's budget as its paper
epochs are, and with λ_NCE 1, not 10 (the board's notes list it). At λ_NCE 10 on 32-px digits its discriminator
separates real from translated images within a few hundred steps (LSGAN D loss 0.0001–0.06 from then on, G's GAN loss ≈
1) and the generator settles on a copy of its input or on one colour scheme for every digit: on hand2mnistm, FID 375,
394, 452 and 295 in seeds 0–3 at 3,000 steps (content accuracy 0.99, 0.99, 0.29, 0.97; identity 414), 377 and 368 in
seeds 0 and 2 at 9,000, 354 in seed 2 at 3,000 without the flip equivariance. At λ_NCE 1, everything else FastCUT's, the
same 3,000 steps score 42, 51, 60 and 42 (content accuracy 0.92, 0.91, 0.92, 0.92), below CUT's 76–116 (weight averages
over the last tenth; 2026-12-03, a 2-core AMD EPYC VM).
"""

from __future__ import annotations

import torch

from bench.method import Method, Official
from bench.nn import (GANLoss, NLayerDiscriminator, ResnetGenerator, init_weights, linear_decay, patchgan_layers,
                      set_requires_grad)
from bench.nn.patchnce import PatchSampleF, patch_nce_layers, sample_ids, tap_layers

def adam(hp: dict, *nets: torch.nn.Module) -> torch.optim.Adam:
    """Adam over ``nets`` with the method's lr and betas (one optimiser per group, as the CUT/DCLGAN code)."""
    params = [p for net in nets for p in net.parameters()]
    return torch.optim.Adam(params, hp["lr"], betas=(hp["beta1"], hp["beta2"]))


CUT_SOURCE = "taesungp/contrastive-unpaired-translation models/networks.py: resnet_9blocks, basic D, mlp_sample F"


class CUT(Method):
    name = "cut"
    settings = frozenset({"unpaired"})
    directions = "a2b"
    paper = "Park et al., ECCV 2020"
    code = "taesungp/contrastive-unpaired-translation"
    inference = ("G",)
    embedded_steps = 200
    paper_epochs = 400  # 200 + 200 decay
    official = Official({"G": 11_378_179, "D": 2_764_737, "F": 560_384}, 256, CUT_SOURCE)

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 1, "lr": 2e-4, "beta1": 0.5, "beta2": 0.999, "ngf": 64, "ndf": 64, "n_blocks": 9,
              "n_layers_d": patchgan_layers(task.image_size), "antialias": True, "gan_mode": "lsgan",
              "init": "xavier", "init_gain": 0.02, "lambda_gan": 1.0, "lambda_nce": 1.0, "nce_idt": True,
              "nce_layers": [0, 4, 8, 12, 16], "num_patches": 256, "netf_nc": 256, "nce_t": 0.07,
              "flip_equivariance": False, "decay_start": 0.5}
        if profile == "embedded":
            hp.update(ngf=16, ndf=16, n_blocks=6, batch_size=8, netf_nc=64, num_patches=64)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        init = lambda net: self.to_device(init_weights(net, hp["init"], hp["init_gain"]))  # noqa: E731
        self.G = init(ResnetGenerator(3, 3, hp["ngf"], "instance", False, hp["n_blocks"], antialias=hp["antialias"]))
        self.D = init(NLayerDiscriminator(3, hp["ndf"], hp["n_layers_d"], "instance", antialias=hp["antialias"]))
        self.layers = tap_layers(self.name, hp["nce_layers"], self.G)
        self.F = PatchSampleF(hp["netf_nc"], hp["init"], hp["init_gain"])
        self.nets = {"G": self.G, "D": self.D, "F": self.F}
        self.optimizers = {"G": adam(hp, self.G), "D": adam(hp, self.D)}
        self.schedulers = {k: linear_decay(o, self.steps, hp["decay_start"]) for k, o in self.optimizers.items()}
        self.gan = GANLoss(hp["gan_mode"])

    def setup(self, first_batch):
        """Build F's MLPs from the generator's features of one image (their widths are known only then)."""
        with torch.no_grad():
            self.F.build(self.G.features(first_batch["A"][:1], self.layers))
        self.optimizers["F"] = adam(self.hp, self.F)
        self.schedulers["F"] = linear_decay(self.optimizers["F"], self.steps, self.hp["decay_start"])

    def nce(self, source: torch.Tensor, output: torch.Tensor, flipped: bool) -> torch.Tensor:
        """λ_NCE · PatchNCE between ``output``'s features (queries) and ``source``'s (keys) at shared locations."""
        hp = self.hp
        queries = self.G.features(output, self.layers)
        if flipped:
            queries = [q.flip(3) for q in queries]
        keys = self.G.features(source, self.layers)
        ids = sample_ids(keys, hp["num_patches"])
        loss = patch_nce_layers(self.F(queries, ids), self.F(keys, ids), source.shape[0], hp["nce_t"])
        return loss * hp["lambda_nce"]

    def train_step(self, batch, step):
        hp = self.hp
        real_a, real_b = batch["A"], batch["B"]
        real = torch.cat([real_a, real_b]) if hp["nce_idt"] else real_a
        flipped = bool(hp["flip_equivariance"]) and bool(torch.rand(()) < 0.5)
        fake = self.G(real.flip(3) if flipped else real)
        fake_b = fake[: real_a.shape[0]]
        losses = {}
        self.optimizers["D"].zero_grad(set_to_none=True)
        losses["D"] = 0.5 * (self.gan(self.D(fake_b.detach()), False) + self.gan(self.D(real_b), True))
        losses["D"].backward()
        self.optimizers["D"].step()
        set_requires_grad(self.D, False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        self.optimizers["F"].zero_grad(set_to_none=True)
        losses["G_GAN"] = self.gan(self.D(fake_b), True, for_d=False) * hp["lambda_gan"]
        losses["NCE"] = self.nce(real_a, fake_b, flipped)
        nce_both = losses["NCE"]
        if hp["nce_idt"]:
            losses["NCE_Y"] = self.nce(real_b, fake[real_a.shape[0]:], flipped)
            nce_both = 0.5 * (losses["NCE"] + losses["NCE_Y"])
        (losses["G_GAN"] + nce_both).backward()
        self.optimizers["G"].step()
        self.optimizers["F"].step()
        set_requires_grad(self.D, True)
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        return self.G(x)


class FastCUT(CUT):
    name = "fastcut"
    embedded_steps = 1000
    paper_epochs = 200  # 150 + 50 decay

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = super().hparams(task, profile)
        hp.update(lambda_nce=10.0, nce_idt=False, flip_equivariance=True, decay_start=0.75)
        if profile == "embedded":
            hp.update(lambda_nce=1.0)
        return hp
