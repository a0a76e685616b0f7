"""The fingerspelling model: exact parameter counts, shapes, masks, NaN safety, config errors."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from signa.config import read_mapping
from signa.errors import SignaError
from signa.models.fingerspelling import FingerspellingModel
from signa.models.registry import build_model
from signa.models.summary import count_parameters

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "fingerspelling"


def model_from_yaml(name: str, **changes) -> FingerspellingModel:
    section = dict(read_mapping(CONFIGS / name)["model"])
    arch = section.pop("arch")
    section.update(changes)
    torch.manual_seed(0)
    return build_model(arch, section, CONFIGS / name)


@pytest.fixture(scope="module")
def cfg2() -> FingerspellingModel:
    return model_from_yaml("cfg_2.yaml").eval()


def test_cfg2_parameter_counts(cfg2):
    counts = count_parameters(cfg2)
    assert counts["trainable"] == 9_736_305
    assert counts["inference"] == 8_584_209
    assert counts["total"] == counts["trainable"]


def test_cfg1_parameter_count():
    counts = count_parameters(model_from_yaml("cfg_1.yaml"))
    assert counts["trainable"] == counts["inference"] == 2_515_040


def test_cfg2_without_backward_decoder_has_the_inference_count():
    model = model_from_yaml("cfg_2.yaml", backward_decoder=False)
    assert count_parameters(model)["trainable"] == 8_584_209


def test_training_forward_shapes_and_gradients():
    model = model_from_yaml("cfg_2.yaml", encoder={"layers": 2}).train()
    x = torch.randn(3, 24, 130, 3)
    mask = torch.arange(24)[None] < torch.tensor([[24], [10], [1]])
    tokens = torch.randint(0, 63, (3, 33))
    out = model(x, mask, tokens, tokens.flip(1))
    assert out.logits.shape == out.backward_logits.shape == (3, 33, 63)
    assert out.confidence.shape == (3,)
    (out.logits.mean() + out.backward_logits.mean() + out.confidence.mean()).backward()
    assert all(p.grad is not None for p in model.parameters())


def test_cfg1_forward_has_no_backward_decoder_or_confidence():
    model = model_from_yaml("cfg_1.yaml", encoder={"layers": 1, "attention": "relative"}).eval()
    out = model(torch.randn(2, 12, 130, 3), None, torch.randint(0, 63, (2, 33)))
    assert out.logits.shape == (2, 33, 63)
    assert out.backward_logits is None and out.confidence is None


@pytest.mark.parametrize("attention", ["rope", "relative"])
def test_a_sequence_gives_the_same_outputs_alone_and_padded_in_a_batch(attention):
    model = model_from_yaml("cfg_2.yaml", encoder={"layers": 3, "attention": attention})
    model.eval()
    torch.manual_seed(1)
    short, long = torch.randn(1, 17, 130, 3), torch.randn(1, 40, 130, 3)
    batch = torch.zeros(2, 40, 130, 3)
    batch[0, :17], batch[1] = short[0], long[0]
    mask = torch.arange(40)[None] < torch.tensor([[17], [40]])
    tokens = torch.randint(0, 63, (2, 33))
    with torch.no_grad():
        alone = model(short, None, tokens[:1], tokens[:1])
        padded = model(batch, mask, tokens, tokens)
        enc_alone = model.forward_encoder(short)
        enc_padded = model.forward_encoder(batch, mask)
    torch.testing.assert_close(enc_padded[0, :17], enc_alone[0], atol=2e-5, rtol=1e-4)
    assert enc_padded[0, 17:].abs().max() == 0
    torch.testing.assert_close(padded.logits[0], alone.logits[0], atol=2e-5, rtol=1e-4)
    torch.testing.assert_close(padded.backward_logits[0], alone.backward_logits[0], atol=2e-5, rtol=1e-4)
    torch.testing.assert_close(padded.confidence[0], alone.confidence[0], atol=2e-5, rtol=1e-4)


def test_padding_never_reaches_batch_statistics_in_train_mode():
    """Whatever the padded frames hold, a training step sees the same statistics and outputs."""
    model = model_from_yaml(
        "cfg_2.yaml",
        encoder={"layers": 2, "dropout": 0.0},
        decoder={"dropout": 0.0, "attention_dropout": 0.0},
    )
    model.train()
    x = torch.randn(2, 30, 130, 3)
    mask = torch.arange(30)[None] < torch.tensor([[30], [12]])
    garbage = x.clone()
    garbage[1, 12:] = 1e3
    tokens = torch.randint(0, 63, (2, 33))
    states = []
    for inputs in (x, garbage):
        clone = model_from_yaml(
            "cfg_2.yaml",
            encoder={"layers": 2, "dropout": 0.0},
            decoder={"dropout": 0.0, "attention_dropout": 0.0},
        ).train()
        out = clone(inputs, mask, tokens, tokens)
        states.append((out, {k: v.clone() for k, v in clone.state_dict().items() if "running" in k}))
    (first, stats1), (second, stats2) = states
    torch.testing.assert_close(first.logits, second.logits)
    for key in stats1:
        torch.testing.assert_close(stats1[key], stats2[key], msg=key)


def test_missing_hands_and_nan_inputs_give_finite_outputs(cfg2):
    x = torch.randn(2, 20, 130, 3)
    x[0, :, 40:82] = 0.0  # both hands missing after preprocessing
    x[1, :5] = float("nan")  # raw NaN straight into the model
    x[1, 5:7] = float("inf")
    with torch.no_grad():
        out = cfg2(x, None, torch.randint(0, 63, (2, 33)), torch.randint(0, 63, (2, 33)))
    assert torch.isfinite(out.logits).all() and torch.isfinite(out.confidence).all()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"dimm": 208}, "unknown config key .*dimm"),
        ({"dim": "208"}, "'model.dim' must be int"),
        ({"encoder": {"attention": "alibi"}}, "model.encoder.attention"),
        ({"encoder": {"name": "conformer9"}}, "unknown encoder"),
        ({"stem": {"parts": ["tail"]}}, "unknown stem part"),
        ({"encoder": {"heads": 5}}, "not divisible by 5 heads"),
        ({"decoder": {"layers": 1.5}}, "'model.decoder.layers' must be int"),
    ],
)
def test_config_errors_name_the_file_and_key(change, message):
    with pytest.raises(SignaError, match=message) as info:
        model_from_yaml("cfg_2.yaml", **change)
    assert info.value.path.endswith("cfg_2.yaml")


def test_vocabulary_mismatch_is_a_clear_error(cfg2):
    from signa.data.vocab import Vocabulary

    cfg2.check_vocabulary(Vocabulary.kaggle())
    with pytest.raises(SignaError, match="built for 63"):
        cfg2.check_vocabulary(Vocabulary(chars=("a", "b")))
