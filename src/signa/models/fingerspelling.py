"""The fingerspelling model: landmarks -> characters (the 1st-place encoder-decoder, SOLUTIONS.md §2.6).

Assembled from parts picked by name in :class:`Config`: a landmark stem (per-part feature
extractors), an encoder (Squeezeformer, Zipformer-style or causal conv + local/global attention),
the output heads of ``heads`` (the ``attention`` decoder and/or a ``ctc`` layer), an optional
backward decoder (a training-only auxiliary loss over the time-flipped encoder output) and an
optional confidence head. The model computes logits only; losses live in the training
code, targets in :mod:`signa.data.targets`, generation in :mod:`signa.models.decoding`.

Input: (B, T, K, 3) landmarks of the model's selection, globally normalised with missing points
at 0 (:func:`signa.data.preprocess.preprocess`), and a (B, T) boolean frame mask (None = all real).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import nn

from signa.data.layout import SELECTIONS, get_selection
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.models.registry import register


@dataclass
class StemConfig:
    """Landmark stem: an all-points extractor (``dim`` channels) plus one per part in ``parts``."""

    name: str = "landmark_parts"
    channels: int = 32
    parts: list[str] = field(default_factory=lambda: ["left_hand", "right_hand", "face", "pose"])
    # Weight of the new batch in the running statistics of the extractors' output BatchNorm. The
    # reference set 0.95, a Keras-convention value that PyTorch reads as "keep 5 % of the past";
    # 0.05 is what was meant.
    bn_momentum: float = 0.05


@dataclass
class EncoderConfig:
    name: str = "squeezeformer"
    layers: int = 14
    heads: int = 4
    attention: Literal["rope", "relative"] = "rope"
    ffn_expansion: int = 1
    conv_kernel: int = 51
    dropout: float = 0.1
    attention_dropout: float = 0.0
    rope_base: float = 10000.0
    bn_momentum: float = 0.1
    # conv-local-global (SOLUTIONS.md §7.3): causal conv blocks before the attention blocks, and per
    # block the local attentions over the current frame and ``local_window`` previous ones
    conv_blocks: int = 3
    local_attentions: int = 2
    local_window: int = 3
    # zipformer: its regularisers' schedules run this many times faster than icefall's step counts
    schedule_scale: float = 1.0


@dataclass
class DecoderConfig:
    name: str = "transformer"
    layers: int = 2
    heads: int = 4
    ffn_dim: int = 512
    dropout: float = 0.1
    attention_dropout: float = 0.2
    activation_dropout: float = 0.1


HEADS = ("attention", "ctc")


def _kaggle_vocab_size() -> int:
    return Vocabulary.kaggle().size


@dataclass
class Config:
    """The whole architecture; saved in every checkpoint, which it rebuilds alone. Defaults: cfg_2."""

    dim: int = 208
    selection: str = "fingerspelling-130"
    max_len: int = 384
    max_phrase: int = 33
    vocab_size: int = field(default_factory=_kaggle_vocab_size)
    stem: StemConfig = field(default_factory=StemConfig)
    encoder: EncoderConfig = field(default_factory=EncoderConfig)
    decoder: DecoderConfig = field(default_factory=DecoderConfig)
    heads: list[str] = field(default_factory=lambda: ["attention"])
    backward_decoder: bool = True
    confidence_head: bool = True

    def __post_init__(self):
        from signa.models.decoders import decoder_class
        from signa.models.encoders import encoder_class, stem_class

        if self.selection not in SELECTIONS:
            raise ValueError(f"unknown selection {self.selection!r} (known: {', '.join(SELECTIONS)})")
        stem_class(self.stem.name)
        encoder_class(self.encoder.name)
        decoder_class(self.decoder.name)
        part_names = set(get_selection(self.selection).part_names.values())
        unknown = sorted(set(self.stem.parts) - part_names)
        if unknown:
            raise ValueError(f"unknown stem part {unknown[0]!r} (known: {', '.join(sorted(part_names))})")
        if self.stem.parts and self.dim % len(self.stem.parts):
            raise ValueError(f"dim {self.dim} is not divisible by the {len(self.stem.parts)} stem parts")
        for section in (self.encoder, self.decoder):
            if self.dim % section.heads:
                raise ValueError(f"dim {self.dim} is not divisible by {section.heads} heads")
        if self.encoder.attention == "rope" and (self.dim // self.encoder.heads) % 2:
            raise ValueError("RoPE needs an even head dimension")
        if not self.heads or set(self.heads) - set(HEADS):
            raise ValueError(f"heads must be a non-empty list of {', '.join(HEADS)}, got {self.heads}")
        if self.backward_decoder and "attention" not in self.heads:
            raise ValueError("backward_decoder needs the attention head")
        if min(self.dim, self.max_len, self.max_phrase, self.vocab_size, self.encoder.layers) < 1:
            raise ValueError("dim, max_len, max_phrase, vocab_size and encoder.layers must be positive")


@dataclass
class Output:
    """Training forward: logits (B, L, V) of each decoder (None without the attention head),
    confidence logits (B,) or None, and CTC frame logits (B, T, V + 1) or None."""

    logits: torch.Tensor | None
    backward_logits: torch.Tensor | None
    confidence: torch.Tensor | None
    ctc_logits: torch.Tensor | None = None


@register("fingerspelling")
class FingerspellingModel(nn.Module):
    Config = Config

    def __init__(self, config: Config):
        super().__init__()
        from signa.models.decoders import decoder_class
        from signa.models.encoders import encoder_class, stem_class
        from signa.models.heads import ConfidenceHead, CTCHead

        self.config = config
        dim = config.dim
        self.stem = stem_class(config.stem.name)(config.stem, dim, get_selection(config.selection))
        self.encoder = encoder_class(config.encoder.name)(config.encoder, dim, config.max_len)
        decoder = decoder_class(config.decoder.name)
        self.decoder = (
            decoder(config.decoder, dim, config.vocab_size, config.max_phrase)
            if "attention" in config.heads
            else None
        )
        self.ctc = CTCHead(dim, config.vocab_size) if "ctc" in config.heads else None
        self.backward_decoder = (
            decoder(config.decoder, dim, config.vocab_size, config.max_phrase)
            if config.backward_decoder
            else None
        )
        self.confidence = ConfidenceHead(dim) if config.confidence_head else None

    def forward_encoder(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, K, 3), mask (B, T) -> encoder output (B, T, D), padded frames zeroed.

        T is at most ``config.max_len`` (the RoPE tables' length): resample longer inputs first.
        """
        return self.encoder(self.stem(x, mask), mask)

    def forward_decoder(
        self, tokens: torch.Tensor, enc: torch.Tensor, enc_mask: torch.Tensor | None = None
    ) -> torch.Tensor:
        """Forward decoder, teacher forced: tokens (B, L) -> logits (B, L, V)."""
        return self.decoder(tokens, enc, enc_mask)

    def forward_confidence(self, enc: torch.Tensor) -> torch.Tensor | None:
        """Confidence logits (B,), or None for a model without the head."""
        return None if self.confidence is None else self.confidence(enc)

    def forward(
        self,
        x: torch.Tensor,
        mask: torch.Tensor | None,
        decoder_inputs: torch.Tensor | None = None,
        backward_inputs: torch.Tensor | None = None,
    ) -> Output:
        """Training forward. ``backward_inputs`` feeds the backward decoder, which reads the
        encoder output flipped in time together with its mask (padding then comes first)."""
        enc = self.forward_encoder(x, mask)
        logits = backward = None
        if self.decoder is not None and decoder_inputs is not None:
            logits = self.forward_decoder(decoder_inputs, enc, mask)
        if self.backward_decoder is not None and backward_inputs is not None:
            flipped_mask = None if mask is None else mask.flip(1)
            backward = self.backward_decoder(backward_inputs, enc.flip(1), flipped_mask)
        ctc_logits = None if self.ctc is None else self.ctc(enc)
        return Output(logits, backward, self.forward_confidence(enc), ctc_logits)

    def set_training_step(self, step: int) -> None:
        """Tell step-scheduled parts (the Zipformer regularisers) how far training has come."""
        if hasattr(self.encoder, "set_training_step"):
            self.encoder.set_training_step(step)

    def training_only_modules(self) -> list[nn.Module]:
        """Modules an exported model leaves out: the backward decoder."""
        return [] if self.backward_decoder is None else [self.backward_decoder]

    def check_vocabulary(self, vocab: Vocabulary, source=None) -> None:
        if vocab.size != self.config.vocab_size:
            raise SignaError(
                f"the vocabulary has {vocab.size} ids (with special tokens) but the model was built "
                f"for {self.config.vocab_size}",
                source,
            )
