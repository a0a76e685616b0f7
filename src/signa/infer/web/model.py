"""What the page learns about the served model: task, decoding rules, and whether it can run in the page.

The page decodes an ONNX export's outputs exactly as :class:`signa.infer.Recognizer` does: token ids up to
the first EOS become characters, special ids nothing; the ``translator``
:class:`~signa.models.gate.ConfidenceGate` empties the text of a sequence shorter than ``min_frames`` or
whose float32 sigmoid(confidence logit) is below ``min_confidence``; a sign is the argmax of the
probabilities. The rules are sent from here so that both sides read one source.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from signa.bundled import resolve_model
from signa.export.metadata import EXPORT_FILE, RAW_LAYOUT, ExportInfo, read_export_info
from signa.infer.backends import describe_export
from signa.models.gate import ConfidenceGate

BROWSER_VARIANTS = ("unrolled", "loop", "classifier")


@dataclass(frozen=True)
class ServedModel:
    """The model folder and, when it has one the page can run, its ONNX export."""

    path: Path
    export: ExportInfo | None

    @property
    def private(self) -> bool:
        """True when the page can run the model itself (an ONNX export of raw Holistic frames)."""
        info = self.export
        return (
            info is not None
            and info.format == "onnx"
            and info.variant in BROWSER_VARIANTS
            and info.input.layout == RAW_LAYOUT
        )

    def public_files(self) -> dict[str, Path]:
        """Files served under ``/model/``: the model file, private mode only (not export.json, which
        names the checkpoints' paths on this machine; the page gets what it needs inlined)."""
        if not self.private:
            return {}
        return {name: self.path / name for name in self.export.files.values()}


def served_model(path: str | Path) -> ServedModel:
    path = resolve_model(path)
    export = read_export_info(path) if path.is_dir() and (path / EXPORT_FILE).is_file() else None
    return ServedModel(path, export)


def page_config(model: ServedModel, task: str, limits: dict[str, Any], segmentation: dict) -> dict:
    """The JSON the page reads at start: mode, decoding rules, labels, limits, segmentation."""
    config: dict[str, Any] = {"task": task, "private": model.private, "limits": limits}
    config["segmentation"] = segmentation
    if not model.private:
        return config
    info = model.export
    description = describe_export(info, model.path)
    config["model"] = {"file": f"model/{info.files['model']}", "input": info.input.name}
    if task == "signs":
        config["labels"] = list(description.labels.signs)
    else:
        gate = ConfidenceGate()
        vocab = description.vocab
        config["vocab"] = {"chars": list(vocab.chars), "eos_id": vocab.eos_id}
        # the loop variant stops at EOS; its tokens are padded to `steps` as the runtime pads them
        config["decoding"] = {"steps": info.decoding["steps"], "pad_id": info.decoding["pad_id"]}
        config["gate"] = {
            "gate": gate.mode,
            "min_frames": gate.min_frames,
            "min_confidence": gate.min_confidence,
            "dummy_text": gate.dummy_text,
        }
    return config
