"""``signa data inspect``: per sequence, its length and how often each landmark group is missing."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from signa.data.layout import GROUP_SLICES
from signa.data.readers import LandmarkSequence, iter_sequences


def missing_fractions(landmarks: np.ndarray) -> dict[str, float]:
    """For each group, the fraction of frames of (T, 543, 3) ``landmarks`` in which it is entirely NaN."""
    if len(landmarks) == 0:
        return {group: 1.0 for group in GROUP_SLICES}
    missing = np.isnan(landmarks)
    return {group: float(missing[:, part].all(axis=(1, 2)).mean()) for group, part in GROUP_SLICES.items()}


def describe(sequence: LandmarkSequence) -> dict:
    """The inspect record of one sequence: path, format, sequence_id, frames, missing."""
    return {
        "path": sequence.path,
        "format": sequence.format,
        "sequence_id": sequence.sequence_id,
        "frames": sequence.frames,
        "missing": missing_fractions(sequence.landmarks),
    }


def inspect_paths(paths: Iterable[str | Path]) -> Iterator[dict]:
    """Yield one record per sequence in every path (files of any kind, dataset csvs, folders)."""
    for path in paths:
        for sequence in iter_sequences(path):
            yield describe(sequence)


def render_table(records: Iterable[dict]):
    """A rich table of inspect records: per group, the percentage of frames in which it is missing."""
    from rich.table import Table

    table = Table(title="frames with the landmark group missing")
    for name in ("file", "format", "sequence", "frames"):
        table.add_column(name, overflow="fold")
    for group in GROUP_SLICES:
        table.add_column(group.replace("_", " "), justify="right")
    for record in records:
        missing = [f"{100 * record['missing'][g]:.0f}%" for g in GROUP_SLICES]
        name = Path(record["path"]).name
        table.add_row(name, record["format"], record["sequence_id"], str(record["frames"]), *missing)
    return table
