"""Letter sources (hand tables, long-format folders, ``.npy`` folders) -> canonical hands and bodies."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from signa.data.compose.options import (
    FACE,
    HAND,
    INDEX_MCP,
    L_SHOULDER,
    LEFT_HAND,
    MIDDLE_MCP,
    PALM_PER_SHOULDER,
    PINKY_MCP,
    POSE,
    R_ELBOW,
    R_SHOULDER,
    RIGHT_HAND,
    WRIST,
    WRIST_FROM_SHOULDER,
    parse_block,
)
from signa.data.layout import mirror_map
from signa.data.readers import read_csv_table, read_kaggle_long, read_sequences
from signa.data.vocab import Vocabulary
from signa.errors import SignaError


@dataclass
class LetterBank:
    """Canonical right hands per character, in recording order, and body templates.

    ``hands[char]``: float32 (n, 21, 3), wrist at 0, palm size 1. ``bodies``: float32 (543, 3)
    holistic frames with the signing hand on the right and both hands removed; ``anchors`` holds the
    (x, y) wrist position and palm size where each body's right hand fingerspells.
    """

    hands: dict[str, np.ndarray]
    bodies: list[np.ndarray] = field(default_factory=list)
    anchors: list[tuple[np.ndarray, float]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


@dataclass
class LetterSource:
    """Raw samples of one letter source: ``hands[label]`` (n, 21, 3) in recording order."""

    hands: dict[str, np.ndarray]
    bodies: list[np.ndarray]
    from_holistic: bool


def read_letter_source(path: str | Path) -> LetterSource:
    """Read one letter source of any accepted kind (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise SignaError("no such letter source", path)
    if path.is_dir() and (path / "train.csv").is_file():
        return _read_long_folder(path)
    if path.is_dir():
        return _read_npy_folder(path)
    if path.suffix.lower() in (".parquet", ".csv"):
        return _read_hand_table(path)
    raise SignaError(
        "not a letter source: expected a hand table, a folder with train.csv, or <LETTER>/*.npy", path
    )


def _read_hand_table(path: Path) -> LetterSource:
    coords = [f"{c}_{i}" for c in "xyz" for i in range(HAND)]
    try:
        table = pq.read_table(path) if path.suffix.lower() == ".parquet" else pcsv.read_csv(path)
    except Exception as err:  # pyarrow raises several types for unreadable files
        raise SignaError(f"not a readable hand table ({err})", path) from None
    label_column = next((c for c in ("letter", "sign") if c in table.column_names), None)
    missing = [c for c in coords if c not in table.column_names]
    if label_column is None or missing:
        raise SignaError("a hand table needs a letter column and x_0..x_20, y_0..y_20, z_0..z_20", path)
    flat = np.stack([table[c].to_numpy() for c in coords], axis=1).astype(np.float32)  # (N, 63)
    hands = flat.reshape(-1, 3, HAND).transpose(0, 2, 1)  # (N, 21, 3)
    labels = np.asarray(table[label_column].to_pylist(), dtype=str)
    order = table["frame_index"].to_numpy() if "frame_index" in table.column_names else np.arange(len(labels))
    return LetterSource(_group_by_label(labels, order, hands), [], from_holistic=False)


def _read_npy_folder(path: Path) -> LetterSource:
    hands = {}
    for folder in sorted(p for p in path.iterdir() if p.is_dir()):
        arrays = [_load_hand_npy(f) for f in sorted(folder.glob("*.npy"))]
        if arrays:
            hands[folder.name] = np.concatenate(arrays)
    if not hands:
        raise SignaError("folder holds no train.csv and no <LETTER>/*.npy hand files", path)
    return LetterSource(hands, [], from_holistic=False)


def _load_hand_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False).astype(np.float32)
    except (ValueError, OSError) as err:
        raise SignaError(f"not a readable .npy file ({err})", path) from None
    if array.shape[-2:] not in ((HAND, 3), (HAND, 2)) or array.ndim > 3:
        raise SignaError(f"expected a (21, 3) or (T, 21, 3) hand, found shape {array.shape}", path)
    if array.shape[-1] == 2:
        array = np.concatenate([array, np.zeros_like(array[..., :1])], axis=-1)
    return array.reshape(-1, HAND, 3)


def _read_long_folder(path: Path) -> LetterSource:
    csv_path = path / "train.csv"
    rows = read_csv_table(csv_path, ("path",))
    label_column = next((c for c in ("sign", "letter") if c in rows[0]), None) if rows else None
    if label_column is None:
        raise SignaError("a letter data set's train.csv needs a sign (or letter) column", csv_path)
    labels, hands, bodies = [], [], []
    for row in rows:
        for frame in read_kaggle_long(path / row["path"]).landmarks:
            frame = _signing_hand_on_the_right(frame)
            if frame is None:
                continue
            labels.append(row[label_column])
            hands.append(frame[RIGHT_HAND])
            if not np.isnan(frame[FACE]).all() and not np.isnan(frame[POSE]).all():
                bodies.append(frame)
    if not hands:
        raise SignaError("no frame with a detected hand", csv_path)
    order = np.arange(len(labels))
    return LetterSource(_group_by_label(np.array(labels), order, np.stack(hands)), bodies, from_holistic=True)


def _signing_hand_on_the_right(frame: np.ndarray) -> np.ndarray | None:
    """(543, 3) frame mirrored if needed so that the signing (higher) hand is the right hand."""
    wrist_y = {
        side: frame[part.start + WRIST, 1] for side, part in (("right", RIGHT_HAND), ("left", LEFT_HAND))
    }
    present = {side: y for side, y in wrist_y.items() if not np.isnan(y)}
    if not present:
        return None
    return mirror_frames(frame[None])[0] if min(present, key=present.get) == "left" else frame


def _group_by_label(labels: np.ndarray, order: np.ndarray, hands: np.ndarray) -> dict[str, np.ndarray]:
    sorted_rows = np.argsort(order, kind="stable")
    return {str(label): hands[sorted_rows[labels[sorted_rows] == label]] for label in np.unique(labels)}


def mirror_frames(frames: np.ndarray) -> np.ndarray:
    """(T, 543, 3) left-right flip of whole frames: x -> 1 - x and points swapped by the mirror map."""
    flipped = frames[:, mirror_map()].copy()
    flipped[..., 0] = 1.0 - flipped[..., 0]
    return flipped


def build_bank(
    letters: list[str | Path],
    alphabet: Vocabulary,
    block: str = "all",
    bodies: list[str | Path] | None = None,
) -> LetterBank:
    """Read letter sources, keep ``block`` of each letter's samples and canonicalise the hands.

    Body templates are one frame of each sequence in ``bodies`` when given, else the holistic frames
    of the letter sources.
    """
    start, stop = parse_block(block)
    hands: dict[str, list[np.ndarray]] = {}
    body_frames = []
    for path in letters:
        source = read_letter_source(path)
        canonical = _canonical_hands(source)
        for label, samples in canonical.items():
            char = _label_char(label, alphabet, path)
            kept = samples[int(np.floor(start * len(samples))) : int(np.floor(stop * len(samples)))]
            if len(kept) == 0:
                raise SignaError(f"letter {label!r} has {len(samples)} samples, none in block {block}", path)
            hands.setdefault(char, []).append(kept)
        body_frames += source.bodies
    if bodies is not None:
        body_frames = [frame for path in bodies for frame in _read_body_frames(path)]
    bank = LetterBank({c: np.concatenate(v) for c, v in hands.items()}, sources=[str(p) for p in letters])
    for frame in body_frames:
        bank.anchors.append(_anchor(frame))
        bank.bodies.append(_without_hands(frame))
    return bank


def _canonical_hands(source: LetterSource) -> dict[str, np.ndarray]:
    """Wrist at 0, palm size 1, and a right hand as the camera sees it (see the module docstring)."""
    every = np.concatenate(list(source.hands.values()))
    palm = float(np.nanmedian(np.linalg.norm(every[:, MIDDLE_MCP, :2] - every[:, WRIST, :2], axis=-1)))
    flip = not source.from_holistic and np.nanmean(every[:, INDEX_MCP, 0] < every[:, PINKY_MCP, 0]) > 0.5
    canonical = {}
    for label, hands in source.hands.items():
        hands = hands[~np.isnan(hands).any(axis=(1, 2))]
        centred = (hands - hands[:, WRIST : WRIST + 1]) / palm
        if flip:
            centred[..., 0] *= -1
        canonical[label] = centred.astype(np.float32)
    return canonical


def _label_char(label: str, alphabet: Vocabulary, source: str | Path) -> str:
    index = alphabet.to_mapping()
    for char in (label, label.lower()):
        if char in index:
            return char
    raise SignaError(f"letter label {label!r} is not a character of the alphabet", source)


def _read_body_frames(path: str | Path) -> list[np.ndarray]:
    """One frame with face and pose from each sequence of a holistic recording or data set."""
    frames = []
    for sequence in read_sequences(path):
        landmarks = sequence.landmarks
        full = ~np.isnan(landmarks[:, FACE]).all(axis=(1, 2)) & ~np.isnan(landmarks[:, POSE]).all(axis=(1, 2))
        rows = np.flatnonzero(full)
        if len(rows):
            frame = landmarks[rows[len(rows) // 2]]
            oriented = _signing_hand_on_the_right(frame)
            frames.append(frame if oriented is None else oriented)
    if not frames:
        raise SignaError("no frame with both face and pose detected to use as a body", path)
    return frames


def _anchor(frame: np.ndarray) -> tuple[np.ndarray, float]:
    """(wrist x-y, palm size) of a fingerspelling right hand for this body."""
    hand = frame[RIGHT_HAND]
    raised = not np.isnan(hand).any() and hand[WRIST, 1] < frame[R_ELBOW, 1]
    if raised:
        return hand[WRIST, :2].copy(), float(np.linalg.norm(hand[MIDDLE_MCP, :2] - hand[WRIST, :2]))
    shoulder = frame[R_SHOULDER, :2]
    width = float(np.linalg.norm(frame[L_SHOULDER, :2] - shoulder))
    inward = np.sign(frame[L_SHOULDER, 0] - shoulder[0]) or 1.0
    return shoulder + width * WRIST_FROM_SHOULDER * [inward, 1.0], width * PALM_PER_SHOULDER


def _without_hands(frame: np.ndarray) -> np.ndarray:
    body = frame.copy()
    body[RIGHT_HAND] = np.nan
    body[LEFT_HAND] = np.nan
    return body
