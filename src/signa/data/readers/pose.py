"""pose-format ``.pose`` files of MediaPipe Holistic (extra ``signa-sl[pose]``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signa.data.layout import GROUP_SIZES, GROUP_SLICES, N_LANDMARKS
from signa.data.readers.common import LandmarkSequence, existing_path
from signa.errors import SignaError

POSE_COMPONENTS = {
    "face": "FACE_LANDMARKS",
    "left_hand": "LEFT_HAND_LANDMARKS",
    "pose": "POSE_LANDMARKS",
    "right_hand": "RIGHT_HAND_LANDMARKS",
}


def read_pose(path: str | Path) -> LandmarkSequence:
    """Read a MediaPipe Holistic ``.pose`` file (543, 576 or 586 stored points).

    Pose-world points and refined iris points (face 468-477) are dropped; x and y are divided by
    the header width and height so they match MediaPipe's normalised image coordinates; z is kept
    as stored; masked points become NaN. Only the first person is read.
    """
    path = existing_path(path)
    try:
        from pose_format import Pose
    except ImportError:
        raise SignaError(
            "reading .pose files needs pose-format: pip install 'signa-sl[pose]'", path
        ) from None
    try:
        pose = Pose.read(path.read_bytes())
    except Exception as err:  # pose-format raises assorted errors on corrupt input
        raise SignaError(f"not a readable .pose file ({type(err).__name__}: {err})", path) from None
    header = pose.header
    starts = _pose_component_starts(header, path)
    data = np.ma.getdata(pose.body.data)[:, 0].astype(np.float32)  # (T, points, dims)
    mask = np.ma.getmaskarray(pose.body.data)[:, 0].any(axis=-1)  # (T, points)
    landmarks = np.full((len(data), N_LANDMARKS, 3), np.nan, np.float32)
    for group, start in starts.items():
        part = GROUP_SLICES[group]
        source = slice(start, start + GROUP_SIZES[group])
        points = data[:, source, :3].copy()
        points[mask[:, source]] = np.nan
        landmarks[:, part] = points
    landmarks[..., 0] /= np.float32(header.dimensions.width)
    landmarks[..., 1] /= np.float32(header.dimensions.height)
    meta = {"fps": float(pose.body.fps), "width": header.dimensions.width, "height": header.dimensions.height}
    return LandmarkSequence(landmarks, path.stem, str(path), "pose", meta)


def _pose_component_starts(header, path: Path) -> dict[str, int]:
    """Offset of each Holistic component among the stored points."""
    offsets, start = {}, 0
    for component in header.components:
        offsets[component.name] = (start, len(component.points))
        start += len(component.points)
    starts = {}
    for group, name in POSE_COMPONENTS.items():
        if name not in offsets or offsets[name][1] < GROUP_SIZES[group]:
            raise SignaError(f"not a MediaPipe Holistic pose: component {name} missing or short", path)
        starts[group] = offsets[name][0]
    return starts
