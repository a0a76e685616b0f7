"""The hand-only letters table: one hand pose per row."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from signa.data.layout import COORDS, GROUP_SIZES, GROUP_SLICES, N_LANDMARKS
from signa.data.readers.common import LandmarkSequence, existing_path, numeric_column, read_parquet_columns

LETTER_COLUMNS = ("letter", "sample_id", "frame_index")

HAND_POINTS = GROUP_SIZES["left_hand"]


@dataclass
class LetterPoses:
    """Hand-only letter handshapes: ``hands`` float32 (N, 21, 3), one row per detection."""

    letters: np.ndarray  # (N,) str
    frame_index: np.ndarray  # (N,) int
    sample_ids: np.ndarray  # (N,) str
    hands: np.ndarray  # (N, 21, 3)
    path: str

    def __len__(self) -> int:
        return len(self.letters)

    def for_letter(self, letter: str) -> np.ndarray:
        """(n, 21, 3) hands of one letter, in frame_index order."""
        rows = np.flatnonzero(self.letters == letter)
        return self.hands[rows[np.argsort(self.frame_index[rows], kind="stable")]]


def read_letter_poses(path: str | Path) -> LetterPoses:
    """Read the letters table (``letter, sample_id, frame_index, x_0..x_20, y_0..y_20, z_0..z_20``).

    Handedness is not stored in that table; the hands are returned as recorded.
    """
    path = existing_path(path)
    coords = [f"{c}_{i}" for c in COORDS for i in range(HAND_POINTS)]
    table = read_parquet_columns(path, [*LETTER_COLUMNS, *coords])
    flat = np.stack([numeric_column(table[c]) for c in coords], axis=1).astype(np.float32)  # (N, 63)
    hands = flat.reshape(-1, 3, HAND_POINTS).transpose(0, 2, 1).copy()  # (N, 21, 3)
    return LetterPoses(
        letters=np.asarray(table["letter"].to_pylist(), dtype=str),
        frame_index=numeric_column(table["frame_index"]).astype(np.int64),
        sample_ids=np.asarray(table["sample_id"].to_pylist(), dtype=str),
        hands=hands,
        path=str(path),
    )


def letter_sequences(letters: LetterPoses) -> list[LandmarkSequence]:
    """Each letter detection as a one-frame sequence with the hand in the right-hand slot.

    The table does not store handedness; the right-hand slot is a convention (most frames look like
    a right hand in a mirrored image), recorded in ``meta["handedness"]``.
    """
    sequences = []
    for i in range(len(letters)):
        landmarks = np.full((1, N_LANDMARKS, 3), np.nan, np.float32)
        landmarks[0, GROUP_SLICES["right_hand"]] = letters.hands[i]
        meta = {"letter": str(letters.letters[i]), "handedness": "unknown (placed as right_hand)"}
        sequences.append(
            LandmarkSequence(landmarks, str(letters.sample_ids[i]), letters.path, "letters", meta)
        )
    return sequences
