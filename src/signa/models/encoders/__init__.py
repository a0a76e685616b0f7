"""Encoders and input stems, picked by name from the model config.

An encoder module registers its class with :func:`register_encoder` (a stem with
:func:`register_stem`); a new one joins by adding its module to :data:`BUILTIN` without touching
the others. Encoders take ``(config_section, dim, max_len)``, stems ``(config_section, dim,
selection)``.
"""

from __future__ import annotations

from signa.registry import Registry

BUILTIN = (
    "signa.models.encoders.squeezeformer",
    "signa.models.encoders.conv_local_global",
    "signa.models.encoders.zipformer",
    "signa.models.encoders.landmark_stem",
)
ENCODERS = Registry("encoder", BUILTIN)
STEMS = Registry("stem", BUILTIN)
register_encoder = ENCODERS.register
register_stem = STEMS.register
encoder_class = ENCODERS.get
stem_class = STEMS.get
