"""Isolated-sign prediction: the library behind ``signa predict`` for sign models.

Usage::

    from signa.infer.signs import predict_signs
    for prediction in predict_signs("runs/islr6/checkpoint", ["clip.parquet"]):
        print(prediction.path, prediction.sign, prediction.confidence)

The generic :class:`signa.infer.Recognizer` runs the model (checkpoint, ONNX or TFLite, with the
isolated-sign preprocessing of :mod:`signa.data.preprocess_signs` inside its graph) and refuses a
sequence with no hand in any frame. This module adds what is specific to signs: a label map given
by the user must be the model's own, or the names printed would be wrong.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from signa.errors import SignaError
from signa.infer.runtime import Prediction, Recognizer
from signa.train.signs import check_label_map


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
