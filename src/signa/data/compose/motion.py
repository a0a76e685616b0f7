"""Signers and the motion of one composed sequence: held letters, transitions, drift and dropouts."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from signa.data.compose.letters import LetterBank, mirror_frames
from signa.data.compose.options import ARM_HAND_POINTS, R_ELBOW, R_WRIST, RIGHT_HAND, WRIST, ComposeOptions
from signa.data.layout import N_LANDMARKS


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
    phrase: str, bank: LetterBank, signer: Signer, options: ComposeOptions, rng: np.random.Generator
) -> np.ndarray:
    """float32 (T, 543, 3) landmarks of ``signer`` fingerspelling ``phrase``, NaN = not detected."""
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
    phrase: str, bank: LetterBank, speed: float, options: ComposeOptions, rng: np.random.Generator
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
