"""Token decoders, picked by name from the model config.

A decoder takes ``(config_section, dim, vocab_size, max_positions)`` and provides
``forward(tokens, enc, enc_mask) -> logits`` for teacher forcing plus the cached single-step
interface used by :mod:`signa.models.decoding`: ``cross_kv(enc)`` and
``step(token, position, cache, cross, enc_mask) -> (logits, cache)``.
"""

from __future__ import annotations

from signa.registry import Registry

DECODERS = Registry("decoder", ("signa.models.decoders.transformer",))
register_decoder = DECODERS.register
decoder_class = DECODERS.get
