"""``MP_Data``-style ``.npy`` frames of 1,662 values."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signa.data.layout import GROUP_SLICES, N_LANDMARKS
from signa.data.readers.common import LandmarkSequence, existing_path
from signa.errors import SignaError

NPY_WIDTH = 33 * 4 + 468 * 3 + 21 * 3 + 21 * 3  # 1662: pose (x,y,z,visibility), face, left, right


def read_npy(path: str | Path) -> LandmarkSequence:
    """Read ``MP_Data``-style keypoints: a (1662,) frame, a (T, 1662) array, or a folder ``0.npy, 1.npy ...``.

    Each frame is pose 33x(x,y,z,visibility), face 468x3, left hand 21x3, right hand 21x3; a part
    stored as all zeros was not detected and becomes NaN. Visibility is dropped.
    """
    path = existing_path(path)
    frames = _npy_frames(path)
    return LandmarkSequence(_npy_to_landmarks(frames, path), path.stem, str(path), "npy")


def _npy_frames(path: Path) -> np.ndarray:
    if path.is_dir():
        files = sorted((p for p in path.glob("*.npy") if p.stem.isdigit()), key=lambda p: int(p.stem))
        if not files:
            raise SignaError("folder holds no numbered .npy frames (0.npy, 1.npy, ...)", path)
        frames = [_load_npy(p) for p in files]
        several = next((p for p, f in zip(files, frames, strict=True) if f.size != NPY_WIDTH), None)
        if several is not None:
            raise SignaError("a numbered frame file must hold one frame of 1662 values", several)
        return np.stack([f.reshape(-1) for f in frames])
    array = _load_npy(path)
    return array[None] if array.ndim == 1 else array


def _load_npy(path: Path) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise SignaError(f"not a readable .npy file ({err})", path) from None
    if array.shape[-1:] != (NPY_WIDTH,) or array.ndim > 2:
        raise SignaError(f"expected {NPY_WIDTH} values per frame, found shape {array.shape}", path)
    return array


def _npy_to_landmarks(frames: np.ndarray, path: Path) -> np.ndarray:
    """(T, 1662) -> (T, 543, 3) with all-zero parts as NaN."""
    if len(frames) == 0:
        raise SignaError("no frames", path)
    n = len(frames)
    pose = frames[:, : 33 * 4].reshape(n, 33, 4)[..., :3]
    rest = frames[:, 33 * 4 :]
    face = rest[:, : 468 * 3].reshape(n, 468, 3)
    left = rest[:, 468 * 3 : 489 * 3].reshape(n, 21, 3)
    right = rest[:, 489 * 3 :].reshape(n, 21, 3)
    landmarks = np.empty((n, N_LANDMARKS, 3), np.float32)
    for group, part in (("face", face), ("left_hand", left), ("pose", pose), ("right_hand", right)):
        values = part.astype(np.float32)
        values[(values == 0).all(axis=(1, 2))] = np.nan
        landmarks[:, GROUP_SLICES[group]] = values
    return landmarks
