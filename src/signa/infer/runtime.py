"""One :class:`Recognizer` for every model form: a PyTorch checkpoint, an ONNX folder, a TFLite file.

    >>> import signa
    >>> recognizer = signa.load_model("exported/fs")          # or a checkpoint folder, or model.tflite
    >>> recognizer.predict(landmarks)                         # (frames, 543, 3) float32, NaN = missing
    Prediction(text='hello world', confidence=0.93, ms=24.1, ...)
    >>> recognizer.predict_file("clip.parquet")               # parquet, .npy, .pose: one per sequence

Every backend runs the same graph (:mod:`signa.export.graphs`), preprocessing included, and returns
the same raw outputs; decoding (ids -> text, the confidence gate) and the label lookup happen once,
here. ``ms`` is the wall time of the model call, preprocessing included.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from signa.data.layout import N_COORDS, N_LANDMARKS, get_selection
from signa.data.vocab import LabelMap, Vocabulary
from signa.errors import SignaError
from signa.export.metadata import EXPORT_FILE, KAGGLE_LAYOUT, ExportInfo


@dataclass(frozen=True)
class Prediction:
    """One sequence's answer: ``text`` (fingerspelling) or ``sign`` (isolated signs)."""

    text: str | None
    sign: str | None
    confidence: float | None
    ms: float
    frames: int
    low_confidence: bool = False
    tokens: tuple[int, ...] = ()
    path: str | None = None
    sequence_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON row of ``signa predict --json``: path, text or sign, confidence, ms."""
        row = {"path": self.path, "sequence_id": self.sequence_id}
        row.update({"text": self.text} if self.sign is None else {"sign": self.sign})
        row.update(confidence=self.confidence, ms=round(self.ms, 3), frames=self.frames)
        return row


@dataclass(frozen=True)
class RawOutput:
    """What a backend returns for one sequence, before decoding."""

    tokens: np.ndarray | None = None  # (S,) greedy ids (fingerspelling)
    confidence_logit: float | None = None  # fingerspelling confidence head
    probabilities: np.ndarray | None = None  # (C,) isolated signs
    logits: np.ndarray | None = None  # (S, V) step logits (fingerspelling), for parity checks


@dataclass(frozen=True)
class Description:
    """Task, vocabulary or labels and input contract of a loaded model, whatever its form."""

    task: str
    form: str  # "pytorch", "onnx" or "tflite"
    vocab: Vocabulary | None
    labels: LabelMap | None
    kaggle_input: bool = False
    selection: str = "fingerspelling-130"


def validate_landmarks(landmarks, kaggle_width: int | None = None, source=None) -> np.ndarray:
    """Return (T, 543, 3) float32 (or (T, 390) for a Kaggle-contract model); refuse anything else."""
    if not isinstance(landmarks, np.ndarray):
        raise SignaError(f"landmarks must be a numpy array, got {type(landmarks).__name__}", source)
    if not np.issubdtype(landmarks.dtype, np.floating):
        raise SignaError(
            f"landmarks must be floating point (NaN = missing), got dtype {landmarks.dtype}", source
        )
    shapes = [f"(frames, {N_LANDMARKS}, {N_COORDS})"] + (
        [f"(frames, {kaggle_width})"] if kaggle_width else []
    )
    ok = landmarks.ndim == 3 and landmarks.shape[1:] == (N_LANDMARKS, N_COORDS)
    ok = ok or (kaggle_width is not None and landmarks.ndim == 2 and landmarks.shape[1] == kaggle_width)
    if not ok:
        raise SignaError(f"landmarks must have shape {' or '.join(shapes)}, got {landmarks.shape}", source)
    if len(landmarks) == 0:
        raise SignaError("the sequence has no frames", source)
    return np.ascontiguousarray(landmarks, dtype=np.float32)


def kaggle_columns(landmarks: np.ndarray, selection: str) -> np.ndarray:
    """(T, 543, 3) -> (T, 3·K) x|y|z-block columns of the selection (the Kaggle 390-column input)."""
    points = landmarks[:, get_selection(selection).plain_positions]  # (T, K, 3)
    return np.ascontiguousarray(points.transpose(0, 2, 1).reshape(len(landmarks), -1))


class Recognizer:
    """Load a model in any SIGNA form and recognise landmark sequences with it.

    ``gate``: the fingerspelling confidence gate of :class:`signa.models.decoding.DecodingOptions`
    (``"translator"``: empty text for low-confidence input; ``"kaggle"``: the dummy string;
    ``None``: off). ``threads``: CPU threads of the ONNX/TFLite runtimes. ``precision``: ``"bf16"``
    runs a PyTorch checkpoint under bfloat16 autocast (logging a warning on a CPU without native
    bf16, where it is slower), ``"auto"`` only where the CPU has native bf16 (an export's precision
    is set when exporting; ``auto`` leaves it so).
    """

    def __init__(
        self,
        path: str | Path,
        gate: str | None = "translator",
        threads: int | None = None,
        precision: str = "fp32",
    ):
        from signa.infer.backends import open_backend

        self.path = Path(path)
        self.backend = open_backend(self.path, threads, precision)
        self.description: Description = self.backend.description
        from signa.models.decoding import DecodingOptions

        self.options = replace(DecodingOptions(), gate=gate)

    @property
    def task(self) -> str:
        return self.description.task

    def __repr__(self) -> str:
        return f"Recognizer({str(self.path)!r}, task={self.task!r}, form={self.description.form!r})"

    def raw(self, landmarks: np.ndarray) -> RawOutput:
        """The backend's undecoded output for one checked sequence."""
        return self.backend.run(self._input(landmarks))

    def predict(self, landmarks: np.ndarray, source: str | Path | None = None) -> Prediction:
        """Recognise one sequence: (frames, 543, 3) float32 with NaN for missing points."""
        data = self._input(landmarks, source)
        start = time.perf_counter()
        raw = self.backend.run(data)
        ms = (time.perf_counter() - start) * 1000
        return self._decode(raw, ms, len(data))

    def predict_many(self, sequences: Iterable) -> list[Prediction]:
        """Recognise each :class:`~signa.data.readers.LandmarkSequence` (or array) in turn."""
        out = []
        for item in sequences:
            landmarks = getattr(item, "landmarks", item)
            prediction = self.predict(landmarks, getattr(item, "path", None))
            out.append(
                replace(
                    prediction,
                    path=getattr(item, "path", None),
                    sequence_id=getattr(item, "sequence_id", None),
                )
            )
        return out

    def predict_file(self, path: str | Path) -> list[Prediction]:
        """Every sequence of a landmark file (parquet, .npy, .pose, a dataset csv), recognised."""
        from signa.data.readers import read_sequences

        return self.predict_many(read_sequences(path))

    def predict_files(self, paths: Sequence[str | Path]) -> list[Prediction]:
        return [p for path in paths for p in self.predict_file(path)]

    def _input(self, landmarks, source=None) -> np.ndarray:
        from signa.data.readers import require_detections

        kaggle_width = None
        if self.description.kaggle_input:
            kaggle_width = N_COORDS * len(get_selection(self.description.selection))
        data = validate_landmarks(landmarks, kaggle_width, source)
        if data.ndim == 3:
            require_detections(data, source)
        if self.task == "signs":
            from signa.data.preprocess_signs import check_has_hand

            check_has_hand(data, source)
        if self.description.kaggle_input and data.ndim == 3:
            data = kaggle_columns(data, self.description.selection)
        return data

    def _decode(self, raw: RawOutput, ms: float, frames: int) -> Prediction:
        if self.task == "signs":
            best = int(np.argmax(raw.probabilities))
            sign = self.description.labels.signs[best]
            return Prediction(None, sign, float(raw.probabilities[best]), ms, frames, tokens=(best,))
        import torch

        from signa.models.decoding import is_low_confidence

        logit = raw.confidence_logit
        confidence = None if logit is None or np.isnan(logit) else torch.tensor([logit])
        low = bool(is_low_confidence(torch.tensor([frames]), confidence, self.options)[0])
        text = self.description.vocab.decode(raw.tokens)
        if low and self.options.gate is not None:
            text = self.options.dummy_text if self.options.gate == "kaggle" else ""
        probability = None if confidence is None else float(torch.sigmoid(confidence)[0])
        return Prediction(text, None, probability, ms, frames, low, tuple(int(t) for t in raw.tokens))


def load_model(path: str | Path, **options) -> Recognizer:
    """A :class:`Recognizer` for a checkpoint folder, a run folder, an export folder or a model file."""
    return Recognizer(path, **options)


def describe_export(info: ExportInfo) -> Description:
    vocab = None if info.vocab is None else Vocabulary.from_mapping(info.vocab, EXPORT_FILE)
    labels = None if info.labels is None else LabelMap.from_mapping(info.labels, EXPORT_FILE)
    kaggle = info.input.layout == KAGGLE_LAYOUT
    return Description(info.task, info.format, vocab, labels, kaggle, info.selection)


def predictions_json(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    return [p.to_dict() for p in predictions]
