"""The confusion matrix of an isolated-sign evaluation, as csv and (with matplotlib) as a picture."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signa.files import atomic_path, write_text_atomic


def write_confusion_csv(path: Path, matrix: np.ndarray, signs) -> None:
    lines = [",".join(["true \\ predicted", *signs])]
    lines += [",".join([sign, *map(str, row)]) for sign, row in zip(signs, matrix.tolist(), strict=True)]
    write_text_atomic(path, "\n".join(lines) + "\n")


def plot_confusion(path: Path, matrix: np.ndarray, signs) -> bool:
    """Draw the confusion matrix; returns False (and draws nothing) without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    size = min(4 + 0.25 * len(signs), 40)
    figure, axis = plt.subplots(figsize=(size, size))
    axis.imshow(matrix, cmap="Blues")
    if len(signs) <= 50:
        axis.set_xticks(range(len(signs)), signs, rotation=90)
        axis.set_yticks(range(len(signs)), signs)
        for (row, col), count in np.ndenumerate(matrix):
            if count:
                color = "white" if count > matrix.max() / 2 else "black"
                axis.text(col, row, str(count), ha="center", va="center", fontsize=8, color=color)
    axis.set_xlabel("predicted sign")
    axis.set_ylabel("true sign")
    figure.tight_layout()
    with atomic_path(path) as tmp:
        figure.savefig(tmp, format="png", dpi=100)
    plt.close(figure)
    return True
