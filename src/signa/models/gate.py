"""The confidence gate (SOLUTIONS.md §2.9): one rule for evaluation, the runtime and the Kaggle graph.

An input is low-confidence when it had fewer than ``min_frames`` raw frames, or when its confidence
(sigmoid of the confidence head's logit) is below ``min_confidence`` (models with a confidence head
only). What a low-confidence input gives is the ``mode``: ``translator`` (default) empty text, flagged
``low_confidence``; ``kaggle`` the competition's dummy string, which minimised the edit distance of
garbage predictions; ``None`` turns the gate off (the text stays, the flag is still set).

The gate is plain Python: :meth:`ConfidenceGate.is_low` compares with ``<`` and ``|``, so it takes
numbers, numpy arrays or torch tensors alike, and this module imports neither numpy nor torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

KAGGLE_DUMMY_TEXT = "2 a-e -aroe"


@dataclass(frozen=True)
class ConfidenceGate:
    mode: Literal["translator", "kaggle"] | None = "translator"
    min_frames: int = 15
    min_confidence: float = 0.15
    dummy_text: str = KAGGLE_DUMMY_TEXT

    @property
    def min_logit(self) -> float:
        """The confidence logit at ``min_confidence``: a graph compares logits (NaN never gates)."""
        return math.log(self.min_confidence / (1 - self.min_confidence))

    def is_low(self, frames, probability=None):
        """Fewer than ``min_frames`` raw frames, or ``probability`` (when known) below the threshold."""
        low = frames < self.min_frames
        if probability is not None:
            low = low | (probability < self.min_confidence)
        return low

    def text(self, text: str, low: bool) -> str:
        """What the input gives: ``text`` unless it is low-confidence and the gate is on."""
        if self.mode is None or not low:
            return text
        return self.dummy_text if self.mode == "kaggle" else ""
