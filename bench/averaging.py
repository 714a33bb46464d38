"""Weight averaging for evaluation: an exponential average of each trained network over the last part of training.

GAN weights oscillate from step to step, so the networks of the last step score with a noise that belongs to the
step the budget happened to end on, not to the method (Yazıcı et al., "The Unusual Effectiveness of Averaging in GAN
Training", ICLR 2019). With a horizon h > 0 the harness keeps beside every trained network an exponential average
whose weight on the newest step, after t steps, is 1 / max(1, h·t): at any point of any budget it spans about the
last fraction h of the steps so far. Translation and the metrics then use the averages; training never sees them.
Networks a method already averages itself (StarGAN v2's and TUNIT's EMA copies) are left to the method.
"""

from __future__ import annotations

import copy

from torch import nn

from bench.errors import ConfigError
from bench.method import Method, move_towards


def averaged_networks(method: Method) -> dict[str, nn.Module]:
    """The trained networks the harness averages: all but those the method keeps an EMA copy of."""
    own = set(method.ema_sources())
    return {name: net for name, net in method.nets.items() if name not in own}


class WeightAverage:
    """The averages of a method's networks (horizon h: the fraction of the steps so far that they span)."""

    def __init__(self, method: Method, horizon: float):
        self.horizon = horizon  # validated with the run's spec (make_spec)
        self.nets = averaged_networks(method)
        self.shadows = {name: copy.deepcopy(net).requires_grad_(False) for name, net in self.nets.items()}

    def update(self, steps_done: int) -> None:
        """Move every average towards its network after step ``steps_done`` (1-based); buffers are copied."""
        weight = 1.0 / max(1.0, self.horizon * steps_done)
        for name, net in self.nets.items():
            move_towards(self.shadows[name], net, weight)

    def state_dict(self) -> dict[str, dict]:
        return {name: shadow.state_dict() for name, shadow in self.shadows.items()}

    def load_state_dict(self, state: dict[str, dict]) -> None:
        _load(self.shadows, state)


def use_averages(method: Method, state: dict[str, dict]) -> None:
    """Load a checkpoint's averages into the method's networks, which then translate and classify with them."""
    _load(averaged_networks(method), state)


def _load(nets: dict[str, nn.Module], state: dict[str, dict]) -> None:
    if set(state) != set(nets):
        raise ConfigError(f"checkpoint's weight averages cover {sorted(state)}, the method's networks {sorted(nets)}")
    for name, net in nets.items():
        net.load_state_dict(state[name])
