"""``export.json``: everything a runtime needs beside an exported model file, and nothing else.

An export folder holds the model file(s) and one ``export.json``::

    {
      "signa_version": "0.1.0",
      "format": "onnx" | "tflite",
      "task": "fingerspelling" | "signs" (a registered task; its runtime checks its own keys),
      "precision": "fp32" | "fp16" | "int8",
      "files": {"model": "model.onnx"}  (stepwise fingerspelling: {"encoder": ..., "decoder_step": ...}),
      "variant": "unrolled" | "stepwise" | "loop" | "classifier",
      "input": {"name": "landmarks", "layout": "holistic-543", "shape": ["frames", 543, 3],
                "dtype": "float32", "missing": "NaN", "columns": null, "lengths": null},
      "outputs": {"logits": [...], "confidence": [...]}  (name -> shape, ``"steps"`` etc. as symbols),
      "vocab": {char: id} | "labels": {sign: id},
      "selection": "fingerspelling-130",
      "decoding": {"steps": 33, "sos_id": 60, "eos_id": 61, "pad_id": 59},
      "models": [{"arch": ..., "checkpoint": ..., "weights_sha256": ...}, ...],  (the ensemble)
      "route": "litert" | "onnx2tf"   (TFLite only; absent in older files: litert)
    }

``input.lengths`` lists the fixed frame counts of a TFLite file's signatures (``frames_128`` ...);
null means the frames axis is dynamic (ONNX, and TFLite through ``onnx2tf``: one ``serving_default``
signature whose input is resized to the sequence length).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from signa.errors import SignaError
from signa.files import write_json_atomic

EXPORT_FILE = "export.json"
FORMATS = ("onnx", "tflite")
ROUTES = ("litert", "onnx2tf")
RAW_LAYOUT = "holistic-543"
KAGGLE_LAYOUT = "kaggle-390"


@dataclass(frozen=True)
class InputContract:
    """What the deployed graph reads: raw Holistic frames or the Kaggle fingerspelling columns."""

    name: str = "landmarks"
    layout: str = RAW_LAYOUT
    shape: list = field(default_factory=lambda: ["frames", 543, 3])
    dtype: str = "float32"
    missing: str = "NaN"
    columns: list[str] | None = None
    lengths: list[int] | None = None


@dataclass(frozen=True)
class ExportInfo:
    """The parsed ``export.json`` of one export folder."""

    format: str
    task: str
    precision: str
    files: dict[str, str]
    variant: str
    input: InputContract
    outputs: dict[str, list]
    selection: str
    signa_version: str
    vocab: dict[str, int] | None = None
    labels: dict[str, int] | None = None
    decoding: dict | None = None  # steps, special ids; a Kaggle export adds its in-graph gate
    models: list[dict[str, Any]] = field(default_factory=list)
    route: str | None = None  # TFLite: "litert" (fixed-length signatures) or "onnx2tf" (variable)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {key: value for key, value in data.items() if value is not None}


def write_export_info(folder: str | Path, info: ExportInfo) -> Path:
    path = Path(folder) / EXPORT_FILE
    write_json_atomic(path, info.to_dict())
    return path


def read_export_info(folder: str | Path) -> ExportInfo:
    """Parse and check ``folder/export.json``; every problem names the file."""
    path = Path(folder) / EXPORT_FILE
    if not path.is_file():
        raise SignaError(f"not a SIGNA export: {EXPORT_FILE} is missing", Path(folder))
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise SignaError(f"corrupt export description: {err}", path) from None
    if not isinstance(data, dict):
        raise SignaError("corrupt export description: not a JSON object", path)
    required = ("format", "task", "precision", "files", "variant", "input", "outputs", "selection")
    missing = [key for key in required if key not in data]
    if missing:
        raise SignaError(f"corrupt export description: missing {', '.join(missing)}", path)
    if data["format"] not in FORMATS:
        raise SignaError(f"unknown format {data['format']!r}", path)
    try:
        contract = InputContract(**data["input"])
    except TypeError as err:
        raise SignaError(f"corrupt export description: input: {err}", path) from None
    fields = set(ExportInfo.__dataclass_fields__) - {"input", "signa_version"}
    known = {key: data[key] for key in fields if key in data}
    return ExportInfo(input=contract, signa_version=data.get("signa_version", "unknown"), **known)
