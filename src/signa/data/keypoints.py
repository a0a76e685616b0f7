"""Foreign keypoint layouts: flat per-frame vectors of other datasets mapped onto SIGNA's 543 points.

Hobby and research datasets store MediaPipe output as one flat vector a frame, in their own order:
``MP_Data`` (1,662 values: pose 33 x (x, y, z, visibility), face 468 x 3, left hand, right hand),
the same without the face (258), 25 upper-body pose points with visibility and both hands (226,
MSL-150), ... A :class:`KeypointLayout` names the blocks of such a vector in order; each block is a
landmark range of one Holistic part, with or without a visibility value per landmark, and ``skip``
blocks step over values SIGNA does not read.

A layout is written as a comma-separated spec or a YAML file:

* ``pose25v,left_hand,right_hand``: items are ``face``, ``left_hand``, ``pose`` or ``right_hand``,
  optionally followed by a count (``pose25``: landmarks 0-24) or a range (``pose[11:23]``), then
  ``v`` when every landmark carries a visibility value; ``skip4`` steps over 4 values. Named
  layouts: ``mp-data`` (the 1,662-value default of ``.npy`` files) and ``mp-data-noface`` (258).
* a YAML file::

      blocks:
        - {part: pose, landmarks: [0, 25], visibility: true}
        - {part: left_hand}                 # all 21 landmarks, x y z
        - {part: right_hand, coords: xy}    # x y only: z is set to 0
        - {skip: 2}

:meth:`KeypointLayout.to_landmarks` turns ``(T, width)`` frames into the canonical ``(T, 543, 3)``
float32 array: parts the layout leaves out are NaN, a block whose values are all zero in a frame
(how these datasets store "not detected") is NaN in that frame, and visibility is dropped (SIGNA's
layout has none). A vector whose length differs from the layout's width is one :class:`SignaError`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import yaml

from signa.data.layout import GROUP_SIZES, GROUP_SLICES, GROUPS, N_LANDMARKS
from signa.errors import SignaError

NAMED_LAYOUTS = {
    "mp-data": "posev,face,left_hand,right_hand",
    "mp-data-noface": "posev,left_hand,right_hand",
}
DEFAULT_LAYOUT = "mp-data"
YAML_SUFFIXES = (".yaml", ".yml")
_ITEM = re.compile(
    r"^(?P<part>face|left_hand|right_hand|pose)(?:(?P<count>\d+)|\[(?P<start>\d+):(?P<stop>\d+)\])?(?P<v>v)?$"
)
_SKIP = re.compile(r"^skip(?P<values>\d+)$")
ITEM_HELP = (
    "an item is face, left_hand, pose or right_hand, optionally with a count (pose25) or a range "
    "(pose[11:23]) and a trailing v for visibility, or skipN"
)


@dataclass(frozen=True)
class Block:
    """``stop - start`` landmarks of ``part`` (a skip block when ``part`` is None: ``skip`` values)."""

    part: str | None
    start: int = 0
    stop: int = 0
    visibility: bool = False
    coords: int = 3
    skip: int = 0

    @property
    def values_per_landmark(self) -> int:
        return self.coords + self.visibility

    @property
    def width(self) -> int:
        return self.skip if self.part is None else (self.stop - self.start) * self.values_per_landmark

    @property
    def name(self) -> str:
        if self.part is None:
            return f"skip{self.skip}"
        whole = (self.start, self.stop) == (0, GROUP_SIZES[self.part])
        if whole:
            span = ""
        elif self.start == 0:
            span = str(self.stop)
        else:
            span = f"[{self.start}:{self.stop}]"
        return f"{self.part}{span}{'v' * self.visibility}{'(xy)' * (self.coords == 2)}"


@dataclass(frozen=True)
class KeypointLayout:
    """An ordered list of blocks describing one flat frame vector; ``spec`` is how it was given."""

    blocks: tuple[Block, ...]
    spec: str

    @cached_property
    def width(self) -> int:
        """Values per frame."""
        return sum(block.width for block in self.blocks)

    def describe(self) -> str:
        """``'pose25v,left_hand,right_hand' (pose25v 100 + left_hand 63 + right_hand 63 = 226 values)``."""
        parts = " + ".join(f"{b.name} {b.width}" for b in self.blocks)
        return f"{self.spec!r} ({parts} = {self.width} values)"

    def to_landmarks(self, frames: np.ndarray, source: str | Path | None = None) -> np.ndarray:
        """(T, width) frame vectors -> (T, 543, 3) float32; missing parts and all-zero blocks are NaN."""
        frames = np.asarray(frames)
        if frames.ndim != 2 or frames.shape[1] != self.width:
            raise SignaError(
                f"expected {self.width} values per frame for layout {self.describe()}, "
                f"found shape {frames.shape}",
                source,
            )
        landmarks = np.full((len(frames), N_LANDMARKS, 3), np.nan, np.float32)
        offset = 0
        for block in self.blocks:
            if block.part is not None:
                first = GROUP_SLICES[block.part].start
                landmarks[:, first + block.start : first + block.stop] = _block_points(
                    frames[:, offset : offset + block.width], block
                )
            offset += block.width
        return landmarks


def _block_points(values: np.ndarray, block: Block) -> np.ndarray:
    """(T, block.width) values of one block -> (T, n, 3) points; a frame whose values are all 0 is NaN."""
    values = values.reshape(len(values), -1, block.values_per_landmark)  # (T, n, coords [+ visibility])
    points = np.zeros((*values.shape[:2], 3), np.float32)  # z stays 0 for x-y-only blocks
    points[..., : block.coords] = values[..., : block.coords]
    points[(values == 0).all(axis=(1, 2))] = np.nan  # all zeros: not detected
    return points


def parse_layout(spec: str | Path | KeypointLayout | None) -> KeypointLayout:
    """A layout from a spec string, a named layout, a YAML file, or None (``mp-data``)."""
    if isinstance(spec, KeypointLayout):
        return spec
    text = DEFAULT_LAYOUT if spec is None else str(spec).strip()
    if text.lower().endswith(YAML_SUFFIXES) or Path(text).is_file():
        return _layout_from_yaml(Path(text))
    blocks = tuple(_parse_item(item.strip(), text) for item in NAMED_LAYOUTS.get(text, text).split(","))
    return _checked(KeypointLayout(blocks, text), None)


def _parse_item(item: str, spec: str) -> Block:
    skip = _SKIP.match(item)
    if skip:
        return Block(None, skip=int(skip["values"]))
    match = _ITEM.match(item)
    if match is None:
        raise SignaError(f"layout {spec!r}: {item!r} is not a block; {ITEM_HELP}")
    part = match["part"]
    if match["count"] is not None:
        start, stop = 0, int(match["count"])
    elif match["start"] is not None:
        start, stop = int(match["start"]), int(match["stop"])
    else:
        start, stop = 0, GROUP_SIZES[part]
    return Block(part, start, stop, visibility=bool(match["v"]))


def _layout_from_yaml(path: Path) -> KeypointLayout:
    if not path.is_file():
        raise SignaError("layout file not found", path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise SignaError(f"not valid YAML ({str(err).splitlines()[0]})", path) from None
    if not isinstance(data, dict) or not isinstance(data.get("blocks"), list) or not data["blocks"]:
        raise SignaError("a layout file needs a non-empty 'blocks' list", path)
    blocks = tuple(_yaml_block(entry, number, path) for number, entry in enumerate(data["blocks"], start=1))
    return _checked(KeypointLayout(blocks, str(path)), path)


def _yaml_block(entry, number: int, path: Path) -> Block:
    where = f"block {number}"
    if not isinstance(entry, dict):
        raise SignaError(f"{where} must be a mapping such as {{part: pose, landmarks: [0, 25]}}", path)
    unknown = set(entry) - {"part", "landmarks", "visibility", "coords", "skip"}
    if unknown:
        raise SignaError(f"{where} has unknown key(s) {', '.join(sorted(unknown))}", path)
    if "skip" in entry:
        if len(entry) > 1 or not isinstance(entry["skip"], int) or entry["skip"] < 1:
            raise SignaError(f"{where}: a skip block is {{skip: N}} with N >= 1 values", path)
        return Block(None, skip=entry["skip"])
    part = entry.get("part")
    if part not in GROUPS:
        raise SignaError(f"{where}: part must be one of {', '.join(GROUPS)}, not {part!r}", path)
    start, stop = _landmark_range(entry.get("landmarks"), part, where, path)
    coords = entry.get("coords", "xyz")
    if coords not in ("xyz", "xy"):
        raise SignaError(f"{where}: coords must be xyz or xy, not {coords!r}", path)
    visibility = entry.get("visibility", False)
    if not isinstance(visibility, bool):
        raise SignaError(f"{where}: visibility must be true or false", path)
    return Block(part, start, stop, visibility, len(coords))


def _landmark_range(value, part: str, where: str, path: Path) -> tuple[int, int]:
    if value is None:
        return 0, GROUP_SIZES[part]
    if isinstance(value, int):
        return 0, value
    if isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value):
        return value[0], value[1]
    raise SignaError(f"{where}: landmarks must be a count or [start, stop], not {value!r}", path)


def _checked(layout: KeypointLayout, path: Path | None) -> KeypointLayout:
    """Ranges inside their part, no landmark filled twice, at least one landmark block."""
    seen: dict[int, str] = {}
    for block in layout.blocks:
        if block.part is None:
            continue
        size = GROUP_SIZES[block.part]
        if not 0 <= block.start < block.stop <= size:
            raise SignaError(
                f"layout {layout.spec!r}: {block.name} is outside {block.part}'s landmarks 0-{size - 1}", path
            )
        first = GROUP_SLICES[block.part].start
        for position in range(first + block.start, first + block.stop):
            if position in seen:
                raise SignaError(
                    f"layout {layout.spec!r}: {block.name} and {seen[position]} both fill {block.part}", path
                )
            seen[position] = block.name
    if not seen:
        raise SignaError(f"layout {layout.spec!r} names no landmark block", path)
    return layout
