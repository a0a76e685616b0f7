"""Attention beam search and CTC rescoring: greedy at beam 1, the CTC score by enumeration, and a
constructed case where the CTC head corrects the attention decoder's dropped character."""

from __future__ import annotations

import dataclasses
import itertools
import math

import pytest
import torch
from torch import nn

from signa.data.vocab import Vocabulary
from signa.models.decoding import CTCRescoringDecoder, DecodingOptions, SpecialTokens, decode, greedy_decode
from signa.models.fingerspelling import Config, FingerspellingModel
from signa.models.rescoring import beam_search, ctc_sequence_log_prob

VOCAB = Vocabulary.kaggle()
A, B, C = 1, 2, 3
SPECIAL = SpecialTokens(sos=5, eos=6, pad=7)
SIZE = 8  # ids 0-7; the CTC blank is 8


@pytest.fixture(scope="module")
def joint_model() -> FingerspellingModel:
    torch.manual_seed(0)
    config = Config(
        dim=64,
        encoder=dataclasses.replace(Config().encoder, layers=1, conv_kernel=5),
        heads=["attention", "ctc"],
        backward_decoder=False,
    )
    model = FingerspellingModel(config).eval()
    with torch.no_grad():  # a sharper head so that EOS shows up at different steps
        model.decoder.head.weight.mul_(20)
    return model


def test_beam_of_one_is_the_greedy_decoder(joint_model):
    torch.manual_seed(1)
    enc = torch.randn(4, 30, 64)
    mask = torch.arange(30)[None] < torch.tensor([[30], [20], [7], [1]])
    special = SpecialTokens.of(VOCAB)
    with torch.no_grad():
        greedy, _ = greedy_decode(joint_model.decoder, enc, mask, special, 33)
        beam, _ = beam_search(joint_model.decoder, enc, mask, special, beam=1, max_steps=33)
    assert torch.equal(beam[:, 0], greedy)


def test_wider_beams_never_score_below_greedy(joint_model):
    torch.manual_seed(2)
    enc = torch.randn(3, 16, 64)
    special = SpecialTokens.of(VOCAB)
    with torch.no_grad():
        _, one = beam_search(joint_model.decoder, enc, None, special, beam=1, max_steps=33)
        _, four = beam_search(joint_model.decoder, enc, None, special, beam=4, max_steps=33)
    assert (four[:, 0] >= one[:, 0] - 1e-4).all()
    assert (four[:, :-1] >= four[:, 1:]).all()  # best first


def test_rescoring_at_weight_zero_with_beam_one_equals_greedy_decoding(joint_model):
    torch.manual_seed(3)
    x = torch.randn(3, 24, 130, 3)
    mask = torch.arange(24)[None] < torch.tensor([[24], [15], [9]])
    greedy = decode(joint_model, x, mask, VOCAB, DecodingOptions(gate=None))
    rescored = decode(
        joint_model, x, mask, VOCAB, DecodingOptions(gate=None, strategy="rescore", beam_size=1, ctc_weight=0)
    )
    assert [r.tokens for r in rescored] == [g.tokens for g in greedy]


def test_rescoring_needs_both_heads():
    model = FingerspellingModel(Config(dim=64, encoder=dataclasses.replace(Config().encoder, layers=1)))
    with pytest.raises(ValueError, match="decoder and ctc heads"):
        DecodingOptions(strategy="rescore").for_model(model)


def test_ctc_sequence_log_prob_sums_every_alignment():
    torch.manual_seed(4)
    log_probs = torch.randn(1, 4, 3).log_softmax(-1)  # 4 frames, chars 0 and 1, blank 2
    for target in ([0], [0, 1], [1, 1], [0, 1, 0]):
        total = 0.0
        for path in itertools.product(range(3), repeat=4):
            collapsed = [k for i, k in enumerate(path) if k != 2 and (i == 0 or k != path[i - 1])]
            if collapsed == target:
                total += math.exp(sum(float(log_probs[0, t, k]) for t, k in enumerate(path)))
        tokens = torch.tensor([target + [9]])  # 9: EOS
        score = ctc_sequence_log_prob(log_probs, torch.tensor([4]), tokens, blank=2, eos=9)
        assert float(score) == pytest.approx(math.log(total), abs=1e-5)
    too_long = torch.tensor([[0, 1, 0, 1, 0, 9]])
    assert ctc_sequence_log_prob(log_probs, torch.tensor([4]), too_long, 2, 9).isneginf().all()


class PrefixDecoder(nn.Module):
    """A stand-in attention decoder: next-token probabilities looked up by the prefix so far."""

    def __init__(self, table: dict[tuple[int, ...], dict[int, float]]):
        super().__init__()
        self.table = table

    def cross_kv(self, enc):
        return []

    def step(self, token, position, cache, cross, enc_mask):
        prefix = token if cache is None else torch.cat([cache, token], 1)  # (N, position + 1)
        logits = torch.full((len(prefix), SIZE), -30.0)
        for row, ids in enumerate(prefix[:, 1:].tolist()):
            for tok, p in self.table.get(tuple(ids), {SPECIAL.eos: 1.0}).items():
                logits[row, tok] = math.log(p)
        return logits, prefix


class FrameLogits(nn.Module):
    """A stand-in CTC head: the "encoder output" already holds the frame logits."""

    blank = SIZE

    def forward(self, enc):
        return enc


def frames_of(*ids: int) -> torch.Tensor:
    """(1, T, SIZE + 1) CTC logits that put probability 0.9 on each frame's id."""
    logits = torch.full((1, len(ids), SIZE + 1), math.log(0.1 / SIZE))
    logits[0, torch.arange(len(ids)), torch.tensor(ids)] = math.log(0.9)
    return logits


def test_ctc_rescoring_restores_a_character_the_attention_decoder_drops():
    blank = SIZE
    # attention: "ab" then EOS (0.6) is likelier than "abc" (0.4): greedy drops the c
    table = {(): {A: 0.9, B: 0.1}, (A,): {B: 0.9, C: 0.1}, (A, B): {SPECIAL.eos: 0.6, C: 0.4}}
    decoder = PrefixDecoder(table)
    enc = frames_of(A, A, blank, B, B, blank, C, C)  # the frames clearly sign a, b, c
    parts = decoder, FrameLogits()
    greedy, _ = greedy_decode(decoder, enc, None, SPECIAL, 6)
    attention_only, _ = CTCRescoringDecoder(6, beam=3, ctc_weight=0.0).decode(parts, enc, None, SPECIAL)
    rescored, _ = CTCRescoringDecoder(6, beam=3, ctc_weight=0.5).decode(parts, enc, None, SPECIAL)
    assert greedy[0].tolist()[:3] == [A, B, SPECIAL.eos]
    assert torch.equal(attention_only, greedy)
    assert rescored[0].tolist()[:4] == [A, B, C, SPECIAL.eos]
