"""Token decoders, picked by name from the model config.

A decoder takes ``(config_section, dim, vocab_size, max_positions)`` and provides
``forward(tokens, enc, enc_mask) -> logits`` for teacher forcing plus the cached single-step
interface used by :mod:`signa.models.decoding`: ``cross_kv(enc)`` and
``step(token, position, cache, cross, enc_mask) -> (logits, cache)``.
"""

from __future__ import annotations

import importlib

from torch import nn

DECODERS: dict[str, type[nn.Module]] = {}
BUILTIN = ("signa.models.decoders.transformer",)


def register_decoder(name: str):
    def decorator(cls):
        DECODERS[name] = cls
        return cls

    return decorator


def decoder_class(name: str) -> type[nn.Module]:
    for module in BUILTIN:
        importlib.import_module(module)
    if name not in DECODERS:
        raise ValueError(f"unknown decoder {name!r} (known: {', '.join(sorted(DECODERS))})")
    return DECODERS[name]
