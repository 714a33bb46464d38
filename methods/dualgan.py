"""DualGAN (Yi et al., "DualGAN: Unsupervised Dual Learning for Image-to-Image Translation", ICCV 2017).

Official code: duxingren14/DualGAN (TensorFlow; ``model.py``, ``ops.py``, ``main.py``), rebuilt here layer
for layer. Generators: a U-Net of log2(size) levels (8 at 256 px): e1 = conv 5×5 s2 (gcn); then LReLU(0.2) →
conv 3×3 s2 → norm, widths 2, 4, 8, 8, … ·gcn down to 1×1; decoder ReLU → deconv 3×3 s2 → norm, concatenated
with the mirror encoder level; last ReLU → deconv 5×5 s2 → tanh. All convolutions carry biases and use TF's
"SAME" padding (the extra row/column of padding goes bottom/right; transposed convolutions crop likewise).
The code's ``batch_norm`` normalises over H×W of each sample (``tf.nn.moments`` on axes 1, 2): an instance norm
with a learnt scale (init N(1, 0.02)) and centre, eps 1e-6, kept so here, including its constant output on
the 1×1 bottleneck. Critics: conv 5×5 s2 (dcn) → LReLU, then conv 3×3 s2 → norm → LReLU with widths 2, 4, 8,
8·dcn (8×8 map at 256 px), then the code's default ``globalgan`` head, a linear layer on the flattened map
(``patch`` gives the code's 3×3 s2 conv to a logit map). Init as in the code: truncated N(0, 0.02) for convs,
N(0, 0.02) for deconvs and the linear layer, zero biases.

Objective (the paper's variant, WGAN with weight clipping): critics minimise E D(fake) − E D(real) and are
clipped to ±c after every step; generators minimise −E D(fake) + λ_U‖G_B(G_A(u)) − u‖₁ + λ_V‖G_A(G_B(v)) − v‖₁.
RMSProp (TF's: accumulator starts at 1, decay 0.9, eps 1e-10 inside the square root), lr 5e-5, constant,
batch 1. Each iteration steps the critics, then the generators every ``n_critic``-th iteration, on a fresh
forward pass (as the code's two ``sess.run`` calls do). Paper values: λ in [100, 1000], n_critic 2–4,
c in [0.01, 0.1], batch 1–4; we take λ_U = λ_V = 500 and c = 0.01 (the code's defaults), n_critic = 2 and
batch 1. ``gan_mode=wgangp`` gives the code's default instead (gradient penalty γ = 10 on per-sample
interpolates, no clipping) and ``gan_mode=vanilla`` its ``classic`` mode (sigmoid cross-entropy, the
generators stepped twice per iteration).

Deviations:
- Sizes other than 256 px: the U-Net keeps log2(size) levels (down to 1×1, as at 256); the critic keeps the
  8×8 map of its 256-px geometry, with min(5, log2(size) − 3) stride-2 layers (all 5 at 256 px and above).
  The code's fixed 5 layers would reach 1×1 below 64 px, where its instance norm outputs a constant.
- The gradient penalty uses ‖∇‖₂ without the code's 1e-8 inside the square root.
- The code's ``dropout_rate`` (0 by default) and L2 reconstruction options are not offered.
Embedded profile: gcn = dcn = 16, batch 16, 250 steps; and, listed in the board's notes, one critic step per
generator step, clip 0.1, λ 100 each way and lr 1e-4 (the paper's WGAN settings do not move the generator within
the embedded budget).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from bench.errors import ConfigError
from bench.method import Method, Official
from bench.nn import GANLoss, gradient_penalty, set_requires_grad, unet_channels


def _same_pads(size: int, kernel: int, stride: int) -> tuple[int, int]:
    """TF "SAME" padding (before, after) of one spatial axis: the odd pixel goes after."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


class SameConv2d(nn.Conv2d):
    """Convolution with TensorFlow's "SAME" padding (output = ceil(input / stride))."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 2):
        super().__init__(c_in, c_out, kernel, stride, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (k, _), (s, _) = self.kernel_size, self.stride
        top, bottom = _same_pads(x.shape[-2], k, s)
        left, right = _same_pads(x.shape[-1], k, s)
        return super().forward(F.pad(x, (left, right, top, bottom)))


class SameConvTranspose2d(nn.ConvTranspose2d):
    """TF's ``conv2d_transpose`` with "SAME" padding: output = input · stride, cropped as its forward conv pads."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 2):
        super().__init__(c_in, c_out, kernel, stride, padding=0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (k, _), (s, _) = self.kernel_size, self.stride
        h, w = x.shape[-2] * s, x.shape[-1] * s
        top, _ = _same_pads(h, k, s)
        left, _ = _same_pads(w, k, s)
        return super().forward(x)[..., top:top + h, left:left + w]


class TFInstanceNorm(nn.Module):
    """The code's ``batch_norm``: per-sample, per-channel moments over H×W; learnt scale and centre; eps 1e-6."""

    def __init__(self, channels: int, eps: float = 1e-6):
        super().__init__()
        self.eps = eps
        self.scale = nn.Parameter(torch.empty(channels).normal_(1.0, 0.02))
        self.center = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        mean = x.mean(dim=(2, 3), keepdim=True)
        var = x.var(dim=(2, 3), keepdim=True, unbiased=False)
        return (x - mean) * torch.rsqrt(var + self.eps) * self.scale[:, None, None] + self.center[:, None, None]


class DualUnet(nn.Module):
    """The code's ``fcn``: ``depth`` encoder levels down to 1×1, a mirrored decoder with skips, tanh output."""

    def __init__(self, depth: int, gcn: int = 64):
        super().__init__()
        widths = unet_channels(depth, gcn)
        self.down = nn.ModuleList([SameConv2d(3, widths[0], 5)])
        for c_in, c_out in zip(widths, widths[1:]):
            self.down.append(nn.Sequential(nn.LeakyReLU(0.2), SameConv2d(c_in, c_out, 3), TFInstanceNorm(c_out)))
        self.up = nn.ModuleList()
        for j in range(1, depth):
            c_in = widths[-1] if j == 1 else 2 * widths[depth - j]
            c_out = widths[depth - 1 - j]
            self.up.append(nn.Sequential(nn.ReLU(), SameConvTranspose2d(c_in, c_out, 3), TFInstanceNorm(c_out)))
        self.out = nn.Sequential(nn.ReLU(), SameConvTranspose2d(2 * widths[0], 3, 5), nn.Tanh())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for layer in self.down:
            x = layer(x)
            skips.append(x)
        for layer, skip in zip(self.up, reversed(skips[:-1])):
            x = torch.cat([layer(x), skip], 1)
        return self.out(x)


class DualCritic(nn.Module):
    """The code's ``discriminator``: ``n_layers`` stride-2 convs, then a global linear or a patch conv head."""

    def __init__(self, image_size: int, n_layers: int, dcn: int = 64, head: str = "global"):
        super().__init__()
        widths = unet_channels(n_layers, dcn)
        layers: list[nn.Module] = [SameConv2d(3, widths[0], 5), nn.LeakyReLU(0.2)]
        for c_in, c_out in zip(widths, widths[1:]):
            layers += [SameConv2d(c_in, c_out, 3), TFInstanceNorm(c_out), nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*layers)
        side = image_size
        for _ in range(n_layers):
            side = -(-side // 2)
        if head == "global":
            self.head: nn.Module = nn.Sequential(nn.Flatten(), nn.Linear(widths[-1] * side * side, 1))
        elif head == "patch":
            self.head = SameConv2d(widths[-1], 1, 3)
        else:
            raise ConfigError(f"DualGAN critic head {head!r}: expected 'global' or 'patch'")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


@torch.no_grad()
def _truncated_normal_(weight: torch.Tensor, std: float) -> None:
    """TF's ``truncated_normal_initializer``: N(0, std), values beyond 2·std drawn again."""
    weight.normal_(0.0, std)
    redraw = weight.abs() > 2 * std
    while redraw.any():
        weight[redraw] = torch.randn(int(redraw.sum()), device=weight.device) * std
        redraw = weight.abs() > 2 * std


@torch.no_grad()
def init_tf(net: nn.Module) -> nn.Module:
    """The code's initialisers: truncated N(0, 0.02) for convs, N(0, 0.02) for deconvs and linears, zero biases."""
    for m in net.modules():
        if isinstance(m, (nn.ConvTranspose2d, nn.Linear)):
            m.weight.normal_(0.0, 0.02)
        elif isinstance(m, nn.Conv2d):
            _truncated_normal_(m.weight, 0.02)
        else:
            continue
        m.bias.zero_()
    return net


class TFRMSprop(torch.optim.Optimizer):
    """TensorFlow 1's RMSProp without momentum: ms ← ρ·ms + (1 − ρ)·g², θ ← θ − lr·g / √(ms + ε), ms starting at 1."""

    def __init__(self, params, lr: float, decay: float = 0.9, eps: float = 1e-10):
        super().__init__(params, {"lr": lr, "decay": decay, "eps": eps})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if not state:
                    state["ms"] = torch.ones_like(p)
                ms = state["ms"]
                ms.mul_(group["decay"]).addcmul_(p.grad, p.grad, value=1 - group["decay"])
                p.addcdiv_(p.grad, ms.add(group["eps"]).sqrt_(), value=-group["lr"])


def dualgan_critic_layers(image_size: int) -> int:
    """Stride-2 critic layers that leave the 8×8 map of the 256-px critic: min(5, log2(size) − 3)."""
    return max(1, min(5, int(math.log2(image_size)) - 3))


def dualgan_depth(image_size: int) -> int:
    """U-Net levels that reach 1×1: log2(size) (8 at 256 px)."""
    depth = int(math.log2(image_size))
    if 2**depth != image_size or depth < 2:
        raise ConfigError(f"DualGAN's U-Net needs a power-of-two image size of at least 4; got {image_size}")
    return depth


class DualGAN(Method):
    name = "dualgan"
    settings = frozenset({"unpaired"})
    directions = "both"
    paper = "Yi et al., ICCV 2017"
    code = "duxingren14/DualGAN"
    inference = ("G_AB", "G_BA")
    embedded_steps = 250
    paper_epochs = 50
    official = Official({"G_AB": 30_627_907, "G_BA": 30_627_907, "D_A": 3_949_441, "D_B": 3_949_441}, 256,
                        "duxingren14/DualGAN model.py: U-Net generator (gf_dim 64), critic (df_dim 64)")

    def inference_for(self, source, target):
        return ("G_AB",) if (source, target) == (0, 1) else ("G_BA",)

    @classmethod
    def hparams(cls, task, profile="paper"):
        hp = {"batch_size": 1, "lr": 5e-5, "rms_decay": 0.9, "rms_eps": 1e-10, "gcn": 64, "dcn": 64,
              "depth": dualgan_depth(task.image_size), "n_layers_d": dualgan_critic_layers(task.image_size),
              "disc_type": "global", "gan_mode": "wgan", "clip_value": 0.01, "n_critic": 2, "gp_weight": 10.0,
              "lambda_A": 500.0, "lambda_B": 500.0}
        if profile == "embedded":
            hp.update(gcn=16, dcn=16, batch_size=16, n_critic=1, clip_value=0.1, lambda_A=100.0, lambda_B=100.0, lr=1e-4)
        return hp

    def __init__(self, task, hparams, device="cpu", steps=1):
        super().__init__(task, hparams, device, steps)
        hp = self.hp
        if hp["gan_mode"] not in ("wgan", "wgangp", "vanilla"):
            raise ConfigError(f"DualGAN gan_mode {hp['gan_mode']!r}: expected 'wgan', 'wgangp' or 'vanilla'")
        size = task.image_size
        # The code's A_g (U→V), B_g (V→U), A_d (judges V) and B_d (judges U) are G_AB, G_BA, D_B and D_A here.
        self.G_AB = self.to_device(init_tf(DualUnet(hp["depth"], hp["gcn"])))
        self.G_BA = self.to_device(init_tf(DualUnet(hp["depth"], hp["gcn"])))
        self.D_A = self.to_device(init_tf(DualCritic(size, hp["n_layers_d"], hp["dcn"], hp["disc_type"])))
        self.D_B = self.to_device(init_tf(DualCritic(size, hp["n_layers_d"], hp["dcn"], hp["disc_type"])))
        self.nets = {"G_AB": self.G_AB, "G_BA": self.G_BA, "D_A": self.D_A, "D_B": self.D_B}
        rms = dict(lr=hp["lr"], decay=hp["rms_decay"], eps=hp["rms_eps"])
        self.optimizers = {"G": TFRMSprop(itertools.chain(self.G_AB.parameters(), self.G_BA.parameters()), **rms),
                           "D": TFRMSprop(itertools.chain(self.D_A.parameters(), self.D_B.parameters()), **rms)}
        self.gan = GANLoss(hp["gan_mode"])

    def _critic_step(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        hp = self.hp
        with torch.no_grad():
            ab, ba = self.G_AB(a), self.G_BA(b)
        self.optimizers["D"].zero_grad(set_to_none=True)
        losses = {}
        for key, D, real, fake in (("D_A", self.D_A, a, ba), ("D_B", self.D_B, b, ab)):
            losses[key] = self.gan(D(real), True) + self.gan(D(fake), False)
            if hp["gan_mode"] == "wgangp":
                losses[key] = losses[key] + hp["gp_weight"] * gradient_penalty(D, real, fake)
        (losses["D_A"] + losses["D_B"]).backward()
        self.optimizers["D"].step()
        if hp["gan_mode"] == "wgan":
            with torch.no_grad():
                for p in itertools.chain(self.D_A.parameters(), self.D_B.parameters()):
                    p.clamp_(-hp["clip_value"], hp["clip_value"])
        return losses

    def _generator_losses(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        ab, ba = self.G_AB(a), self.G_BA(b)
        return {"G_AB": self.gan(self.D_B(ab), True, for_d=False), "G_BA": self.gan(self.D_A(ba), True, for_d=False),
                "recon_A": F.l1_loss(self.G_BA(ab), a), "recon_B": F.l1_loss(self.G_AB(ba), b)}

    def _generator_step(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        hp = self.hp
        set_requires_grad([self.D_A, self.D_B], False)
        self.optimizers["G"].zero_grad(set_to_none=True)
        losses = self._generator_losses(a, b)
        (losses["G_AB"] + losses["G_BA"] + hp["lambda_A"] * losses["recon_A"]
         + hp["lambda_B"] * losses["recon_B"]).backward()
        self.optimizers["G"].step()
        set_requires_grad([self.D_A, self.D_B], True)
        return losses

    def train_step(self, batch, step):
        a, b = batch["A"], batch["B"]
        losses = self._critic_step(a, b)
        if self.hp["gan_mode"] == "vanilla":
            self._generator_step(a, b)
            losses.update(self._generator_step(a, b))
        elif step % self.hp["n_critic"] == 0:
            losses.update(self._generator_step(a, b))
        else:
            with torch.no_grad():
                losses.update(self._generator_losses(a, b))
        return {k: v.item() for k, v in losses.items()}

    def translate(self, x, *, source, target, mode, noise=None, reference=None):
        return (self.G_AB if (source, target) == (0, 1) else self.G_BA)(x)
