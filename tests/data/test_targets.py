"""Decoder targets and teacher-forcing inputs."""

from __future__ import annotations

import pytest
import torch

from signa.data.targets import backward_target, decoder_inputs, forward_target, mask_tokens, shift_right
from signa.data.vocab import Vocabulary
from signa.errors import SignaError

VOCAB = Vocabulary.kaggle()


def test_forward_and_backward_targets_end_with_eos_and_pad_with_pad():
    ids = VOCAB.encode("abc")
    fwd, bwd = forward_target(ids, VOCAB), backward_target(ids, VOCAB)
    assert fwd.tolist() == ids + [VOCAB.eos_id] + [VOCAB.pad_id] * 29
    assert bwd.tolist() == ids[::-1] + [VOCAB.eos_id] + [VOCAB.pad_id] * 29


def test_the_longest_phrase_fits_and_a_longer_one_is_an_error():
    assert forward_target([1] * 32, VOCAB)[-1] == VOCAB.eos_id
    with pytest.raises(SignaError, match="longer than the decoder allows"):
        forward_target([1] * 33, VOCAB, source="train.csv")


def test_decoder_inputs_shift_right_behind_sos():
    targets = torch.stack([forward_target(VOCAB.encode("hi"), VOCAB)])
    inputs = decoder_inputs(targets, VOCAB)
    assert inputs[0, :4].tolist() == [VOCAB.sos_id, *VOCAB.encode("hi"), VOCAB.eos_id]
    assert torch.equal(shift_right(targets, VOCAB.sos_id)[:, 1:], targets[:, :-1])


def test_decoder_input_masking_rate_and_clean_targets():
    targets = torch.full((200, 33), 5)
    generator = torch.Generator().manual_seed(0)
    masked = mask_tokens(targets, VOCAB.mask_id, 0.2, generator)
    rate = (masked == VOCAB.mask_id).float().mean().item()
    assert 0.18 < rate < 0.22
    assert (targets == 5).all()
    assert (decoder_inputs(targets, VOCAB, 0.2, generator)[:, 0] == VOCAB.sos_id).all()
