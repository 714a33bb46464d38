"""The evaluation network of the embedded digits suite: a small CNN with digit-class and domain heads.

Trained on the suite's training splits only, deterministic from a seed. Its penultimate features serve
FID/KID (through torch-fidelity, as a registered feature extractor), its convolutional features an
LPIPS-style distance, and its digit head the content accuracy of translations.
"""

from __future__ import annotations

import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from bench import defaults
from bench.data.loader import BatchSampler, to_float
from bench.data.readers import read_split
from bench.data.tasks import get_task
from bench.errors import ChecksumError, ConfigError, MissingWeightsError
from bench.io import sha256_file, torch_load, torch_save
from bench.progress import progress_bar
from bench.runtime import seed_everything

SUITE_TASK = {"digits": "digits3"}
FEATURE_DIM = 128


class DigitNet(nn.Module):
    """Three conv stages (16, 32, 64 channels, 3×3 conv + BN + ReLU, max-pooled), a 128-d embedding, two heads.

    Small on purpose: it trains in well under two minutes on a laptop CPU.
    """

    def __init__(self, n_classes: int = 10, n_domains: int = 3, width: int = 16, image_size: int = 32):
        super().__init__()
        self.image_size = image_size
        chans = [3, width, 2 * width, 4 * width]
        self.stages = nn.ModuleList(
            nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(True))
            for cin, cout in zip(chans, chans[1:]))
        self.embed = nn.Sequential(nn.Flatten(), nn.Linear(chans[-1] * (image_size // 8) ** 2, FEATURE_DIM),
                                   nn.ReLU(True))
        self.drop = nn.Dropout(0.3)
        self.digit = nn.Linear(FEATURE_DIM, n_classes)
        self.domain = nn.Linear(FEATURE_DIM, n_domains)

    def stage_features(self, x: torch.Tensor) -> list[torch.Tensor]:
        """Each stage's output before pooling (for the LPIPS-style distance)."""
        feats = []
        for stage in self.stages:
            x = stage(x)
            feats.append(x)
            x = F.max_pool2d(x, 2)
        return feats

    def embedding(self, x: torch.Tensor) -> torch.Tensor:
        return self.embed(F.max_pool2d(self.stage_features(x)[-1], 2))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.drop(self.embedding(x))
        return self.digit(h), self.domain(h)

    def prepare(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 or [-1, 1] float images of any size → [-1, 1] floats at the network's size, on its device."""
        images = images.to(next(self.parameters()).device)
        x = to_float(images) if images.dtype == torch.uint8 else images.float()
        if x.shape[-1] != self.image_size or x.shape[-2] != self.image_size:
            x = F.interpolate(x, size=(self.image_size, self.image_size), mode="bilinear", align_corners=False)
        return x


def evalnet_task(suite: str) -> str:
    """The task whose splits train ``suite``'s evaluation network."""
    if suite not in SUITE_TASK:
        raise ConfigError(f"unknown suite {suite!r} for an evaluation network; known: {', '.join(SUITE_TASK)}")
    return SUITE_TASK[suite]


def train_evalnet(suite: str, out: str | Path, *, seed: int = 0, steps: int = defaults.EVALNET_STEPS,
                  batch_size: int = 64, lr: float = 1e-3, data_root: str | Path | None = None,
                  progress: bool = True) -> dict:
    """Train the suite's evaluation network on its training splits; save weights and test accuracies."""
    task = get_task(evalnet_task(suite))
    train_split = read_split(task, "train", data_root)
    size = int(train_split.sets[0].images.shape[-1])
    task = get_task(task.name, size)
    seed_everything(seed)
    net = DigitNet(n_domains=len(task.domains), image_size=size)
    opt = torch.optim.Adam(net.parameters(), lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    sampler = BatchSampler(train_split, batch_size, seed)
    started = time.perf_counter()
    net.train()
    for step in progress_bar(range(steps), desc=f"training the {suite} evaluation network", disable=not progress):
        batch = sampler.batch(step)
        x = _jitter(batch["x"])
        digit, domain = net(x)
        loss = F.cross_entropy(digit, batch["label"]) + F.cross_entropy(domain, batch["domain"])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
    net.eval()
    test = read_split(task, "test", data_root)
    accuracy = {s.domain: digit_accuracy(net, s.images, s.labels) for s in test.sets}
    meta = {"suite": suite, "seed": seed, "steps": steps, "image_size": size, "domains": list(task.domains),
            "test_accuracy": accuracy, "train_seconds": time.perf_counter() - started}
    torch_save({"state_dict": net.state_dict(), "meta": meta}, out)
    return meta


def verify_pinned(path: Path) -> None:
    """Refuse a pinned evaluation network whose bytes are not the published ones (as torch-fidelity does)."""
    digest = sha256_file(path.resolve())
    if digest != defaults.EVALNET_SHA256:
        raise ChecksumError(f"{path}: SHA-256 {digest} is not the pinned evaluation network's "
                            f"{defaults.EVALNET_SHA256}; restore the file from the repository")


def _jitter(x: torch.Tensor, pad: int = 2) -> torch.Tensor:
    """Random shifts of up to ``pad`` pixels (one per batch), so the network does not rely on exact position."""
    dx, dy = (int(v) for v in torch.randint(-pad, pad + 1, (2,)))
    return torch.roll(x, shifts=(dy, dx), dims=(2, 3))


@torch.no_grad()
def digit_logits(net: DigitNet, images: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    return torch.cat([net(net.prepare(images[i:i + batch_size]))[0].cpu()
                      for i in range(0, len(images), batch_size)])


def digit_accuracy(net: DigitNet, images: torch.Tensor, labels: torch.Tensor) -> float:
    return (digit_logits(net, images).argmax(1) == labels).float().mean().item()


def load_evalnet(path: str | Path | None = None) -> tuple[DigitNet, dict]:
    """The evaluation network in eval mode, and its metadata; a missing file says how to make it.

    ``None`` is the pinned network shipped with the harness, whose SHA-256 is verified before use.
    """
    path = Path(path) if path is not None else defaults.EVALNET_PINNED
    if not path.is_file():
        raise MissingWeightsError(f"{path}: evaluation network not found; train it with "
                                  f"`python -m bench evalnet --suite digits --out {path}`")
    if path.resolve() == defaults.EVALNET_PINNED:
        verify_pinned(path)
    blob = torch_load(path)
    meta = blob["meta"]
    net = DigitNet(n_domains=len(meta["domains"]), image_size=meta["image_size"])
    net.load_state_dict(blob["state_dict"])
    return net.eval(), meta
