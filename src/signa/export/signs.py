"""Isolated-sign export: an ensemble's class probabilities, one graph per file.

:class:`SignsGraph` reads one raw sequence (T, 543, 3), preprocessing inside
(:class:`~signa.data.preprocess_signs.SignPreprocessor`), and outputs class ``probabilities`` (C,):
the members' softmax probabilities averaged (the ISLR 6th place averaged probabilities).
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn

from signa.data.layout import SIGNS_100
from signa.data.preprocess_signs import SignPreprocessor
from signa.data.vocab import LabelMap
from signa.errors import SignaError
from signa.export.fuse import fuse_for_inference
from signa.export.metadata import InputContract
from signa.export.options import ExportOptions
from signa.export.steps import (
    NamedOutputs,
    convert_tflite,
    example_landmarks,
    fixed_contract,
    shared_mapping,
    via_onnx,
)
from signa.export.tasks import ExportedFiles, ExportTask, LoadedModels, register_export_task

OUTPUTS = ["probabilities"]


class SignsGraph(nn.Module):
    """Raw sequence (T, 543, 3) -> class probabilities (C,), averaged over the ensemble."""

    def __init__(self, models: list[nn.Module]):
        super().__init__()
        if len({m.config.n_classes for m in models}) != 1:
            raise ValueError("ensemble members must have the same classes")
        self.models = nn.ModuleList(fuse_for_inference(m) for m in models)
        self.preprocessors = nn.ModuleList(SignPreprocessor(m.config.max_len) for m in models)

    def forward(self, landmarks: torch.Tensor, frames: torch.Tensor | None = None):
        valid = None if frames is None else (torch.arange(landmarks.shape[0]) < frames.reshape(1))[None]
        probabilities = []
        for model, preprocess in zip(self.models, self.preprocessors, strict=True):
            points, mask = preprocess(landmarks[None], valid)
            probabilities.append(torch.softmax(model(points, mask).float(), dim=-1))
        return torch.stack(probabilities).mean(0)[0]


@register_export_task("signs")
class SignsExport(ExportTask):
    archs = ("islr6",)

    def shared_mappings(self, models, configs, folders):
        labels = shared_mapping(configs, folders, "labels", LabelMap.from_mapping, None)
        for model, folder in zip(models, folders, strict=True):
            if model.config.n_classes != len(labels):
                raise SignaError(
                    f"label map has {len(labels)} signs, model has {model.config.n_classes} classes", folder
                )
        return None, labels

    def runtime_graph(self, loaded: LoadedModels) -> tuple[nn.Module, list[str]]:
        return SignsGraph(loaded.models), OUTPUTS

    def selection(self, loaded: LoadedModels) -> str:
        return SIGNS_100.name

    def export(self, loaded: LoadedModels, out: Path, options: ExportOptions) -> ExportedFiles:
        if options.kaggle:
            raise SignaError(
                "the Kaggle contract is fingerspelling's; an isolated-sign model reads (frames, 543, 3)",
                "--kaggle",
            )
        if options.format == "tflite" and options.route == "onnx2tf":
            return via_onnx(self.export, loaded, out, options)
        graph = SignsGraph(loaded.models)
        outputs = {"probabilities": [len(loaded.labels)]}
        if options.format == "tflite":
            convert_tflite(NamedOutputs(graph, OUTPUTS), out / "model.tflite", options.lengths)
            return ExportedFiles(
                {"model": "model.tflite"}, fixed_contract(options.lengths), outputs, "classifier"
            )
        from signa.export.onnx import export_onnx

        dynamic = {"landmarks": {0: "frames"}}
        export_onnx(graph, (example_landmarks(),), out / "model.onnx", ["landmarks"], OUTPUTS, dynamic)
        return ExportedFiles({"model": "model.onnx"}, InputContract(), outputs, "classifier")
