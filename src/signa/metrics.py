"""The competitions' metrics.

Fingerspelling is scored by normalised total Levenshtein, (ΣN − ΣD) / ΣN, with N the length of each
reference and D the plain (not Damerau) Levenshtein distance to its prediction, summed over the set
(not averaged per sample). Isolated signs are scored by accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rapidfuzz.distance import Levenshtein


def normalized_total_levenshtein(references: Sequence[str], predictions: Sequence[str]) -> float:
    """Kaggle ASL Fingerspelling score; 1 is perfect, and it can go below 0."""
    if len(references) != len(predictions):
        raise ValueError(f"{len(references)} references but {len(predictions)} predictions")
    total = sum(len(r) for r in references)
    if total == 0:
        raise ValueError("references hold no characters")
    distance = sum(Levenshtein.distance(r, p) for r, p in zip(references, predictions, strict=True))
    return (total - distance) / total


def sample_scores(references: Sequence[str], predictions: Sequence[str]) -> np.ndarray:
    """Per-sample (N_i − D_i) / N_i, the out-of-fold confidence target of the two-round recipe."""
    return np.array(
        [
            (len(r) - Levenshtein.distance(r, p)) / max(len(r), 1)
            for r, p in zip(references, predictions, strict=True)
        ],
        dtype=np.float32,
    )


def accuracy(labels, predictions) -> float:
    labels, predictions = np.asarray(labels), np.asarray(predictions)
    if labels.size == 0:
        raise ValueError("no labels")
    return float((labels == predictions).mean())


def top_k_accuracy(labels, scores, k: int) -> float:
    """Fraction of samples whose label is among the k highest ``scores`` (N, C)."""
    labels, scores = np.asarray(labels), np.asarray(scores)
    k = min(k, scores.shape[1])
    top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    return float((top == labels[:, None]).any(axis=1).mean())


def confusion_matrix(labels, predictions, n_classes: int) -> np.ndarray:
    """(n_classes, n_classes) counts; row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (np.asarray(labels), np.asarray(predictions)), 1)
    return matrix


def plain_metrics(metrics: dict) -> dict[str, float | int]:
    """Metric values as Python numbers: counts stay integers, scores become floats."""
    return {k: int(v) if isinstance(v, int | np.integer) else float(v) for k, v in metrics.items()}


def format_metric(value: float | int) -> str:
    """``930`` for a count, ``0.9730`` for a score."""
    return str(value) if isinstance(value, int) else f"{value:.4f}"


def format_metrics(metrics: dict) -> str:
    """``accuracy 0.9730, sequences 36``."""
    return ", ".join(f"{key} {format_metric(value)}" for key, value in metrics.items())
