"""Export steps every task uses: the example input, TFLite conversion and the TFLite-through-ONNX route."""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import torch
from torch import nn

from signa.data.layout import N_LANDMARKS
from signa.errors import SignaError
from signa.export.metadata import InputContract
from signa.export.options import ExportOptions
from signa.export.tasks import ExportedFiles, LoadedModels

EXAMPLE_FRAMES = 48


def example_landmarks() -> torch.Tensor:
    """The sequence a graph is traced with: (48, 543, 3) zeros (the frames axis stays dynamic)."""
    return torch.zeros(EXAMPLE_FRAMES, N_LANDMARKS, 3)


class NamedOutputs(nn.Module):
    """``graph`` returning a dict, so converters that name outputs by key (litert-torch) keep names."""

    def __init__(self, graph: nn.Module, names: list[str]):
        super().__init__()
        self.inner = graph  # not "graph": that name clashes with torch.fx's GraphModule.graph
        self.names = list(names)

    def forward(self, landmarks: torch.Tensor, frames: torch.Tensor):
        outputs = self.inner(landmarks, frames)
        outputs = outputs if isinstance(outputs, tuple) else (outputs,)
        return dict(zip(self.names, outputs, strict=True))


def convert_tflite(graph: nn.Module, path: Path, lengths: Sequence[int]) -> None:
    from signa.export.tflite import convert

    sample = {
        "landmarks": torch.zeros(max(lengths), N_LANDMARKS, 3),
        "frames": torch.ones(1, dtype=torch.int32),
    }
    convert(graph, sample, sorted(set(lengths)), path, {"landmarks": 0})


Export = Callable[[LoadedModels, Path, ExportOptions], ExportedFiles]


def via_onnx(export: Export, loaded: LoadedModels, out: Path, options: ExportOptions) -> ExportedFiles:
    """TFLite through ONNX: the ONNX export of the same options, converted to one variable-length file
    (the ONNX contract holds: dynamic frames, no ``lengths``). fp16 weights come from the converter."""
    from signa.export.onnx2tf import convert_onnx

    name = "model.tflite" if options.precision == "fp32" else f"model.{options.precision}.tflite"
    with tempfile.TemporaryDirectory(prefix="signa-onnx-") as tmp:
        onnx_options = replace(options, format="onnx", precision="fp32")
        written = export(loaded, Path(tmp), onnx_options)
        convert_onnx(Path(tmp) / written.files["model"], out / name, fp16=options.precision == "fp16")
    return replace(written, files={"model": name})


def fixed_contract(lengths: Sequence[int]) -> InputContract:
    return InputContract(shape=["length", N_LANDMARKS, 3], lengths=sorted(set(lengths)))


def shared_mapping(configs, folders, key, parse, default):
    """The one vocabulary or label map of an ensemble (all members must agree)."""
    mappings = [c.get(key) for c in configs]
    if any(m != mappings[0] for m in mappings):
        raise SignaError(f"ensemble members have different '{key}'", folders[-1])
    if mappings[0] is None:
        if default is None:
            raise SignaError(f"checkpoint config has no '{key}'", folders[0] / "config.json")
        return default()
    return parse(mappings[0], folders[0] / "config.json")
