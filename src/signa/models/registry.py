"""A light name -> class registry, so a config names its architecture and a checkpoint rebuilds it.

A registered model class has a dataclass ``Config`` attribute and takes an instance of it as its
only constructor argument; the instance is kept as ``model.config``.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from signa.config import from_dict
from signa.errors import SignaError
from signa.registry import Registry

ARCHITECTURES = Registry("model architecture", ("signa.models.fingerspelling", "signa.models.signs"), "arch")
register = ARCHITECTURES.register
architecture = ARCHITECTURES.get


def build_model(arch: str, config: dict, source: str | Path | None = None) -> nn.Module:
    """Build architecture ``arch`` from the plain-data ``config`` of its ``Config`` dataclass."""
    cls = architecture(arch, source)
    checked = from_dict(cls.Config, config, source, prefix="model.")
    try:
        return cls(checked)
    except ValueError as err:  # a check of the layers or the model itself (an even kernel, say)
        raise SignaError(f"invalid model: {err}", source) from None
