"""The CTC head and greedy CTC decoding (hand-made paths; models with random weights for shapes)."""

from __future__ import annotations

import pytest
import torch

from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.models.decoding import CTCGreedyDecoder, DecodingOptions, SpecialTokens, ctc_collapse, decode
from signa.models.registry import build_model

VOCAB = Vocabulary.kaggle()
SPECIAL = SpecialTokens.of(VOCAB)
BLANK = VOCAB.size
TINY = {"dim": 32, "max_len": 32, "max_phrase": 8, "encoder": {"layers": 1, "conv_kernel": 5}}


def test_collapse_merges_repeats_drops_blanks_and_ends_with_eos():
    a, b = VOCAB.encode("ab")
    path = torch.tensor([[a, a, BLANK, a, b, b, BLANK, BLANK], [BLANK] * 8])
    tokens = ctc_collapse(path, None, BLANK, SPECIAL, steps=5)
    eos, pad = SPECIAL.eos, SPECIAL.pad
    assert tokens.tolist() == [[a, a, b, eos, pad], [eos, pad, pad, pad, pad]]


def test_collapse_ignores_padded_frames_and_cuts_long_paths():
    a, b, c = VOCAB.encode("abc")
    path = torch.tensor([[a, b, c, a, b, c]])
    mask = torch.tensor([[True, True, False, False, False, False]])
    assert ctc_collapse(path, mask, BLANK, SPECIAL, 4).tolist() == [[a, b, SPECIAL.eos, SPECIAL.pad]]
    assert ctc_collapse(path, None, BLANK, SPECIAL, 4).tolist() == [[a, b, c, a]]  # no room for EOS


def test_ctc_only_model_has_no_decoder_and_decodes_with_ctc():
    torch.manual_seed(0)
    model = build_model("fingerspelling", TINY | {"heads": ["ctc"], "backward_decoder": False}).eval()
    assert model.decoder is None and model.ctc.fc.out_features == VOCAB.size + 1
    x, mask = torch.randn(2, 20, 130, 3), torch.ones(2, 20, dtype=torch.bool)
    mask[1, 12:] = False
    out = model(x, mask)
    assert out.logits is None and out.ctc_logits.shape == (2, 20, VOCAB.size + 1)
    results = decode(model, x, mask, VOCAB, DecodingOptions(max_steps=8, gate=None))
    enc = model.forward_encoder(x, mask)
    tokens, _ = CTCGreedyDecoder(8).decode(model.ctc, enc, mask, SPECIAL)
    assert [r.tokens for r in results] == [tuple(row) for row in tokens.tolist()]


def test_joint_model_decodes_with_either_head():
    model = build_model("fingerspelling", TINY | {"heads": ["attention", "ctc"]}).eval()
    x = torch.randn(1, 16, 130, 3)
    options = DecodingOptions(max_steps=8, gate=None)
    assert options.for_model(model).strategy == "attention"
    ctc = decode(model, x, None, VOCAB, DecodingOptions(max_steps=8, gate=None, strategy="ctc"))
    assert len(ctc[0].tokens) == 8


def test_heads_are_checked():
    with pytest.raises(SignaError, match="heads must be"):
        build_model("fingerspelling", TINY | {"heads": ["rnnt"]})
    with pytest.raises(SignaError, match="backward_decoder needs the attention head"):
        build_model("fingerspelling", TINY | {"heads": ["ctc"]})
    with pytest.raises(ValueError, match="attention decoding needs"):
        model = build_model("fingerspelling", TINY | {"heads": ["ctc"], "backward_decoder": False})
        DecodingOptions(strategy="attention").for_model(model)
