"""The MediaPipe Holistic landmark layout: one home for every landmark constant in SIGNA.

A frame holds 543 points in the Kaggle order: face 0-467, left hand 468-488, pose 489-521,
right hand 522-542. The canonical in-memory form of a sequence is a float32 array of shape
``(frames, 543, 3)`` holding (x, y, z), with NaN where MediaPipe detected nothing.

A :class:`Selection` picks the points a model reads. Each selected point is the mean of one or
more source points (the isolated-sign selection averages eye, eyebrow and nose points), carries a
part id, and has a mirror partner inside the selection, so that a horizontal flip is a permutation.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

import numpy as np

from signa.errors import SignaError

GROUP_SIZES = {"face": 468, "left_hand": 21, "pose": 33, "right_hand": 21}
GROUPS = tuple(GROUP_SIZES)
COORDS = ("x", "y", "z")


def _group_slices() -> dict[str, slice]:
    slices, start = {}, 0
    for name, size in GROUP_SIZES.items():
        slices[name] = slice(start, start + size)
        start += size
    return slices


GROUP_SLICES = _group_slices()
N_LANDMARKS = sum(GROUP_SIZES.values())  # 543
N_COORDS = len(COORDS)


def landmark_index(group: str, index: int) -> int:
    """Position of ``group`` landmark ``index`` among the 543 points."""
    return GROUP_SLICES[group].start + index


def landmark_name(position: int) -> str:
    """``face_0`` ... ``right_hand_20`` for a position among the 543 points."""
    for group, part in GROUP_SLICES.items():
        if part.start <= position < part.stop:
            return f"{group}_{position - part.start}"
    raise IndexError(f"landmark position {position} is outside 0-{N_LANDMARKS - 1}")


def wide_column(coord: str, position: int) -> str:
    """Kaggle wide-format column name, e.g. ``x_left_hand_0``."""
    return f"{coord}_{landmark_name(position)}"


def wide_columns(positions=range(N_LANDMARKS)) -> list[str]:
    """Wide-format columns for ``positions`` in x-block | y-block | z-block order."""
    return [wide_column(c, p) for c in COORDS for p in positions]


@cache
def mirror_map() -> np.ndarray:
    """(543,) int array: the landmark that each point becomes under a left-right flip.

    Read from the MediaPipe symmetry table shipped with the 1st-place fingerspelling solution
    (``assets/symmetry.csv``). It is an involution that swaps the two hands.
    """
    text = resources.files("signa").joinpath("assets/symmetry.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    index = {landmark_name(p): p for p in range(N_LANDMARKS)}
    mapping = np.arange(N_LANDMARKS)
    for row in rows:
        mapping[index[row["id"]]] = index[row["corresponding_id"]]
    return mapping


@dataclass(frozen=True)
class Selection:
    """Points a model reads, each the mean of ``sources`` points, with part ids and names."""

    name: str
    sources: tuple[tuple[int, ...], ...]
    part_ids: tuple[int, ...]
    part_names: dict[int, str]

    def __len__(self) -> int:
        return len(self.sources)

    @cached_property
    def source_positions(self) -> np.ndarray:
        """Sorted unique positions among the 543 that this selection reads."""
        return np.array(sorted({p for group in self.sources for p in group}))

    @cached_property
    def is_plain(self) -> bool:
        """True when every selected point is a single source point (no averaging)."""
        return all(len(group) == 1 for group in self.sources)

    @cached_property
    def plain_positions(self) -> np.ndarray:
        """Source position of each point of a plain selection."""
        if not self.is_plain:
            raise ValueError(f"selection {self.name} averages points")
        return np.array([group[0] for group in self.sources])

    def apply(self, landmarks: np.ndarray) -> np.ndarray:
        """(..., 543, 3) -> (..., len(self), 3). An averaged point is NaN if any source is."""
        if self.is_plain:
            return landmarks[..., self.plain_positions, :]
        # Mean over each point's own sources; a matrix product would spread one NaN to every point.
        return np.stack([landmarks[..., list(group), :].mean(-2) for group in self.sources], -2)

    def part_indices(self, part: int) -> np.ndarray:
        return np.flatnonzero(np.asarray(self.part_ids) == part)

    @cached_property
    def mirror_permutation(self) -> np.ndarray:
        """(len(self),) permutation: the selected point each point becomes under a flip."""
        mirror = mirror_map()
        where = {frozenset(group): i for i, group in enumerate(self.sources)}
        perm = []
        for group in self.sources:
            flipped = frozenset(int(mirror[p]) for p in group)
            if flipped not in where:
                raise ValueError(f"selection {self.name} is not closed under mirroring: {group}")
            perm.append(where[flipped])
        return np.array(perm)


def _face(ids) -> list[int]:
    return [landmark_index("face", i) for i in ids]


def _pose(ids) -> list[int]:
    return [landmark_index("pose", i) for i in ids]


def _hand(side: str) -> list[int]:
    return [landmark_index(f"{side}_hand", i) for i in range(GROUP_SIZES["left_hand"])]


# -- Fingerspelling: the 130 points of the 1st-place solution (SOLUTIONS.md §2.2), in column order.
FS_LIPS = (
    0,
    61,
    185,
    40,
    39,
    37,
    267,
    269,
    270,
    409,
    291,
    146,
    91,
    181,
    84,
    17,
    314,
    405,
    321,
    375,
    78,
    191,
    80,
    81,
    82,
    13,
    312,
    311,
    310,
    415,
    95,
    88,
    178,
    87,
    14,
    317,
    402,
    318,
    324,
    308,
)
FS_NOSE = (1, 2, 98, 327)
FS_RIGHT_EYE = (33, 7, 163, 144, 145, 153, 154, 155, 133, 246, 161, 160, 159, 158, 157, 173)
FS_LEFT_EYE = (263, 249, 390, 373, 374, 380, 381, 382, 362, 466, 388, 387, 386, 385, 384, 398)
FS_RIGHT_ARM = (12, 14, 16, 18, 20, 22)
FS_LEFT_ARM = (11, 13, 15, 17, 19, 21)

FS_PARTS = {0: "left_hand", 1: "right_hand", 2: "face", 3: "pose"}


def _fingerspelling_130() -> Selection:
    blocks = [
        (_face(FS_LIPS), 2),
        (_hand("left"), 0),
        (_hand("right"), 1),
        (_face(FS_NOSE), 2),
        (_face(FS_RIGHT_EYE), 2),
        (_face(FS_LEFT_EYE), 2),
        (_pose(FS_RIGHT_ARM), 3),
        (_pose(FS_LEFT_ARM), 3),
    ]
    sources = tuple((p,) for points, _ in blocks for p in points)
    parts = tuple(part for points, part in blocks for _ in points)
    return Selection("fingerspelling-130", sources, parts, FS_PARTS)


# -- Isolated signs: the 100 points of the 6th-place ISLR solution (SOLUTIONS.md §5.1).
SIGN_SILHOUETTE = (10, 54, 67, 132, 150, 152, 162, 172, 176, 234, 284, 297, 361, 379, 389, 397, 400, 454)
SIGN_LIPS = (13, 37, 40, 61, 78, 81, 84, 87, 88, 91, 191, 267, 270, 291, 308, 311, 314, 317, 318, 321, 415)
SIGN_ARMS = tuple(range(11, 23))
SIGN_CHEEKS = (205, 425)
# The reference names the five averaged points but not their members; these are the MediaPipe
# eye contours and lower eyebrows of each side (mirror images of each other) and the nose points.
SIGN_RIGHT_EYE = (33, 160, 159, 158, 133, 153, 145, 144, 163)
SIGN_LEFT_EYE = (263, 387, 386, 385, 362, 380, 374, 373, 390)
SIGN_RIGHT_BROW = (70, 63, 105, 66)
SIGN_LEFT_BROW = (300, 293, 334, 296)
SIGN_NOSE = (1, 2, 98, 327, 168)

SIGN_PARTS = {1: "left_hand", 2: "right_hand", 3: "face", 4: "lips", 5: "arms", 6: "face_extra"}


def _signs_100() -> Selection:
    single = [
        (_hand("left"), 1),
        (_hand("right"), 2),
        (_face(SIGN_SILHOUETTE), 3),
        (_face(SIGN_LIPS), 4),
        (_pose(SIGN_ARMS), 5),
        (_face(SIGN_CHEEKS), 6),
    ]
    sources = [(p,) for points, _ in single for p in points]
    parts = [part for points, _part in single for part in [_part] * len(points)]
    for group in (SIGN_LEFT_EYE, SIGN_RIGHT_EYE, SIGN_LEFT_BROW, SIGN_RIGHT_BROW, SIGN_NOSE):
        sources.append(tuple(_face(group)))
        parts.append(6)
    return Selection("signs-100", tuple(sources), tuple(parts), SIGN_PARTS)


FINGERSPELLING_130 = _fingerspelling_130()
SIGNS_100 = _signs_100()
SELECTIONS = {s.name: s for s in (FINGERSPELLING_130, SIGNS_100)}


HAND_PARTS = tuple(part for part, name in SIGN_PARTS.items() if name.endswith("_hand"))


def hand_points(selection: Selection = SIGNS_100) -> np.ndarray:
    """Positions, within the selection, of the points of both hands."""
    return np.concatenate([selection.part_indices(part) for part in HAND_PARTS])


def get_selection(name: str) -> Selection:
    if name not in SELECTIONS:
        raise KeyError(f"unknown landmark selection {name!r}; known: {', '.join(SELECTIONS)}")
    return SELECTIONS[name]


def check_has_hand(landmarks: np.ndarray, path: str | Path | None = None) -> None:
    """Refuse a (T, 543, 3) or (T, 100, 3) sequence in which no frame shows a hand."""
    if landmarks.shape[-2] == N_LANDMARKS:
        hands = np.concatenate([SIGNS_100.sources[i] for i in hand_points()])
    else:
        hands = hand_points()
    if len(landmarks) == 0 or np.isnan(landmarks[:, hands]).all():
        raise SignaError("no hand is visible in any frame; an isolated sign needs at least one hand", path)
