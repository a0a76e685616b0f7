"""What a model gives, whatever its form: raw backend outputs, a description, and a prediction.

Torch-free: the ONNX and TFLite paths of the runtime need numpy and their runtime only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from signa.data.vocab import LabelMap, Vocabulary


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
