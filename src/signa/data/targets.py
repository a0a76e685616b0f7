"""Decoder targets and teacher-forcing inputs for the fingerspelling model (SOLUTIONS.md §2.4-2.5).

- forward target: ``ids[:max_phrase-1] + [EOS]`` padded with PAD to ``max_phrase`` (33); PAD
  positions stay in the loss so the model learns to emit PAD after EOS, as in the reference;
- backward target: the reversed phrase followed by EOS, padded with **PAD** to the same length
  (the reference padded it with 0, the space character, and only to the batch's longest phrase);
- decoder inputs: the target shifted right behind SOS, after decoder-input masking replaced each
  target position by MASK with probability p (0.2 in cfg_2; targets themselves stay clean).

A phrase longer than the decoder allows (``max_phrase - 1`` characters) is an error rather than
silently cut.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from signa.data.vocab import Vocabulary
from signa.errors import SignaError


def check_phrase_length(ids: Sequence[int], max_phrase: int, source: str | Path | None = None) -> None:
    if len(ids) > max_phrase - 1:
        raise SignaError(
            f"phrase of {len(ids)} characters is longer than the decoder allows ({max_phrase - 1} "
            f"characters plus EOS, max_phrase={max_phrase})",
            source,
        )


def _padded(ids: Sequence[int], vocab: Vocabulary, max_phrase: int) -> torch.Tensor:
    out = torch.full((max_phrase,), vocab.pad_id, dtype=torch.long)
    out[: len(ids) + 1] = torch.tensor([*ids, vocab.eos_id], dtype=torch.long)
    return out


def forward_target(
    ids: Sequence[int], vocab: Vocabulary, max_phrase: int = 33, source: str | Path | None = None
) -> torch.Tensor:
    """(max_phrase,) phrase ids + EOS, PAD after."""
    check_phrase_length(ids, max_phrase, source)
    return _padded(ids, vocab, max_phrase)


def backward_target(
    ids: Sequence[int], vocab: Vocabulary, max_phrase: int = 33, source: str | Path | None = None
) -> torch.Tensor:
    """(max_phrase,) reversed phrase ids + EOS, PAD after."""
    check_phrase_length(ids, max_phrase, source)
    return _padded(list(reversed(ids)), vocab, max_phrase)


def shift_right(targets: torch.Tensor, sos_id: int) -> torch.Tensor:
    """(B, L) targets -> (B, L) decoder inputs: SOS, then targets[:, :-1]."""
    start = torch.full_like(targets[:, :1], sos_id)
    return torch.cat([start, targets[:, :-1]], dim=1)


def mask_tokens(
    targets: torch.Tensor, mask_id: int, p: float, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Each position (PAD included) replaced by ``mask_id`` with probability ``p``."""
    if p <= 0:
        return targets
    draw = torch.rand(targets.shape, generator=generator, device=targets.device)
    return torch.where(draw < p, torch.full_like(targets, mask_id), targets)


def decoder_inputs(
    targets: torch.Tensor, vocab: Vocabulary, mask_p: float = 0.0, generator: torch.Generator | None = None
) -> torch.Tensor:
    """Teacher-forcing inputs (B, L) of ``targets`` (B, L): masked with ``mask_p``, shifted right."""
    return shift_right(mask_tokens(targets, vocab.mask_id, mask_p, generator), vocab.sos_id)
