"""Contract tests every encoder passes: padding never changes a sequence's outputs (synthetic inputs)."""

from __future__ import annotations

import pytest
import torch

from signa.models.registry import build_model

ENCODERS = {
    "conv-local-global": {"name": "conv-local-global", "layers": 2, "heads": 2, "conv_kernel": 5},
    "zipformer": {"name": "zipformer", "layers": 2, "heads": 2, "conv_kernel": 5},
}
NO_DROPOUT = {"dropout": 0.0, "attention_dropout": 0.0}


def tiny_model(encoder: dict, **changes):
    config = {"dim": 32, "max_len": 48, "max_phrase": 8, "encoder": encoder, "heads": ["attention", "ctc"]}
    return build_model("fingerspelling", config | changes)


@pytest.mark.parametrize("name", ENCODERS)
def test_a_sequence_gives_the_same_outputs_alone_and_padded_in_a_batch(name):
    torch.manual_seed(0)
    model = tiny_model(ENCODERS[name]).eval()
    short, long = torch.randn(1, 17, 130, 3), torch.randn(1, 40, 130, 3)
    batch = torch.zeros(2, 40, 130, 3)
    batch[0, :17], batch[1] = short[0], long[0]
    mask = torch.arange(40)[None] < torch.tensor([[17], [40]])
    tokens = torch.randint(0, 63, (2, 8))
    with torch.no_grad():
        alone, padded = model(short, None, tokens[:1]), model(batch, mask, tokens)
        enc_alone, enc_padded = model.forward_encoder(short), model.forward_encoder(batch, mask)
    torch.testing.assert_close(enc_padded[0, :17], enc_alone[0], atol=2e-5, rtol=1e-4)
    assert enc_padded[0, 17:].abs().max() == 0
    torch.testing.assert_close(padded.logits[0], alone.logits[0], atol=2e-5, rtol=1e-4)
    torch.testing.assert_close(padded.ctc_logits[0, :17], alone.ctc_logits[0], atol=2e-5, rtol=1e-4)


@pytest.mark.parametrize("name", ENCODERS)
def test_padding_never_reaches_batch_statistics_in_train_mode(name):
    """Whatever the padded frames hold, a training step sees the same statistics and outputs."""
    x = torch.randn(2, 30, 130, 3)
    mask = torch.arange(30)[None] < torch.tensor([[30], [12]])
    garbage = x.clone()
    garbage[1, 12:] = 1e3
    tokens = torch.randint(0, 63, (2, 8))
    results = []
    for inputs in (x, garbage):
        torch.manual_seed(0)
        model = tiny_model(ENCODERS[name] | NO_DROPOUT, decoder=NO_DROPOUT).train()
        out = model(inputs, mask, tokens)
        stats = {k: v.clone() for k, v in model.state_dict().items() if "running" in k}
        results.append((out.logits, out.ctc_logits[1, :12], stats))
    for first, second in zip(*results, strict=True):
        if isinstance(first, dict):
            for key in first:
                torch.testing.assert_close(first[key], second[key], msg=key)
        else:
            torch.testing.assert_close(first, second)


@pytest.mark.parametrize("name", ENCODERS)
def test_forward_and_backward_run(name):
    model = tiny_model(ENCODERS[name]).train()
    out = model(torch.randn(2, 20, 130, 3), torch.ones(2, 20, dtype=torch.bool), torch.randint(0, 63, (2, 8)))
    (out.logits.sum() + out.ctc_logits.sum()).backward()
    assert all(p.grad is not None for p in model.encoder.parameters() if p.requires_grad)


def test_hand_motion_stem_reads_hand_xy_only_and_looks_back():
    stem = {"name": "hand_motion", "parts": ["left_hand", "right_hand"]}
    model = tiny_model(ENCODERS["conv-local-global"], stem=stem).eval()
    x = torch.randn(1, 20, 130, 3)
    changed = x.clone()
    changed[..., 2] += 1.0  # z
    hands = [i for i in range(130) if i not in model.stem.points.tolist()]
    changed[:, :, hands] += 1.0  # face and pose
    changed[:, 15:] += 1.0  # later frames
    with torch.no_grad():
        a, b = model.stem(x, None), model.stem(changed, None)
    torch.testing.assert_close(a[:, :15], b[:, :15])
    assert model.stem.points.numel() == 42
