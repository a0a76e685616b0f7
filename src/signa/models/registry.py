"""A light name -> class registry, so a config names its architecture and a checkpoint rebuilds it.

A registered model class has a dataclass ``Config`` attribute and takes an instance of it as its
only constructor argument; the instance is kept as ``model.config``.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from signa.config import from_dict
from signa.errors import SignaError

_ARCHITECTURES: dict[str, type[nn.Module]] = {}


def register(name: str):
    def decorator(cls):
        cls.arch = name
        _ARCHITECTURES[name] = cls
        return cls

    return decorator


def architecture(name: str, source: str | Path | None = None) -> type[nn.Module]:
    _import_builtin_models()
    if name not in _ARCHITECTURES:
        raise SignaError(
            f"unknown model architecture {name!r} (known: {', '.join(sorted(_ARCHITECTURES))})", source
        )
    return _ARCHITECTURES[name]


def build_model(arch: str, config: dict, source: str | Path | None = None) -> nn.Module:
    """Build architecture ``arch`` from the plain-data ``config`` of its ``Config`` dataclass."""
    cls = architecture(arch, source)
    return cls(from_dict(cls.Config, config, source, prefix="model."))


def _import_builtin_models() -> None:
    """Import the modules that register SIGNA's own architectures."""
    import importlib

    for module in ("signa.models.fingerspelling", "signa.models.signs"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
