"""The stateful step of a streaming (causal) encoder as its own ONNX graph.

``encoder_step.onnx`` reads a chunk of frame features ``features`` (1, T, D), T dynamic, and the state
left by the previous call (``state0`` the frame offset (1,) int64, then the encoder's cached tensors
in :meth:`initial_state` order), and gives the chunk's encoder ``output`` (1, T, D) and the
``new_state*`` to feed back. A runtime starts from the zeros of ``initial_state``. The encoder must
provide ``initial_state(batch)`` and ``stream(x, state)`` (``conv-local-global`` does).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from signa.export.onnx import export_onnx

EXAMPLE_CHUNK = 5


class EncoderStep(nn.Module):
    """(features, *state) -> (output, *new_state): one :meth:`stream` call of ``encoder``."""

    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, features: torch.Tensor, state: tuple[torch.Tensor, ...]):
        output, new_state = self.encoder.stream(features, list(state))
        return (output, *new_state)


def export_encoder_step(encoder: nn.Module, dim: int, path: str | Path) -> list[str]:
    """Write the step graph of ``encoder`` (eval mode) to ``path``; returns the state input names."""
    encoder = encoder.eval()
    state = tuple(encoder.initial_state(1))
    names = [f"state{i}" for i in range(len(state))]
    example = (torch.zeros(1, EXAMPLE_CHUNK, dim), state)
    outputs = ["output", *[f"new_{name}" for name in names]]
    export_onnx(
        EncoderStep(encoder), example, path, ["features", *names], outputs, {"features": {1: "chunk"}}
    )
    return names
