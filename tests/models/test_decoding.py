"""Greedy decoding: the key/value cache changes nothing but speed; the confidence gate."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from signa.data.vocab import Vocabulary
from signa.models.decoding import (
    KAGGLE_DUMMY_TEXT,
    DecodingOptions,
    SpecialTokens,
    decode,
    greedy_decode,
)
from signa.models.fingerspelling import Config, FingerspellingModel

VOCAB = Vocabulary.kaggle()


@pytest.fixture(scope="module")
def model() -> FingerspellingModel:
    torch.manual_seed(0)
    config = Config(encoder=dataclasses.replace(Config().encoder, layers=1), backward_decoder=False)
    model = FingerspellingModel(config).eval()
    with torch.no_grad():  # a sharper head so that EOS shows up at different steps
        model.decoder.head.weight.mul_(20)
    return model


def rerun_over_prefix(decoder, enc, mask, special, steps):
    """The reference's decoding: the whole decoder re-run over the prefix at every step."""
    tokens = torch.full((enc.shape[0], 1), special.sos)
    for _ in range(steps):
        logits = decoder(tokens, enc, mask)[:, -1]
        tokens = torch.cat([tokens, logits.argmax(-1, keepdim=True)], dim=1)
    return tokens[:, 1:]


def test_cached_decoding_gives_the_tokens_of_rerunning_the_decoder(model):
    torch.manual_seed(3)
    enc = torch.randn(4, 30, 208)
    mask = torch.arange(30)[None] < torch.tensor([[30], [20], [7], [1]])
    special = SpecialTokens.of(VOCAB)
    with torch.no_grad():
        cached, logits = greedy_decode(model.decoder, enc, mask, special, 33, fixed_steps=True)
        reference = rerun_over_prefix(model.decoder, enc, mask, special, 33)
    ended = torch.cumsum(reference == special.eos, dim=1) - (reference == special.eos).long() > 0
    expected = torch.where(ended, torch.full_like(reference, special.pad), reference)
    assert torch.equal(cached, expected)
    assert logits.shape == (4, 33, VOCAB.size)


def test_early_exit_and_fixed_steps_give_the_same_tokens(model):
    torch.manual_seed(4)
    enc = torch.randn(3, 12, 208)
    special = SpecialTokens.of(VOCAB)
    with torch.no_grad():
        early, _ = greedy_decode(model.decoder, enc, None, special, 33)
        fixed, _ = greedy_decode(model.decoder, enc, None, special, 33, fixed_steps=True)
    assert torch.equal(early, fixed)
    after_eos = torch.cumsum(fixed == special.eos, 1) - (fixed == special.eos).long() > 0
    assert (fixed[after_eos] == special.pad).all()


def test_the_confidence_gate(model):
    x = torch.randn(2, 20, 130, 3)
    mask = torch.arange(20)[None] < torch.tensor([[20], [10]])
    frames = torch.tensor([100, 10])
    plain = decode(model, x, mask, VOCAB, DecodingOptions(gate=None), frames)
    assert [r.low_confidence for r in plain] == [False, True]  # 10 raw frames < 15
    assert plain[1].text == VOCAB.decode(plain[1].tokens)
    translator = decode(model, x, mask, VOCAB, DecodingOptions(), frames)
    assert translator[1].text == "" and translator[0].text == plain[0].text
    kaggle = decode(model, x, mask, VOCAB, DecodingOptions(gate="kaggle", min_confidence=1.0), frames)
    assert [r.text for r in kaggle] == [KAGGLE_DUMMY_TEXT] * 2
    assert all(0 <= r.confidence <= 1 for r in kaggle)


def test_decoding_options_default_to_the_gates_own_thresholds():
    from signa.models.gate import ConfidenceGate

    assert DecodingOptions().confidence_gate == ConfidenceGate()
