"""The stateful step of a streaming (causal) encoder as its own ONNX graph (``--variant stream``).

``encoder_step.onnx`` reads a chunk of frame features ``features`` (1, T, D), T dynamic, and the state
left by the previous call (``state0`` the frame offset (1,) int64, then the encoder's cached tensors
in :meth:`initial_state` order), and gives the chunk's encoder ``output`` (1, T, D), for a model with
a CTC head its frame ``logits`` (1, T, V + 1) (blank last), and the ``new_state*`` to feed back. A
runtime starts from the zeros of ``initial_state``. The encoder must provide ``initial_state(batch)``
and ``stream(x, state)`` (``conv-local-global`` does). The stem's features are not in the graph: the
global normalisation of the preprocessing looks at the whole sequence.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from signa.errors import SignaError
from signa.export.metadata import InputContract
from signa.export.onnx import export_onnx
from signa.export.tasks import ExportedFiles, LoadedModels

EXAMPLE_CHUNK = 5
STEP_FILE = "encoder_step.onnx"


class EncoderStep(nn.Module):
    """(features, *state) -> (output, [CTC logits], *new_state): one :meth:`stream` call of ``encoder``."""

    def __init__(self, encoder: nn.Module, ctc: nn.Module | None = None):
        super().__init__()
        self.encoder = encoder
        self.ctc = ctc

    def forward(self, features: torch.Tensor, state: tuple[torch.Tensor, ...]):
        output, new_state = self.encoder.stream(features, list(state))
        logits = () if self.ctc is None else (self.ctc(output),)
        return (output, *logits, *new_state)


def export_encoder_step(
    encoder: nn.Module, dim: int, path: str | Path, ctc: nn.Module | None = None
) -> list[str]:
    """Write the step graph of ``encoder`` (eval mode; with ``ctc``, its frame logits too) to ``path``;
    returns the state input names."""
    encoder = encoder.eval()
    state = tuple(encoder.initial_state(1))
    names = [f"state{i}" for i in range(len(state))]
    example = (torch.zeros(1, EXAMPLE_CHUNK, dim), state)
    outputs = ["output", *(["logits"] * (ctc is not None)), *[f"new_{name}" for name in names]]
    step = EncoderStep(encoder, None if ctc is None else ctc.eval())
    export_onnx(step, example, path, ["features", *names], outputs, {"features": {1: "chunk"}})
    return names


def export_stream(loaded: LoadedModels, out: Path) -> ExportedFiles:
    """``--variant stream``: the encoder step (and CTC head) of one causal fingerspelling model."""
    if len(loaded.models) > 1:
        raise SignaError("--variant stream exports one model, not an ensemble", loaded.folders[-1])
    model, folder = loaded.models[0], loaded.folders[0]
    if not hasattr(model.encoder, "stream"):
        raise SignaError(
            f"--variant stream needs a causal encoder (conv-local-global), not {model.config.encoder.name}",
            folder,
        )
    dim = model.config.dim
    names = export_encoder_step(model.encoder, dim, out / STEP_FILE, model.ctc)
    contract = InputContract(name="features", layout="stem-features", shape=[1, "chunk", dim], missing="none")
    outputs = {"output": [1, "chunk", dim]}
    if model.ctc is not None:
        outputs["logits"] = [1, "chunk", model.config.vocab_size + 1]
    outputs |= {f"new_{name}": [] for name in names}
    return ExportedFiles({"encoder_step": STEP_FILE}, contract, outputs, "stream")
