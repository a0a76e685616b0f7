"""Exponential moving averages of weights: the loop's optional EMA and a task's mean teacher."""

from __future__ import annotations

import contextlib

import torch
from torch import nn


@torch.no_grad()
def ema_update(target: nn.Module, source: nn.Module, decay: float) -> None:
    """``target ← decay·target + (1 − decay)·source`` for floating parameters and buffers.

    Integer buffers (BatchNorm's batch counter) are copied. No host synchronisation.
    """
    _average_into(target.state_dict(), source.state_dict(), decay)


def _average_into(target: dict[str, torch.Tensor], source: dict[str, torch.Tensor], decay: float) -> None:
    floats = [k for k, v in target.items() if v.is_floating_point()]
    if floats:
        torch._foreach_lerp_([target[k] for k in floats], [source[k].detach() for k in floats], 1.0 - decay)
    for key, value in target.items():
        if not value.is_floating_point():
            value.copy_(source[key])


class WeightEma:
    """An EMA of a module's weights, kept as a state dict beside it.

    The decay warms up as ``min(decay, (1 + n) / (10 + n))`` over the first updates so that early,
    random weights fade quickly.
    """

    def __init__(self, module: nn.Module, decay: float):
        self.decay = decay
        self.updates = 0
        self.shadow = {k: v.detach().clone() for k, v in module.state_dict().items()}

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        decay = min(self.decay, (1 + self.updates) / (10 + self.updates))
        self.updates += 1
        _average_into(self.shadow, module.state_dict(), decay)

    @contextlib.contextmanager
    def swapped_into(self, module: nn.Module):
        """Within the block, ``module`` holds the averaged weights; its own come back afterwards."""
        own = {k: v.detach().clone() for k, v in module.state_dict().items()}
        module.load_state_dict(self.shadow)
        try:
            yield module
        finally:
            module.load_state_dict(own)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "updates": self.updates, "shadow": self.shadow}

    def load_state_dict(self, state: dict) -> None:
        self.updates = state["updates"]
        for key, value in state["shadow"].items():
            self.shadow[key].copy_(value)
