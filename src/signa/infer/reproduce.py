"""The figures on the bundled models' cards, computed the one way the cards, the tests and the demo share.

    >>> from signa.infer.reproduce import composed_held_out
    >>> composed_held_out("asl-fingerspelling", limit=100).score     # the card's CI subset figure

``composed_held_out`` runs a fingerspelling model on the held-out composed sequences of
:mod:`signa.data.compose.recipe` (re-created in memory from the repo's samples) through the
:class:`~signa.infer.runtime.Recognizer`, without the confidence gate, and scores them with the
normalised total Levenshtein. ``reference_videos`` recognises landmark files whose name starts with
the sign they show (``yo_001.parquet``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from signa.data.compose.recipe import ASL_RECIPE, ComposedRecipe, held_out_sequences
from signa.infer.runtime import Recognizer
from signa.metrics import normalized_total_levenshtein


@dataclass(frozen=True)
class ComposedScore:
    """Held-out composed phrases beside the model's readings of them, and their score."""

    score: float
    truths: list[str]
    predictions: list[str]

    @property
    def n(self) -> int:
        return len(self.truths)


def composed_held_out(
    model: str | Path, limit: int | None = None, recipe: ComposedRecipe = ASL_RECIPE
) -> ComposedScore:
    """Read the first ``limit`` (default all) held-out composed sequences with ``model``; score them."""
    recognizer = Recognizer(model, gate=None)
    sequences = held_out_sequences(recipe, limit)
    predictions = [recognizer.predict(s.landmarks).text or "" for s in sequences]
    truths = [s.phrase for s in sequences]
    return ComposedScore(normalized_total_levenshtein(truths, predictions), truths, predictions)


def reference_videos(model: str | Path, files: Sequence[str | Path]) -> list[dict]:
    """Each file's sign (its name up to the first ``_``) beside the sign ``model`` recognises in it."""
    recognizer = Recognizer(model)
    rows = []
    for path in files:
        (prediction,) = recognizer.predict_file(path)
        truth = Path(path).stem.split("_")[0]
        rows.append(
            {
                "file": Path(path).name,
                "truth": truth,
                "predicted": prediction.sign,
                "confidence": round(float(prediction.confidence), 4),
                "correct": prediction.sign == truth,
            }
        )
    return rows
