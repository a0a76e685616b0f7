"""Real landmark sequences for the web tests: the kit's video extractions one after another, with rests."""

from __future__ import annotations

import numpy as np

from signa.data.layout import GROUP_SLICES
from signa.data.readers import read_sequences


def joined_with_rests(paths, rest_frames: int = 24) -> np.ndarray:
    """Real recordings one after the other, each followed by a rest: its last frame with the hands removed."""
    parts = []
    for path in paths:
        clip = read_sequences(path)[0].landmarks
        rest = np.repeat(clip[-1:], rest_frames, axis=0)
        rest[:, GROUP_SLICES["left_hand"]] = rest[:, GROUP_SLICES["right_hand"]] = np.nan
        parts += [clip, rest]
    return np.concatenate(parts)
