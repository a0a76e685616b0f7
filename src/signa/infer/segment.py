"""Continuous signing cut into signs: segments where the hands move, separated by rests.

The rule (:class:`SegmentRule`, every duration in seconds, not frames, so it holds at any frame rate):

1. **Hand speed.** Each frame's speed is that of the faster wrist of the detected hands over a
   centred window of ``smooth_s`` (displacement / time, which MediaPipe's frame-to-frame jitter on a
   still hand hardly moves), in shoulder widths per second (the pose's shoulder distance, median over
   the clip: the same for a signer near or far from the camera).
2. **Active frames** have a hand detected and a speed above ``rest_speed``. A hand that has just
   appeared (no speed yet) counts as active.
3. **Rests** are stretches without an active frame: no hand in view, or hands held still. Only a rest
   of at least ``min_rest_s`` separates two signs; shorter pauses (a sign's own hold) stay inside it.
4. Stretches of activity shorter than ``min_sign_s`` are dropped (a hand twitching while at rest),
   and each segment is widened by ``pad_s`` on both sides (within the clip) to keep its onset.

    >>> segments = find_segments(landmarks, fps=30)        # [Segment(start=12, stop=71), ...]
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from signa.data.layout import landmark_index
from signa.infer.video import hands_detected

WRISTS = (landmark_index("left_hand", 0), landmark_index("right_hand", 0))
SHOULDERS = (landmark_index("pose", 11), landmark_index("pose", 12))
FALLBACK_SHOULDER_WIDTH = 0.2  # image widths: a signer at a typical webcam distance, when no pose is found


@dataclass(frozen=True)
class SegmentRule:
    """Tunable thresholds of the segmentation rule (see the module docstring); times in seconds."""

    rest_speed: float = 0.25  # shoulder widths per second: slower hands are resting
    min_rest_s: float = 0.5  # a rest this long separates two signs
    min_sign_s: float = 0.3  # shorter activity is not a sign
    smooth_s: float = 0.2  # speed measured across this window
    pad_s: float = 0.1  # each segment widened by this much on both sides

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Segment:
    """Frames ``start`` (inclusive) to ``stop`` (exclusive) of a sequence."""

    start: int
    stop: int

    def seconds(self, fps: float) -> tuple[float, float]:
        return self.start / fps, self.stop / fps


def hand_speed(landmarks: np.ndarray, fps: float, window_s: float) -> np.ndarray:
    """(T,) speed of the faster detected wrist in shoulder widths per second; NaN = unknown.

    Measured as the wrist's displacement across a centred window of ``window_s`` (frames t-h to t+h),
    not as the mean of frame-to-frame steps: MediaPipe's jitter on a still hand adds up step by
    step, but not across the window.
    """
    half = max(1, round(window_s * fps / 2))
    wrists = landmarks[:, list(WRISTS), :2]  # (T, 2, 2)
    ahead = np.concatenate([wrists[half:], np.repeat(wrists[-1:], half, axis=0)])[: len(wrists)]
    behind = np.concatenate([np.repeat(wrists[:1], half, axis=0), wrists[:-half]])[: len(wrists)]
    moved = np.linalg.norm(ahead - behind, axis=-1)  # (T, 2), NaN where either end lacks the hand
    speed = np.fmax(moved[:, 0], moved[:, 1])  # NaN only if neither hand spans the window
    return speed * fps / (2 * half) / shoulder_width(landmarks)


def shoulder_width(landmarks: np.ndarray) -> float:
    """Median distance between the shoulders over the clip (image units), or a typical value."""
    pose = landmarks[:, list(SHOULDERS), :2]
    widths = np.linalg.norm(pose[:, 0] - pose[:, 1], axis=-1)
    if np.isnan(widths).all():
        return FALLBACK_SHOULDER_WIDTH
    return float(np.nanmedian(widths))


def active_frames(landmarks: np.ndarray, fps: float, rule: SegmentRule = SegmentRule()) -> np.ndarray:
    """(T,) bool: a hand is detected and moving (or has just appeared)."""
    speed = hand_speed(landmarks, fps, rule.smooth_s)
    return hands_detected(landmarks) & (np.isnan(speed) | (speed > rule.rest_speed))


def find_segments(landmarks: np.ndarray, fps: float, rule: SegmentRule = SegmentRule()) -> list[Segment]:
    """Signs of a (T, 543, 3) sequence at ``fps`` frames a second, in order."""
    runs = _runs(active_frames(landmarks, fps, rule))
    merged: list[list[int]] = []
    for start, stop in runs:
        if merged and (start - merged[-1][1]) / fps < rule.min_rest_s:
            merged[-1][1] = stop
        else:
            merged.append([start, stop])
    pad = round(rule.pad_s * fps)
    kept = [(a, b) for a, b in merged if (b - a) / fps >= rule.min_sign_s]
    return [Segment(max(0, a - pad), min(len(landmarks), b + pad)) for a, b in kept]


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


def resample(landmarks: np.ndarray, times: np.ndarray, fps: float) -> np.ndarray:
    """Landmarks taken at ``times`` (seconds, increasing) -> one frame every 1/``fps`` s (nearest earlier).

    A live loop that processes fewer frames than the camera gives sees a gappy, irregular sequence;
    this puts it back on the frame rate the model was trained on.
    """
    if len(landmarks) == 0:
        return landmarks
    grid = times[0] + np.arange(int(np.floor((times[-1] - times[0]) * fps + 1e-9)) + 1) / fps
    index = np.clip(np.searchsorted(times, grid + 1e-9, side="right") - 1, 0, len(times) - 1)
    return landmarks[index]
