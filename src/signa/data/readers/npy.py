"""Flat keypoint vectors in ``.npy`` files: ``MP_Data``'s 1,662 values, or any layout spec."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signa.data.keypoints import DEFAULT_LAYOUT, KeypointLayout, parse_layout
from signa.data.readers.common import LandmarkSequence, existing_path
from signa.errors import SignaError

NPY_WIDTH = parse_layout(DEFAULT_LAYOUT).width  # 1662: pose (x,y,z,visibility), face, left, right


def read_npy(path: str | Path, layout: str | Path | KeypointLayout | None = None) -> LandmarkSequence:
    """Read flat keypoint vectors: a (width,) frame, a (T, width) array, or a folder ``0.npy, 1.npy ...``.

    ``layout`` (:mod:`signa.data.keypoints`) names the blocks of a frame; the default, ``mp-data``, is
    MP_Data's pose 33x(x,y,z,visibility), face 468x3, left hand 21x3, right hand 21x3. A block
    stored as all zeros was not detected and becomes NaN; visibility is dropped.
    """
    path = existing_path(path)
    layout = parse_layout(layout)
    landmarks = layout.to_landmarks(_npy_frames(path, layout), path)
    meta = {} if layout.spec == DEFAULT_LAYOUT else {"layout": layout.spec}
    return LandmarkSequence(landmarks, path.stem, str(path), "npy", meta)


def _npy_frames(path: Path, layout: KeypointLayout) -> np.ndarray:
    if path.is_dir():
        files = sorted((p for p in path.glob("*.npy") if p.stem.isdigit()), key=lambda p: int(p.stem))
        if not files:
            raise SignaError("folder holds no numbered .npy frames (0.npy, 1.npy, ...)", path)
        frames = [_load_npy(p, layout) for p in files]
        several = next((p for p, f in zip(files, frames, strict=True) if f.size != layout.width), None)
        if several is not None:
            raise SignaError(f"a numbered frame file must hold one frame of {layout.width} values", several)
        return np.stack([f.reshape(-1) for f in frames])
    array = _load_npy(path, layout)
    frames = array[None] if array.ndim == 1 else array
    if len(frames) == 0:
        raise SignaError("no frames", path)
    return frames


def _load_npy(path: Path, layout: KeypointLayout) -> np.ndarray:
    try:
        array = np.load(path, allow_pickle=False)
    except (ValueError, OSError) as err:
        raise SignaError(f"not a readable .npy file ({err})", path) from None
    if array.shape[-1:] != (layout.width,) or array.ndim > 2:
        raise SignaError(
            f"expected {layout.width} values per frame for layout {layout.describe()}, "
            f"found shape {array.shape}; give the file's order with --layout (data.layout)",
            path,
        )
    return array
