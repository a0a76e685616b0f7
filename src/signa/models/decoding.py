"""Decoding strategies with a key/value cache, and the confidence gate, for evaluation and inference.

A :class:`TokenDecoder` turns encoder outputs into tokens: :class:`GreedyDecoder` (whisper's name)
drives the attention decoder, :class:`CTCGreedyDecoder` collapses the CTC head's best path, and
:class:`CTCRescoringDecoder` rescores attention beam candidates with the CTC
head; each names the model parts it reads (``heads``). :func:`greedy_decode` is the one greedy
loop, used by ``signa evaluate``, the runtime and the export wrappers. Each step feeds the last
token only: self-attention keys and values grow by one row per step, cross-attention keys and
values are computed once. With
``fixed_steps=True`` it runs all ``max_steps`` steps without looking at the values (the form an
exporter unrolls); otherwise it stops once every sequence has emitted EOS. Either way, every position
after a sequence's EOS holds PAD, set by ``torch.where`` rather than a Python branch, so both forms
give the same tokens.

:func:`decode` adds the confidence gate (:class:`signa.models.gate.ConfidenceGate`) and text, with
options and results as frozen dataclasses (change options with ``dataclasses.replace``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

import torch
import torch.nn.functional as F

from signa.data.vocab import Vocabulary
from signa.models.gate import KAGGLE_DUMMY_TEXT, ConfidenceGate
from signa.models.rescoring import beam_search, ctc_sequence_log_prob


@dataclass(frozen=True)
class SpecialTokens:
    sos: int
    eos: int
    pad: int

    @classmethod
    def of(cls, vocab: Vocabulary) -> SpecialTokens:
        return cls(vocab.sos_id, vocab.eos_id, vocab.pad_id)


@dataclass(frozen=True)
class DecodingOptions:
    """``max_steps``: generated tokens at most (33 = 32 characters + EOS).

    ``gate``, ``min_frames``, ``min_confidence``, ``dummy_text``: the confidence gate's mode and
    thresholds (:class:`~signa.models.gate.ConfidenceGate`; ``gate=None`` turns it off).

    ``strategy``: ``attention`` (greedy attention decoding), ``ctc`` (greedy CTC) or ``rescore``
    (``beam_size`` attention candidates rescored with the CTC head at ``ctc_weight``, for a joint
    model); ``None`` picks the attention decoder when the model has one.
    """

    max_steps: int = 33
    fixed_steps: bool = False
    # the gate's own defaults: one place holds the thresholds
    gate: Literal["translator", "kaggle"] | None = ConfidenceGate.mode
    min_frames: int = ConfidenceGate.min_frames
    min_confidence: float = ConfidenceGate.min_confidence
    dummy_text: str = KAGGLE_DUMMY_TEXT
    strategy: Literal["attention", "ctc", "rescore"] | None = None
    beam_size: int = 4
    ctc_weight: float = 0.5

    @property
    def confidence_gate(self) -> ConfidenceGate:
        return ConfidenceGate(self.gate, self.min_frames, self.min_confidence, self.dummy_text)

    @property
    def token_decoder(self) -> TokenDecoder:
        if self.strategy == "ctc":
            return CTCGreedyDecoder(self.max_steps)
        if self.strategy == "rescore":
            return CTCRescoringDecoder(self.max_steps, self.beam_size, self.ctc_weight)
        return GreedyDecoder(self.max_steps, self.fixed_steps)

    def for_model(self, model) -> DecodingOptions:
        """These options with ``strategy`` resolved for ``model`` (attention when it has a decoder)."""
        default = "attention" if model.decoder is not None else "ctc"
        resolved = replace(self, strategy=self.strategy or default)
        heads = resolved.token_decoder.heads
        if any(getattr(model, head) is None for head in heads):
            names = " and ".join(heads)
            raise ValueError(f"{resolved.strategy} decoding needs a model with the {names} heads")
        return resolved


@dataclass(frozen=True)
class DecodingResult:
    text: str
    tokens: tuple[int, ...]
    confidence: float | None
    frames: int
    low_confidence: bool


def greedy_decode(
    decoder,
    enc: torch.Tensor,
    enc_mask: torch.Tensor | None,
    special: SpecialTokens,
    max_steps: int = 33,
    fixed_steps: bool = False,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Greedy tokens (B, max_steps) and their step logits (B, max_steps, V).

    Token t is argmax of step t's logits, or PAD once an EOS came before it. Without
    ``fixed_steps`` the loop stops when all rows have emitted EOS; the remaining positions are
    PAD and their logits 0.
    """
    batch = enc.shape[0]
    cross = decoder.cross_kv(enc)
    token = torch.full((batch, 1), special.sos, dtype=torch.long, device=enc.device)
    pad = torch.full_like(token, special.pad)
    done = torch.zeros_like(token, dtype=torch.bool)
    cache = None
    tokens, logits = [], []
    for position in range(max_steps):
        step_logits, cache = decoder.step(token, position, cache, cross, enc_mask)  # (B, V)
        token = torch.where(done, pad, step_logits.argmax(-1, keepdim=True))
        done = done | (token == special.eos)
        tokens.append(token)
        logits.append(step_logits)
        if not fixed_steps and bool(done.all()):
            break
    missing = max_steps - len(tokens)
    out_tokens = torch.cat(tokens + [pad] * missing, dim=1)
    out_logits = torch.stack(logits, dim=1)
    if missing:
        out_logits = torch.nn.functional.pad(out_logits, (0, 0, 0, missing))
    return out_tokens, out_logits


def is_low_confidence(
    frames: torch.Tensor, confidence: torch.Tensor | None, options: DecodingOptions
) -> torch.Tensor:
    """(B,) bool: the gate's rule on raw frame counts and confidence logits (sigmoid taken here)."""
    probability = None if confidence is None else torch.sigmoid(confidence.float())
    return options.confidence_gate.is_low(frames, probability)


class TokenDecoder(ABC):
    """A decoding strategy: encoder outputs -> tokens (B, S) and its logits.

    ``heads`` name the model attributes it decodes with (the attention ``decoder``, the ``ctc``
    head); ``decode`` receives that part, or a tuple of them when there are several (:meth:`parts`).
    """

    heads: ClassVar[tuple[str, ...]] = ("decoder",)

    def parts(self, model):
        parts = tuple(getattr(model, head) for head in self.heads)
        return parts[0] if len(parts) == 1 else parts

    @abstractmethod
    def decode(
        self, decoder, enc: torch.Tensor, enc_mask: torch.Tensor | None, special: SpecialTokens
    ) -> tuple[torch.Tensor, torch.Tensor]: ...


@dataclass(frozen=True)
class GreedyDecoder(TokenDecoder):
    """The argmax token at every step (:func:`greedy_decode`)."""

    max_steps: int = 33
    fixed_steps: bool = False

    def decode(self, decoder, enc, enc_mask, special):
        return greedy_decode(decoder, enc, enc_mask, special, self.max_steps, self.fixed_steps)


def ctc_collapse(
    ids: torch.Tensor, mask: torch.Tensor | None, blank: int, special: SpecialTokens, steps: int
) -> torch.Tensor:
    """Best-path frame ids (B, T) -> tokens (B, steps): repeats merged, blanks dropped, then EOS and PAD.

    Static shapes only (a one-hot placement instead of boolean indexing), so the same code runs in
    an exported graph. Like the greedy decoder, a path longer than ``steps`` is cut without EOS.
    """
    previous = F.pad(ids[:, :-1], (1, 0), value=blank)
    keep = (ids != blank) & (ids != previous)  # (B, T)
    if mask is not None:
        keep = keep & mask
    position = keep.long().cumsum(1) - 1  # (B, T) slot of each kept frame
    slots = torch.arange(steps, device=ids.device)
    placed = (position.unsqueeze(-1) == slots) & keep.unsqueeze(-1)  # (B, T, S)
    chars = (placed.long() * ids.unsqueeze(-1)).sum(1)  # (B, S)
    count = keep.long().sum(1, keepdim=True)  # (B, 1)
    eos, pad = torch.full_like(chars, special.eos), torch.full_like(chars, special.pad)
    return torch.where(slots < count, chars, torch.where(slots == count, eos, pad))


@dataclass(frozen=True)
class CTCGreedyDecoder(TokenDecoder):
    """The CTC head's best path, collapsed (:func:`ctc_collapse`); logits are per frame (B, T, V + 1)."""

    heads: ClassVar[tuple[str, ...]] = ("ctc",)
    max_steps: int = 33

    def decode(self, head, enc, enc_mask, special):
        logits = head(enc)  # (B, T, V + 1)
        return ctc_collapse(logits.argmax(-1), enc_mask, head.blank, special, self.max_steps), logits


@dataclass(frozen=True)
class CTCRescoringDecoder(TokenDecoder):
    """Attention beam candidates rescored with the CTC head; reads ``(decoder, ctc)``.

    Returns the chosen tokens (B, S) and every candidate's combined score (B, K).
    """

    heads: ClassVar[tuple[str, ...]] = ("decoder", "ctc")
    max_steps: int = 33
    beam: int = 4
    ctc_weight: float = 0.5

    def decode(self, parts, enc, enc_mask, special):
        decoder, ctc = parts
        candidates, attention = beam_search(decoder, enc, enc_mask, special, self.beam, self.max_steps)
        scores = (1 - self.ctc_weight) * attention
        if self.ctc_weight:  # (0 · -inf would be NaN for an impossible alignment)
            scores = scores + self.ctc_weight * self._ctc_scores(ctc, enc, enc_mask, candidates, special)
        best = scores.argmax(1)  # (B,); a row of -inf keeps the attention's best
        return candidates[torch.arange(len(best)), best], scores

    def _ctc_scores(self, ctc, enc, enc_mask, candidates, special) -> torch.Tensor:
        batch, beam, steps = candidates.shape
        log_probs = ctc(enc).float().log_softmax(-1).repeat_interleave(beam, 0)  # (B·K, T, V + 1)
        frames = enc_mask.long().sum(1) if enc_mask is not None else torch.full((batch,), enc.shape[1])
        frames = frames.to(enc.device).repeat_interleave(beam, 0)
        flat = candidates.reshape(batch * beam, steps)
        return ctc_sequence_log_prob(log_probs, frames, flat, ctc.blank, special.eos).reshape(batch, beam)


@torch.no_grad()
def decode(
    model,
    x: torch.Tensor,
    mask: torch.Tensor | None,
    vocab: Vocabulary,
    options: DecodingOptions = DecodingOptions(),
    frames: torch.Tensor | None = None,
) -> list[DecodingResult]:
    """Texts of a preprocessed batch (B, T, K, 3) with frame mask (B, T).

    ``frames`` (B,) are the raw frame counts before resampling, for the ``min_frames`` rule
    (default: the real frames of ``mask``).
    """
    options = options.for_model(model)
    enc = model.forward_encoder(x, mask)
    confidence = model.forward_confidence(enc)
    strategy = options.token_decoder
    tokens, _ = strategy.decode(strategy.parts(model), enc, mask, SpecialTokens.of(vocab))
    if frames is None:
        frames = mask.sum(1) if mask is not None else torch.full((x.shape[0],), x.shape[1])
    low = is_low_confidence(frames, confidence, options)
    results = []
    for i, row in enumerate(tokens.tolist()):
        results.append(
            DecodingResult(
                text=options.confidence_gate.text(vocab.decode(row), bool(low[i])),
                tokens=tuple(row),
                confidence=None if confidence is None else float(torch.sigmoid(confidence[i].float())),
                frames=int(frames[i]),
                low_confidence=bool(low[i]),
            )
        )
    return results
