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


def inspect_paths(paths: Iterable[str | Path], layout: str | Path | None = None) -> Iterator[dict]:
    """Yield one record per sequence in every path (files of any kind, dataset csvs, folders);
    ``layout`` describes ``.npy`` keypoint vectors (:mod:`signa.data.keypoints`)."""
    for path in paths:
        for sequence in iter_sequences(path, layout):
            yield describe(sequence)


def render_table(records: Iterable[dict]):
    """A rich table of inspect records: per group, the percentage of frames in which it is missing.

    A sequence is named by its id, prefixed with its file's stem when the file holds other ids too.
    """
    from rich.table import Table

    table = Table(title="frames in which each landmark group is missing")
    table.add_column("sequence", no_wrap=True, overflow="ellipsis", max_width=22)
    table.add_column("frames", justify="right", no_wrap=True, min_width=6)
    for group in GROUP_SLICES:
        table.add_column(group.split("_")[0], justify="right", no_wrap=True, min_width=5)
    table.add_column("format", no_wrap=True)
    for record in records:
        stem = Path(record["path"]).stem
        name = record["sequence_id"] if stem == record["sequence_id"] else f"{stem}/{record['sequence_id']}"
        missing = [f"{100 * record['missing'][g]:.0f}%" for g in GROUP_SLICES]
        table.add_row(name, str(record["frames"]), *missing, record["format"])
    return table
