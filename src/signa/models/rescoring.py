"""Attention beam search, and CTC rescoring of its candidates (joint CTC/attention decoding).

:func:`beam_search` keeps the ``beam`` best prefixes of the attention decoder (summed token
log-probabilities, EOS included; a finished prefix continues with PAD at no cost), reusing the
decoder's key/value cache reordered by beam. With ``beam=1`` it is the greedy decoder.
:class:`signa.models.decoding.CTCRescoringDecoder` scores each finished candidate with the CTC head's sequence
log-probability of its characters (the CTC prefix score of the whole hypothesis) and keeps the best
``(1 − w)·log P_att + w·log P_ctc`` (ESPnet's joint decoding weight ``w``, applied to complete
hypotheses): the attention decoder proposes, the CTC alignment checks that every character was
signed once. At ``w = 0`` it is plain attention beam search.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _take(cache, rows: torch.Tensor):
    """The cache (nested lists/tuples of (B·K, ...) tensors) reordered to ``rows``."""
    if isinstance(cache, torch.Tensor):
        return cache.index_select(0, rows)
    return type(cache)(_take(part, rows) for part in cache)


def beam_search(
    decoder,
    enc: torch.Tensor,
    enc_mask: torch.Tensor | None,
    special,
    beam: int,
    max_steps: int,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Candidates (B, K, max_steps), best first (EOS then PAD, as the greedy decoder writes
    them), and their attention log-probabilities (B, K)."""
    batch = enc.shape[0]
    enc_mask = None if enc_mask is None else enc_mask.repeat_interleave(beam, 0)
    cross = decoder.cross_kv(enc.repeat_interleave(beam, 0))
    scores = torch.full((batch, beam), float("-inf"), device=enc.device)
    scores[:, 0] = 0.0  # one live prefix (SOS) to start from
    token = torch.full((batch * beam, 1), special.sos, dtype=torch.long, device=enc.device)
    done = torch.zeros(batch * beam, dtype=torch.bool, device=enc.device)
    offsets = torch.arange(batch, device=enc.device)[:, None] * beam
    cache, history = None, []
    for position in range(max_steps):
        logits, cache = decoder.step(token, position, cache, cross, enc_mask)  # (B·K, V)
        log_probs = logits.float().log_softmax(-1)
        pad_only = torch.full_like(log_probs, float("-inf"))
        pad_only[:, special.pad] = 0.0
        log_probs = torch.where(done[:, None], pad_only, log_probs)
        vocab = log_probs.shape[-1]
        total = (scores.reshape(-1, 1) + log_probs).reshape(batch, beam * vocab)
        scores, flat = total.topk(beam, dim=1)  # (B, K)
        rows = (offsets + flat // vocab).reshape(-1)
        token = (flat % vocab).reshape(-1, 1)
        history = [h.index_select(0, rows) for h in history] + [token[:, 0]]
        cache = _take(cache, rows)
        done = done.index_select(0, rows) | (token[:, 0] == special.eos)
        if bool(done.all()):
            break
    tokens = torch.stack(history, 1)
    tokens = F.pad(tokens, (0, max_steps - tokens.shape[1]), value=special.pad)
    return tokens.reshape(batch, beam, max_steps), scores


def ctc_sequence_log_prob(
    log_probs: torch.Tensor, frames: torch.Tensor, tokens: torch.Tensor, blank: int, eos: int
) -> torch.Tensor:
    """log P_ctc of each row's characters (the ids before its first EOS): log_probs (N, T, V + 1),
    frames (N,), tokens (N, S) -> (N,); ``-inf`` where the frames cannot hold the characters."""
    is_eos = tokens == eos
    lengths = torch.where(is_eos.any(1), is_eos.long().argmax(1), tokens.shape[1])
    inside = torch.arange(tokens.shape[1], device=tokens.device) < lengths[:, None]
    targets = torch.where(inside, tokens, 0)
    loss = F.ctc_loss(log_probs.transpose(0, 1), targets, frames, lengths, blank=blank, reduction="none")
    return -loss
