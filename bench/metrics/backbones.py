"""Feature backbones for FID/KID and LPIPS: where their weights come from, and clear errors when they are missing.

``inception-v3-compat`` (torch-fidelity) serves natural images; the embedded digits suite uses its own
evaluation network, registered with torch-fidelity as ``evalnet-digits``. Nothing falls back silently to
another backbone.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch
import torch_fidelity
from torch_fidelity.feature_extractor_base import FeatureExtractorBase
from torch_fidelity.feature_extractor_inceptionv3 import URL_INCEPTION_V3
from torch_fidelity.registry import FEATURE_EXTRACTORS_REGISTRY

from bench import defaults
from bench.errors import ConfigError, MissingWeightsError
from bench.io import sha256_file
from bench.metrics.evalnet import DigitNet, load_evalnet

INCEPTION = "inception-v3-compat"
EVALNET = "evalnet-digits"
ALEXNET_FILE = "alexnet-owt-7be5be79.pth"
ALEXNET_URL = f"https://download.pytorch.org/models/{ALEXNET_FILE}"


@dataclass(frozen=True)
class Backbone:
    """A torch-fidelity feature extractor with its weights file and the feature layer FID/KID use."""

    name: str
    weights: Path
    layer: str
    resize: str

    @property
    def sha256(self) -> str:
        return sha256_file(self.weights)

    @property
    def key(self) -> str:
        """Short identifier for cache names: the backbone and its weights' hash."""
        return f"{self.name}-{self.sha256[:12]}"


def hub_checkpoints() -> Path:
    return Path(torch.hub.get_dir()) / "checkpoints"


def inception_weights(explicit: str | Path | None = None) -> Path:
    """The Inception weights file: ``explicit`` if given, else torch-fidelity's file in the torch hub cache."""
    path = Path(explicit) if explicit else hub_checkpoints() / URL_INCEPTION_V3.rsplit("/", 1)[1]
    if not path.is_file():
        raise MissingWeightsError(
            f"FID/KID with {INCEPTION} need the Inception weights file {path.name}, which is not at {path}. "
            f"Download {URL_INCEPTION_V3} and put it in {path.parent}, or point feature_extractor_weights_path "
            "(--weights / --inception-weights) at a copy.")
    return path


def alexnet_weights() -> Path:
    """torchvision's AlexNet weights, which the ``lpips`` package loads from the torch hub cache."""
    path = hub_checkpoints() / ALEXNET_FILE
    if not path.is_file():
        raise MissingWeightsError(f"LPIPS (AlexNet, v0.1) needs {ALEXNET_FILE}, which is not at {path}. "
                                  f"Download {ALEXNET_URL} and put it in {path.parent}.")
    return path


class EvalnetExtractor(FeatureExtractorBase):
    """torch-fidelity adapter for the digits evaluation network; counts the images it embeds."""

    images_seen = 0

    def __init__(self, name: str, features_list: list[str], feature_extractor_weights_path: str | None = None,
                 **kwargs):
        super().__init__(name, features_list)
        self.net, _ = load_evalnet(feature_extractor_weights_path)

    @staticmethod
    def get_provided_features_list() -> tuple[str, ...]:
        return ("embedding", "logits")

    @staticmethod
    def get_default_feature_layer_for_metric(metric: str) -> str:
        return "embedding"

    @staticmethod
    def can_be_compiled() -> bool:
        return False

    @staticmethod
    def get_dummy_input_for_compile() -> torch.Tensor:
        return torch.zeros(1, 3, 32, 32, dtype=torch.uint8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        type(self).images_seen += len(x)
        emb = self.net.embedding(self.net.prepare(x))
        feats = {"embedding": emb, "logits": self.net.digit(emb)}
        return tuple(feats[f] for f in self.features_list)


if EVALNET not in FEATURE_EXTRACTORS_REGISTRY:
    torch_fidelity.register_feature_extractor(EVALNET, EvalnetExtractor)


def evalnet_backbone(weights: str | Path | None = None) -> tuple[Backbone, DigitNet]:
    """The digits backbone and its network, loaded once: the pinned network unless a retrained one is given."""
    path = Path(weights) if weights is not None else defaults.EVALNET_PINNED
    net, meta = load_evalnet(path)
    return Backbone(EVALNET, path, "embedding", f"bilinear to {meta['image_size']}×{meta['image_size']}"), net


def resolve_backbone(name: str, weights: str | Path | None = None) -> Backbone:
    """A backbone by name; its weights must exist (evalnet: the file given; inception: given or in the hub cache)."""
    if name == INCEPTION:
        return Backbone(INCEPTION, inception_weights(weights), "2048", "bilinear (TF1-compatible) to 299×299")
    if name == EVALNET:
        return evalnet_backbone(weights)[0]
    raise ConfigError(f"unknown backbone {name!r}; known: {INCEPTION}, {EVALNET}")
