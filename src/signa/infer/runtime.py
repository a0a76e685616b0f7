"""One :class:`Recognizer` for every model form: a PyTorch checkpoint, an ONNX folder, a TFLite file.

    >>> import signa
    >>> recognizer = signa.load_model("exported/fs")          # or a checkpoint folder, or model.tflite
    >>> recognizer.predict(landmarks)                         # (frames, 543, 3) float32, NaN = missing
    Prediction(text='hello world', confidence=0.93, ms=24.1, ...)
    >>> recognizer.predict_file("clip.parquet")               # parquet, .npy, .pose: one per sequence

Every backend runs the same graph (the export task's, :mod:`signa.export.tasks`), preprocessing
included, and returns the same raw outputs; the model's task (:mod:`signa.infer.tasks`) checks the
input and decodes them (ids -> text through the confidence gate, or the label lookup), once.
``ms`` is the wall time of the model call, preprocessing included.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from signa.bundled import resolve_model
from signa.data.layout import N_COORDS, N_LANDMARKS, get_selection
from signa.data.readers import iter_sequences, read_sequences, require_detections
from signa.data.readers.common import existing_path
from signa.errors import SignaError
from signa.files import json_safe
from signa.infer.backends import open_backend
from signa.infer.outputs import Description, Prediction, RawOutput
from signa.infer.tasks import infer_task
from signa.models.gate import ConfidenceGate


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

    ``gate``: the mode of the fingerspelling :class:`~signa.models.gate.ConfidenceGate`
    (``"translator"``: empty text for low-confidence input; ``"kaggle"``: the dummy string;
    ``None``: off). ``threads``: torch's CPU threads for a checkpoint (default: torch's setting is
    left as it is; ``"auto"``: :func:`signa.cpu.default_threads`, one per million parameters, as
    the command line does), or the ONNX/TFLite runtime's (default: the cores, at most 4).
    ``precision``: ``"bf16"`` runs a PyTorch checkpoint under bfloat16 autocast (logging a warning on
    a CPU without native bf16, where it is slower), ``"auto"`` only where the CPU has native bf16 (an
    export's precision is set when exporting; ``auto`` leaves it so).
    """

    def __init__(
        self,
        path: str | Path,
        gate: str | None = "translator",
        threads: int | str | None = None,
        precision: str = "fp32",
    ):
        self.path = resolve_model(path)
        self.backend = open_backend(self.path, threads, precision)
        self.description: Description = self.backend.description
        self.inference = infer_task(self.description.task)
        self.gate = ConfidenceGate(mode=gate)

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

    def predict_file(self, path: str | Path, layout: str | Path | None = None) -> list[Prediction]:
        """Every sequence of a landmark file (parquet, .npy, .pose, a dataset csv), recognised;
        ``layout`` describes ``.npy`` keypoint vectors (:mod:`signa.data.keypoints`)."""
        return self.predict_many(read_sequences(path, layout))

    def predict_files(
        self, paths: Sequence[str | Path], layout: str | Path | None = None
    ) -> list[Prediction]:
        return list(self.iter_predictions(paths, layout=layout))

    def iter_predictions(
        self,
        paths: Sequence[str | Path],
        warn: Callable[[str, str], None] | None = None,
        layout: str | Path | None = None,
    ) -> Iterator[Prediction]:
        """Each sequence of each file, recognised as it is read (a long table streams its answers).

        ``warn(path, problem)`` hears once per file when the file's layout is not what the model
        was trained on (an isolated-sign model on a fingerspelling file, say). A missing file is
        refused before the first answer, so no output is left half-written. ``layout`` describes
        ``.npy`` keypoint vectors (:mod:`signa.data.keypoints`).
        """
        for path in paths:
            existing_path(path)
        for path in paths:
            warned = set()
            for sequence in iter_sequences(path, layout):
                problem = self.inference.unsuited_formats.get(sequence.format)
                if warn and problem and sequence.format not in warned:
                    warned.add(sequence.format)
                    warn(str(path), f"this {self.task} model may mislead here: the file holds {problem}")
                yield self.predict_many([sequence])[0]

    def _input(self, landmarks, source=None) -> np.ndarray:
        kaggle_width = None
        if self.description.kaggle_input:
            kaggle_width = N_COORDS * len(get_selection(self.description.selection))
        data = validate_landmarks(landmarks, kaggle_width, source)
        if data.ndim == 3:
            require_detections(data, source)
        self.inference.check_input(data, source)
        if self.description.kaggle_input and data.ndim == 3:
            data = kaggle_columns(data, self.description.selection)
        return data

    def _decode(self, raw: RawOutput, ms: float, frames: int) -> Prediction:
        return self.inference.decode(raw, self.description, self.gate, ms, frames)


def load_model(path: str | Path, **options) -> Recognizer:
    """A :class:`Recognizer` for a checkpoint folder, a run folder, an export folder or a model file."""
    return Recognizer(path, **options)


def predictions_json(predictions: Sequence[Prediction]) -> list[dict[str, Any]]:
    """JSON rows; a non-finite confidence (never expected from finite input) becomes null."""
    return [json_safe(p.to_dict()) for p in predictions]


def prediction_output(predictions: Iterable[Prediction], as_json: bool) -> Iterator[str]:
    """The text of ``signa predict``, piece by piece as the predictions come: ``path: sign (0.973)``
    lines, or a JSON list written element by element (valid JSON, never NaN)."""
    separator = "["
    try:
        for (row,) in (predictions_json([p]) for p in predictions):
            if as_json:
                yield f"{separator}\n  {json.dumps(row, allow_nan=False)}"
                separator = ","
                continue
            answer = row["sign"] if "sign" in row else repr(row["text"])
            confidence = "" if row["confidence"] is None else f" ({row['confidence']:.3f})"
            yield f"{row['path']}: {answer}{confidence}\n"
    except SignaError:  # a later file is bad: the answers so far stay a valid JSON list
        if as_json and separator != "[":
            yield "\n]\n"
        raise
    if as_json:
        yield "[]\n" if separator == "[" else "\n]\n"
