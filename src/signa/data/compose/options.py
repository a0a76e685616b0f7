"""Options of a composed data set, the landmark slots it fills, and the timing blocks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signa.data.layout import GROUP_SLICES, landmark_index
from signa.errors import SignaError

HAND = 21
WRIST, INDEX_MCP, MIDDLE_MCP, PINKY_MCP = 0, 5, 9, 17
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


def parse_block(spec: str) -> tuple[float, float]:
    """``first``, ``last``, ``all`` or ``a:b`` (fractions of each letter's samples) -> (a, b)."""
    if spec in BLOCKS:
        return BLOCKS[spec]
    try:
        start, stop = (float(v) for v in spec.split(":"))
    except ValueError:
        raise SignaError(f"{spec!r} is not first, last, all or a:b (e.g. 0:0.7)", "--frames-block") from None
    if not 0.0 <= start < stop <= 1.0:
        raise SignaError(f"{spec!r} needs 0 <= a < b <= 1", "--frames-block")
    return start, stop
