"""Isolated-sign inference: class probabilities -> the sign, and the library behind ``signa predict``.

Usage::

    from signa.infer.signs import predict_signs
    for prediction in predict_signs("runs/islr6/checkpoint", ["clip.parquet"]):
        print(prediction.path, prediction.sign, prediction.confidence)

The generic :class:`signa.infer.Recognizer` runs the model (checkpoint, ONNX or TFLite, with the
isolated-sign preprocessing of :mod:`signa.data.preprocess_signs` inside its graph) and, through
:class:`SignsInference`, refuses a sequence with no hand in any frame. A label map given by the user
must be the model's own, or the names printed would be wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from signa.data.layout import check_has_hand
from signa.data.vocab import LabelMap, check_label_map
from signa.errors import SignaError
from signa.export.metadata import ExportInfo
from signa.infer.outputs import Description, Prediction, RawOutput
from signa.infer.runtime import Recognizer
from signa.infer.tasks import InferTask, register_infer_task
from signa.models.gate import ConfidenceGate


@register_infer_task("signs")
class SignsInference(InferTask):
    unsuited_formats = {
        "kaggle-wide": "fingerspelled phrases (the Kaggle fingerspelling layout), not isolated signs",
        "letters": "single-frame letter handshapes, not isolated signs",
    }

    def mappings(self, info: ExportInfo, source: Path):
        if not info.labels:
            raise SignaError("an isolated-sign export needs 'labels'", source)
        return None, LabelMap.from_mapping(info.labels, source)

    def check_input(self, landmarks: np.ndarray, source) -> None:
        check_has_hand(landmarks, source)

    def raw_output(self, outputs: dict[str, np.ndarray], variant: str) -> RawOutput:
        return RawOutput(probabilities=outputs["probabilities"])

    def decode(
        self, raw: RawOutput, description: Description, gate: ConfidenceGate, ms: float, frames: int
    ) -> Prediction:
        best = int(np.argmax(raw.probabilities))
        sign = description.labels.signs[best]
        return Prediction(None, sign, float(raw.probabilities[best]), ms, frames, tokens=(best,))


def check_recognizer_labels(recognizer: Recognizer, labels: str | Path) -> None:
    """Refuse ``labels`` unless the recognizer is a sign model with exactly this label map."""
    if recognizer.task != "signs":
        raise SignaError(f"--labels applies to isolated-sign models, not {recognizer.task}", labels)
    check_label_map(Path(labels), recognizer.description.labels, exact=True)


def predict_signs(
    model: str | Path, files: Sequence[str | Path], labels: str | Path | None = None
) -> list[Prediction]:
    """The sign and its probability for every sequence of every file, in order."""
    recognizer = Recognizer(model)
    if recognizer.task != "signs":
        raise SignaError(f"not an isolated-sign model (task {recognizer.task!r})", model)
    if labels is not None:
        check_recognizer_labels(recognizer, labels)
    return recognizer.predict_files(files)
