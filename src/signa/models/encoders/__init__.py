"""Encoders and input stems, picked by name from the model config.

An encoder module registers its class with :func:`register_encoder` (a stem with
:func:`register_stem`); a new one joins by adding its module to :data:`BUILTIN` without touching
the others. Encoders take ``(config_section, dim, max_len)``, stems ``(config_section, dim,
selection)``.
"""

from __future__ import annotations

import importlib

from torch import nn

ENCODERS: dict[str, type[nn.Module]] = {}
STEMS: dict[str, type[nn.Module]] = {}
BUILTIN = ("signa.models.encoders.squeezeformer", "signa.models.encoders.landmark_stem")


def register_encoder(name: str):
    def decorator(cls):
        ENCODERS[name] = cls
        return cls

    return decorator


def register_stem(name: str):
    def decorator(cls):
        STEMS[name] = cls
        return cls

    return decorator


def encoder_class(name: str) -> type[nn.Module]:
    _import_builtin()
    if name not in ENCODERS:
        raise ValueError(f"unknown encoder {name!r} (known: {', '.join(sorted(ENCODERS))})")
    return ENCODERS[name]


def stem_class(name: str) -> type[nn.Module]:
    _import_builtin()
    if name not in STEMS:
        raise ValueError(f"unknown stem {name!r} (known: {', '.join(sorted(STEMS))})")
    return STEMS[name]


def _import_builtin() -> None:
    for module in BUILTIN:
        importlib.import_module(module)
