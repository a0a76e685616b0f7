"""Compose fingerspelled sequences from recordings of single letters (``signa data compose``).

Real fingerspelled phrases are costly to record; single letters are not. Given recordings of each
letter's handshape and a list of phrases, this module writes a fingerspelling data set in the Kaggle
*wide* layout (``train.csv`` + ``train_landmarks/<file_id>.parquet``), so that a model can be trained
and evaluated on a new manual alphabet before any real phrase exists. The output is labelled as
COMPOSED data (``composed.json`` with ``"composed": true`` and a ``README.txt``); it is not a
recording of anyone fingerspelling.

Letter sources (each ``LETTERS`` argument; several may be given and are pooled):

* a hand table, ``.parquet`` or ``.csv``, one hand per row: ``letter, x_0..x_20, y_0..y_20,
  z_0..z_20`` (MediaPipe Hands numbering) and optionally ``frame_index`` (recording order), e.g.
  the asl-ai table;
* a Kaggle long-format data set folder: ``train.csv`` with ``path`` and ``sign`` (or ``letter``)
  columns and one long parquet per sample (e.g. SILFA). The signing hand of each frame is the
  detected hand that is higher in the image; the face and pose of these frames also serve as body
  templates;
* a folder of letter folders, ``<LETTER>/*.npy``, each file a ``(21, 3)`` or ``(T, 21, 3)`` hand,
  read in file-name order.

A letter label is used as is when the alphabet has it, else in lower case (``A`` -> ``a``).

Geometry. Every hand becomes a *canonical right hand as a camera sees it* (palm towards the camera:
index knuckle at larger x than pinky knuckle): wrist at the origin, coordinates divided by the
source's median palm size (wrist to middle knuckle in x-y). Hand-only sources do not store
handedness, so a source whose hands mostly have the index knuckle at the smaller x (the asl-ai
table: a right hand in a mirrored selfie image) is mirrored. Composed signers are right-handed and
fill the ``right_hand`` slot; a share of them (``left_handed``) is mirrored as a whole frame with
:func:`signa.data.layout.mirror_map`, which makes them left-handed signers filling ``left_hand``.
The other hand is never filled (in fingerspelling it mostly rests out of view). Coordinates are
used as recorded, so sources from cameras of another frame shape give slightly wider or narrower
hands than the body frame; the per-signer aspect jitter covers part of that.

Timing and motion (about 30 frames per second): each letter is held for a few frames, taking a run
of *consecutive* recorded samples of that letter (real micro-motion), reached by a smooth
interpolated transition from the previous letter; a repeated letter slides sideways; a space is a
short pause in which the hand moves outward; the hand drifts slowly; hand detections drop out at
random frames and in short bursts, and before the first and after the last letter.

Body context. The face and pose come from a real holistic frame (``--body``, or the holistic frames
of the letter sources), held still for the whole sequence, the non-signing hand removed; the signing
arm (elbow, wrist, hand points of the pose) follows the composed hand. Without any body template
face and pose are NaN.

Letter frames are never split at random: ``frames_block`` keeps one contiguous block of each
letter's samples in recording order (``first`` = 0-70 %, ``last`` = 70-100 %, or ``a:b``).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from signa.data.layout import GROUP_SLICES, N_LANDMARKS, landmark_index, mirror_map
from signa.data.readers import read_csv_table, read_kaggle_long, read_sequences
from signa.data.vocab import Vocabulary
from signa.errors import SignaError
from signa.files import write_json_atomic, write_text_atomic

HAND = 21
WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP = 0, 5, 9, 17
CSV_COLUMNS = ("path", "file_id", "sequence_id", "participant_id", "phrase")
BLOCKS = {"all": (0.0, 1.0), "first": (0.0, 0.7), "last": (0.7, 1.0)}
RIGHT_HAND = GROUP_SLICES["right_hand"]
LEFT_HAND = GROUP_SLICES["left_hand"]
FACE = GROUP_SLICES["face"]
POSE = GROUP_SLICES["pose"]


def _pose(i: int) -> int:
    return landmark_index("pose", i)


# Pose points of the right arm and the hand points they follow: elbow, wrist, pinky, index, thumb.
R_SHOULDER, L_SHOULDER, R_ELBOW, R_WRIST = _pose(12), _pose(11), _pose(14), _pose(16)
ARM_HAND_POINTS = {_pose(16): 0, _pose(18): 17, _pose(20): 5, _pose(22): 2}
# Where a fingerspelling wrist sits relative to the right shoulder, and the palm size, in shoulder
# widths (medians of the SILFA holistic frames, rounded); used when a body has no raised right hand.
WRIST_FROM_SHOULDER = np.array([0.2, 0.4])
PALM_PER_SHOULDER = 0.5


@dataclass(frozen=True)
class ComposeOptions:
    """Timing (frames at ~30 fps), motion (palm sizes) and signer variation of composed sequences."""

    hold_frames: tuple[int, int] = (3, 8)
    transition_frames: tuple[int, int] = (2, 5)
    pause_frames: tuple[int, int] = (4, 9)
    lead_frames: tuple[int, int] = (0, 6)
    jitter: float = 0.015
    repeat_slide: float = 0.5
    pause_shift: float = 0.5
    drift: float = 0.3
    drop_rate: float = 0.03
    burst_rate: float = 0.3
    left_handed: float = 0.15
    scale_range: tuple[float, float] = (0.85, 1.15)
    rotation_deg: float = 15.0
    speed_range: tuple[float, float] = (0.75, 1.35)
    aspect_jitter: float = 0.1


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


@dataclass(frozen=True)
class Signer:
    """One synthetic signer: a body, a hand and a personal placement and speed."""

    participant_id: int
    body: int | None
    left_handed: bool
    scale: float
    rotation: float
    offset: tuple[float, float]
    speed: float
    aspect: float
    outward_speed: float


# -- reading letters --------------------------------------------------------------------------------


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


# -- the letter bank ------------------------------------------------------------------------------


def parse_block(spec: str) -> tuple[float, float]:
    """``first``, ``last``, ``all`` or ``a:b`` (fractions of each letter's samples) -> (a, b)."""
    if spec in BLOCKS:
        return BLOCKS[spec]
    try:
        start, stop = (float(v) for v in spec.split(":"))
    except ValueError:
        raise SignaError(f"frames block {spec!r} is not first, last, all or a:b (e.g. 0:0.7)") from None
    if not 0.0 <= start < stop <= 1.0:
        raise SignaError(f"frames block {spec!r} needs 0 <= a < b <= 1")
    return start, stop


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


# -- composing one sequence ---------------------------------------------------------------------------


def make_signers(count: int, bank: LetterBank, options: ComposeOptions, seed: int) -> list[Signer]:
    """``count`` synthetic signers (participant ids 0..count-1), drawn from ``seed``."""
    rng = np.random.default_rng([seed, 0])
    signers = []
    for k in range(count):
        signers.append(
            Signer(
                participant_id=k,
                body=int(rng.integers(len(bank.bodies))) if bank.bodies else None,
                left_handed=bool(rng.random() < options.left_handed),
                scale=float(rng.uniform(*options.scale_range)),
                rotation=float(np.deg2rad(rng.uniform(-options.rotation_deg, options.rotation_deg))),
                offset=(float(rng.normal(0, 0.4)), float(rng.normal(0, 0.4))),
                speed=float(rng.uniform(*options.speed_range)),
                aspect=float(1.0 + rng.uniform(-options.aspect_jitter, options.aspect_jitter)),
                outward_speed=float(rng.uniform(0.0, 0.006)),
            )
        )
    return signers


def compose_sequence(
    phrase: str | Sequence[str],
    bank: LetterBank,
    signer: Signer,
    options: ComposeOptions,
    rng: np.random.Generator,
) -> np.ndarray:
    """float32 (T, 543, 3) landmarks of ``signer`` fingerspelling ``phrase``, NaN = not detected.

    ``phrase`` is a string of one-character letters or a list of tokens (``Vocabulary.tokenize``).
    """
    hands, offsets, detected = _hand_track(phrase, bank, signer.speed, options, rng)  # (T,21,3) (T,2) (T,)
    offsets += _drift(len(hands), signer, options, rng)
    body, (anchor, palm) = _body(bank, signer)
    size = palm * signer.scale
    rotation = np.array(
        [
            [np.cos(signer.rotation), -np.sin(signer.rotation)],
            [np.sin(signer.rotation), np.cos(signer.rotation)],
        ]
    )
    frames = np.repeat(body[None], len(hands), axis=0)  # (T, 543, 3)
    wrist = anchor + (np.asarray(signer.offset) + offsets) * palm  # (T, 2)
    xy = wrist[:, None] + size * hands[..., :2] @ rotation.T  # (T, 21, 2)
    xy[..., 0] = wrist[:, None, 0] + (xy[..., 0] - wrist[:, None, 0]) * signer.aspect
    frames[:, RIGHT_HAND, :2] = xy
    frames[:, RIGHT_HAND, 2] = size * hands[..., 2]
    _follow_arm(frames, body, anchor)
    frames[~detected, RIGHT_HAND] = np.nan
    frames = mirror_frames(frames) if signer.left_handed else frames
    return frames.astype(np.float32)


def _hand_track(
    phrase: str | Sequence[str],
    bank: LetterBank,
    speed: float,
    options: ComposeOptions,
    rng: np.random.Generator,
):
    """Canonical hand per frame (T, 21, 3), wrist offset in palms (T, 2), hand detected (T,)."""
    poses: list[np.ndarray] = []
    shifts: list[np.ndarray] = []
    previous, previous_char = None, None

    def frames(bounds) -> int:
        return max(1, int(round(rng.integers(bounds[0], bounds[1] + 1) * speed)))

    for char in phrase:
        if char == " ":
            n = frames(options.pause_frames)
            if previous is not None:
                poses.append(np.repeat(previous[None], n, axis=0))
                shifts.append(_ramp(n, options.pause_shift))
            previous_char = char
            continue
        samples = bank.hands[char]
        hold = frames(options.hold_frames)
        first = int(rng.integers(len(samples)))
        run = samples[(first + np.arange(hold)) % len(samples)]  # consecutive recorded samples
        if previous is not None:
            n = frames(options.transition_frames)
            t = _smoothstep((np.arange(n) + 1) / (n + 1))[:, None, None]
            poses.append(previous[None] * (1 - t) + run[0][None] * t)
            slide = options.repeat_slide if char == previous_char else 0.0
            shifts.append(_ramp(n, slide))
        poses.append(run)
        shifts.append(np.zeros(hold))
        previous, previous_char = run[-1], char
    hands = np.concatenate(poses)
    hands = hands + rng.normal(0, options.jitter, hands.shape)
    outward = np.cumsum(np.concatenate(shifts))  # palms moved away from the body so far
    offsets = np.stack([-outward, np.zeros_like(outward)], axis=1)
    hands, offsets, detected = _lead_frames(hands, offsets, options, rng)
    return hands, offsets, detected & _detections(len(hands), options, rng)


def _ramp(n: int, total: float) -> np.ndarray:
    """Per-frame steps of a smooth move of ``total`` spread over ``n`` frames."""
    positions = _smoothstep((np.arange(n) + 1) / n) * total
    return np.diff(positions, prepend=0.0)


def _smoothstep(t: np.ndarray) -> np.ndarray:
    return t * t * (3 - 2 * t)


def _lead_frames(hands, offsets, options: ComposeOptions, rng: np.random.Generator):
    """Add undetected frames before the first and after the last letter (the hand moving in/out)."""
    before, after = (int(rng.integers(options.lead_frames[0], options.lead_frames[1] + 1)) for _ in range(2))
    index = np.concatenate([np.zeros(before, int), np.arange(len(hands)), np.full(after, len(hands) - 1)])
    detected = np.ones(len(index), bool)
    detected[:before] = False
    detected[len(index) - after :] = False
    return hands[index], offsets[index].copy(), detected


def _detections(n: int, options: ComposeOptions, rng: np.random.Generator) -> np.ndarray:
    """(n,) bool: random single-frame dropouts and, sometimes, a burst of 2-6 frames."""
    detected = rng.random(n) >= options.drop_rate
    if rng.random() < options.burst_rate and n > 8:
        length = int(rng.integers(2, 7))
        start = int(rng.integers(0, n - length))
        detected[start : start + length] = False
    return detected


def _drift(n: int, signer: Signer, options: ComposeOptions, rng: np.random.Generator) -> np.ndarray:
    """(n, 2) slow wrist drift in palms: a gentle sway plus the signer's outward travel."""
    t = np.arange(n)[:, None]
    period = rng.uniform(40, 90, size=2)
    phase = rng.uniform(0, 2 * np.pi, size=2)
    sway = options.drift * np.sin(2 * np.pi * t / period + phase)
    return sway + t * np.array([-signer.outward_speed, 0.0])


def _body(bank: LetterBank, signer: Signer) -> tuple[np.ndarray, tuple[np.ndarray, float]]:
    if signer.body is None:
        return np.full((N_LANDMARKS, 3), np.nan, np.float32), (np.array([0.35, 0.55]), 0.1)
    return bank.bodies[signer.body], bank.anchors[signer.body]


def _follow_arm(frames: np.ndarray, body: np.ndarray, anchor: np.ndarray) -> None:
    """Move the right arm's pose points with the composed hand (in place; NaN body stays NaN)."""
    if np.isnan(body[R_WRIST]).any():
        return
    for pose_point, hand_point in ARM_HAND_POINTS.items():
        frames[:, pose_point, :2] = frames[:, RIGHT_HAND.start + hand_point, :2]
    moved = frames[:, RIGHT_HAND.start + WRIST, :2] - anchor  # (T, 2)
    frames[:, R_ELBOW, :2] = body[R_ELBOW, :2] + 0.6 * moved


# -- phrases and the data set ------------------------------------------------------------------------


def read_phrases(path: str | Path, bank: LetterBank, alphabet: Vocabulary) -> list[str]:
    """Non-empty lines of a phrase file; every character needs a letter pose (or is a space)."""
    path = Path(path)
    if not path.is_file():
        raise SignaError("phrase file not found", path)
    phrases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        phrase = line.strip()
        if not phrase:
            continue
        tokens = alphabet.tokenize(phrase, f"{path}:{number}")
        unposed = sorted({token for token in tokens if token != " " and token not in bank.hands})
        if unposed:
            known = "".join(sorted(bank.hands))
            raise SignaError(
                f"line {number}: phrase {phrase!r} uses {unposed}, which have no letter pose "
                f"(letters with poses: {known}); drop such phrases or record those letters",
                path,
            )
        phrases.append(phrase)
    if not phrases:
        raise SignaError("phrase file holds no phrase", path)
    return phrases


def compose_dataset(
    letters: list[str | Path],
    phrases: str | Path,
    out: str | Path,
    alphabet: str | Path = "kaggle",
    frames_block: str = "all",
    signers: int = 4,
    seed: int = 0,
    bodies: list[str | Path] | None = None,
    per_phrase: int = 1,
    sequences_per_file: int = 250,
    options: ComposeOptions | None = None,
) -> dict:
    """Write a composed fingerspelling data set in the Kaggle wide layout; return its summary."""
    from signa.data.writers import write_kaggle_wide

    out = Path(out)
    _refuse_real_dataset(out)
    options = options or ComposeOptions()
    vocab = Vocabulary.load(alphabet)
    bank = build_bank(letters, vocab, frames_block, bodies)
    phrase_list = read_phrases(phrases, bank, vocab)
    people = make_signers(signers, bank, options, seed)
    jobs = [(i, phrase) for i, phrase in enumerate(p for p in phrase_list for _ in range(per_phrase))]
    rows, frame_counts = [], []
    for file_id, start in enumerate(range(0, len(jobs), sequences_per_file)):
        relative = f"train_landmarks/{file_id}.parquet"
        sequences = {}
        for sequence_id, phrase in jobs[start : start + sequences_per_file]:
            rng = np.random.default_rng([seed, 1, sequence_id])
            signer = people[int(rng.integers(len(people)))]
            tokens = vocab.tokenize(phrase)  # a digraph such as "ll" is one letter sign
            sequences[sequence_id] = compose_sequence(tokens, bank, signer, options, rng)
            rows.append((relative, file_id, sequence_id, signer.participant_id, phrase))
            frame_counts.append(len(sequences[sequence_id]))
        write_kaggle_wide(out / relative, sequences)
    summary = _summary(bank, people, options, frames_block, seed, phrases, alphabet, len(rows), frame_counts)
    _write_metadata(out, rows, vocab, summary)
    return summary


def _refuse_real_dataset(out: Path) -> None:
    if (out / "train.csv").exists() and not (out / "composed.json").exists():
        raise SignaError("holds a train.csv that is not composed data; choose another output folder", out)


def _summary(bank, people, options, frames_block, seed, phrases, alphabet, n, frame_counts) -> dict:
    return {
        "composed": True,
        "what": "fingerspelling sequences composed from recordings of single letters; not real phrases",
        "letter_sources": bank.sources,
        "letters": {c: len(v) for c, v in sorted(bank.hands.items())},
        "body_templates": len(bank.bodies),
        "frames_block": frames_block,
        "phrases": str(phrases),
        "alphabet": str(alphabet),
        "seed": seed,
        "sequences": n,
        "frames": {"total": int(sum(frame_counts)), "mean": float(np.mean(frame_counts))},
        "signers": [asdict(s) for s in people],
        "options": asdict(options),
    }


README_TEXT = """COMPOSED DATA - not a recording of anyone fingerspelling.

Every sequence here was composed by `signa data compose` from recordings of single letter
handshapes, a phrase list and a real holistic frame for face and pose. Timing, transitions, hand
placement, signer variation and dropped detections are simulated. Layout: Kaggle asl-fingerspelling
wide format (train.csv + train_landmarks/<file_id>.parquet). composed.json lists the sources, the
frame block of each letter used, the seed and every option.
"""


def _write_metadata(out: Path, rows: list[tuple], vocab: Vocabulary, summary: dict) -> None:
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    write_text_atomic(out / "train.csv", table.getvalue())
    write_json_atomic(out / "character_to_prediction_index.json", vocab.to_mapping())
    write_json_atomic(out / "composed.json", summary)
    write_text_atomic(out / "README.txt", README_TEXT)


# -- phrase lists for experiments ------------------------------------------------------------------------


def make_phrases(count: int, seed: int, exclude: set[str] = frozenset(), max_length: int = 28) -> list[str]:
    """``count`` distinct address- and URL-like phrases (lower case and spaces) from the shipped word list.

    Like the Kaggle training phrases (street addresses, names, site names, random user-name-like
    strings) without digits or punctuation. Phrases in ``exclude`` are never returned, so an
    evaluation list can be made disjoint from a training list.
    """
    words = _word_list()
    rng = np.random.default_rng([seed, 2])
    patterns = (
        lambda: f"{rng.choice(words['name'])} {rng.choice(words['surname'])}",
        lambda: f"{rng.choice(words['word'])} {rng.choice(words['street'])}",
        lambda: f"{rng.choice(words['word'])}{rng.choice(words['word'])}",
        lambda: f"{rng.choice(words['surname'])} {rng.choice(words['word'])} {rng.choice(words['street'])}",
        lambda: f"{rng.choice(words['word'])} {rng.choice(words['site'])}",
        lambda: _slug(rng),
        lambda: f"{_slug(rng)} {rng.choice(words['street'])}",
    )
    phrases: list[str] = []
    seen = set(exclude)
    while len(phrases) < count:
        phrase = str(patterns[int(rng.integers(len(patterns)))]())
        if phrase not in seen and len(phrase) <= max_length:
            seen.add(phrase)
            phrases.append(phrase)
    return phrases


def _slug(rng: np.random.Generator) -> str:
    """A random user-name or site-name-like string of 3-9 letters, which no word list predicts."""
    return "".join(rng.choice(list("abcdefghijklmnopqrstuvwxyz"), int(rng.integers(3, 10))))


def _word_list() -> dict[str, list[str]]:
    text = resources.files("signa").joinpath("assets/compose_words.json").read_text(encoding="utf-8")
    return json.loads(text)
