"""The causal conv + local/global attention encoder: streaming, causality and padding (synthetic inputs).

Chunked equals whole: feeding a sequence chunk by chunk with the state carried gives the whole-sequence
output within MAX_STREAM_DIFF (float32; observed ~1e-6), for chunks of 1, 3, 7 frames and uneven ones.
"""

from __future__ import annotations

import pytest
import torch

from signa.models.encoders.conv_local_global import ConvLocalGlobalEncoder
from signa.models.fingerspelling import EncoderConfig

MAX_STREAM_DIFF = 1e-5
DIM, MAX_LEN = 32, 64


@pytest.fixture(scope="module")
def encoder():
    torch.manual_seed(0)
    config = EncoderConfig(name="conv-local-global", layers=2, heads=2, conv_kernel=5, ffn_expansion=2)
    model = ConvLocalGlobalEncoder(config, DIM, MAX_LEN)
    for norm in model.modules():  # non-trivial running statistics
        if hasattr(norm, "running_var"):
            norm.running_mean.normal_(0, 0.5)
            norm.running_var.uniform_(0.5, 2)
    return model.eval()


def stream_in_chunks(encoder, x, sizes):
    state, outputs, start = encoder.initial_state(x.shape[0]), [], 0
    for size in sizes:
        y, state = encoder.stream(x[:, start : start + size], state)
        outputs.append(y)
        start += size
    return torch.cat(outputs, dim=1), state


@pytest.mark.parametrize("sizes", [[1] * 40, [3] * 13 + [1], [7] * 5 + [5], [2, 11, 1, 19, 7], [40]])
def test_chunked_equals_whole(encoder, sizes):
    x = torch.randn(2, sum(sizes), DIM)
    with torch.no_grad():
        whole = encoder(x)
        chunked, state = stream_in_chunks(encoder, x, sizes)
    difference = (chunked - whole).abs().max().item()
    assert difference < MAX_STREAM_DIFF, difference
    assert int(state[0]) == sum(sizes)


def test_outputs_do_not_depend_on_future_frames(encoder):
    x = torch.randn(1, 30, DIM)
    changed = x.clone()
    changed[:, 20:] += 5.0
    with torch.no_grad():
        a, b = encoder(x), encoder(changed)
    assert torch.allclose(a[:, :20], b[:, :20], atol=1e-6) and not torch.allclose(a[:, 20:], b[:, 20:])


def test_local_window_limits_the_look_back():
    config = EncoderConfig(name="conv-local-global", layers=1, heads=2, local_window=3)
    attention = ConvLocalGlobalEncoder(config, DIM, MAX_LEN).blocks[0].attentions[0].module
    allowed = attention._allowed(6, torch.zeros(1, dtype=torch.long), 0)
    assert allowed[5].tolist() == [False, False, True, True, True, True]
    assert allowed[1].tolist() == [True, True, False, False, False, False]
