"""Weight initialisation schemes of the official codebases (normal 0.02, xavier, kaiming, orthogonal)."""

from __future__ import annotations

from torch import nn

from bench.errors import ConfigError

INITS = ("normal", "xavier", "kaiming", "orthogonal", "default")


def init_weights(net: nn.Module, kind: str = "normal", gain: float = 0.02) -> nn.Module:
    """Initialise conv/linear weights by ``kind`` (biases 0) and batch-norm weights N(1, gain); 'default' keeps PyTorch's."""
    if kind not in INITS:
        raise ConfigError(f"unknown init {kind!r}; expected one of {INITS}")
    if kind == "default":
        return net

    def apply(m: nn.Module) -> None:
        name = type(m).__name__
        if hasattr(m, "weight") and m.weight is not None and ("Conv" in name or "Linear" in name):
            if kind == "normal":
                nn.init.normal_(m.weight, 0.0, gain)
            elif kind == "xavier":
                nn.init.xavier_normal_(m.weight, gain=gain)
            elif kind == "kaiming":
                nn.init.kaiming_normal_(m.weight, a=0, mode="fan_in")
            else:
                nn.init.orthogonal_(m.weight, gain=gain)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)
        elif "BatchNorm2d" in name and m.weight is not None:
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)

    net.apply(apply)
    return net
