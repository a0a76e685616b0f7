"""``signa show``: a landmark sequence as an animation (GIF or MP4): the skeleton, hands highlighted.

    signa show clip.parquet --out clip.gif                   # on a dark background
    signa show clip.parquet --out clip.mp4 --video clip.mp4  # over the video's frames
    signa show clip.mp4 --out clip.gif                       # a video: extracted, then drawn over itself

Drawing is OpenCV's (the ``video`` extra); GIFs are written by Pillow, MP4 by OpenCV. The left hand
(MediaPipe's, i.e. the signer's left in an unmirrored picture) is orange, the right one cyan, the
body light grey and the face a faint dot cloud.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from signa.data.layout import GROUP_SLICES
from signa.data.readers import read_sequences
from signa.errors import SignaError
from signa.files import atomic_path
from signa.infer.video import VIDEO_SUFFIXES, VideoReader, extract_landmarks

HAND_EDGES = (
    (0, 1), (1, 2), (2, 3), (3, 4),  # thumb
    (0, 5), (5, 6), (6, 7), (7, 8),  # index
    (5, 9), (9, 10), (10, 11), (11, 12),  # middle
    (9, 13), (13, 14), (14, 15), (15, 16),  # ring
    (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),  # pinky and palm
)  # fmt: skip
POSE_EDGES = (
    (11, 12), (11, 13), (13, 15), (12, 14), (14, 16),  # shoulders and arms (to the wrists)
    (11, 23), (12, 24), (23, 24),  # torso
)  # fmt: skip
POSE_HEAD_EDGES = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
)  # fmt: skip  # eyes, ears and mouth: drawn only where the face mesh is missing
COLORS = {  # RGB
    "left_hand": (255, 150, 40),
    "right_hand": (40, 200, 255),
    "pose": (210, 210, 210),
    "face": (150, 150, 170),
    "background": (24, 26, 32),
    "text": (235, 235, 235),
}
FORMATS = (".gif", ".mp4")


def draw_frame(image: np.ndarray, frame: np.ndarray, caption: str | None = None) -> np.ndarray:
    """Draw one (543, 3) landmark frame on an RGB image (in place, and returned)."""
    import cv2

    height, width = image.shape[:2]
    scale = max(1, round(min(height, width) / 360))
    points = np.nan_to_num(frame[:, :2] * (width, height), nan=-1.0).round().astype(np.int32)
    present = ~np.isnan(frame[:, 0])
    face = np.flatnonzero(present[GROUP_SLICES["face"]])
    for i in face:
        cv2.circle(image, tuple(points[i]), scale, COLORS["face"], -1, cv2.LINE_AA)
    body = POSE_EDGES if len(face) else POSE_EDGES + POSE_HEAD_EDGES
    _draw_part(image, points, present, "pose", body, 2 * scale, 0)
    for hand in ("left_hand", "right_hand"):
        _draw_part(image, points, present, hand, HAND_EDGES, 2 * scale, 3 * scale)
    if caption:
        _caption(image, caption, scale)
    return image


def _draw_part(image, points, present, part: str, edges, thickness: int, radius: int) -> None:
    import cv2

    start = GROUP_SLICES[part].start
    for a, b in edges:
        if present[start + a] and present[start + b]:
            pa, pb = tuple(points[start + a]), tuple(points[start + b])
            cv2.line(image, pa, pb, COLORS[part], thickness, cv2.LINE_AA)
    if radius:
        for i in range(start, GROUP_SLICES[part].stop):
            if present[i]:
                cv2.circle(image, tuple(points[i]), radius, (255, 255, 255), -1, cv2.LINE_AA)
                cv2.circle(image, tuple(points[i]), radius, COLORS[part], max(1, radius // 2), cv2.LINE_AA)


def _caption(image: np.ndarray, text: str, scale: int) -> None:
    """``text`` and a colour key of the hands in a band at the top left."""
    import cv2

    font, size = cv2.FONT_HERSHEY_SIMPLEX, 0.45 * scale
    pieces = [
        (text, COLORS["text"]),
        ("left hand", COLORS["left_hand"]),
        ("right hand", COLORS["right_hand"]),
    ]
    x, pad = 8 * scale, 6 * scale
    (_, h), base = cv2.getTextSize(text, font, size, scale)
    widths = [cv2.getTextSize(piece, font, size, scale)[0][0] for piece, _ in pieces]
    cv2.rectangle(
        image, (0, 0), (x + sum(widths) + 2 * pad * len(pieces), h + base + 2 * pad), COLORS["background"], -1
    )
    for (piece, color), width in zip(pieces, widths, strict=True):
        cv2.putText(image, piece, (x, h + pad), font, size, color, scale, cv2.LINE_AA)
        x += width + 2 * pad


def render(
    landmarks: np.ndarray,
    out: str | Path,
    fps: float = 30.0,
    frames: Iterator[np.ndarray] | None = None,
    size: tuple[int, int] = (640, 360),
    max_width: int | None = None,
) -> Path:
    """Write the (T, 543, 3) sequence as ``out`` (.gif or .mp4), over ``frames`` (RGB) if given.

    ``size`` (width, height) is the canvas without frames; ``max_width`` scales the result down
    (GIFs default to 480 pixels wide: a few hundred kilobytes for a few seconds).
    """
    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise SignaError(f"--out must end in {' or '.join(FORMATS)}", out)
    if max_width is None and out.suffix.lower() == ".gif":
        max_width = 480
    images = _images(landmarks, fps, frames, size, max_width)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".gif":
            _write_gif(tmp, images, fps)
        else:
            _write_mp4(tmp, images, fps)
    return out


def _images(landmarks, fps, frames, size, max_width) -> Iterator[np.ndarray]:
    import cv2

    backgrounds = iter(frames) if frames is not None else None
    for index, frame in enumerate(landmarks):
        picture = next(backgrounds, None) if backgrounds is not None else None
        if picture is None:
            picture = np.full((size[1], size[0], 3), COLORS["background"], np.uint8)
        if max_width and picture.shape[1] > max_width:
            height = round(picture.shape[0] * max_width / picture.shape[1])
            picture = cv2.resize(picture, (max_width, height), interpolation=cv2.INTER_AREA)
        yield draw_frame(np.ascontiguousarray(picture), frame, f"{index / fps:5.2f} s")


def _write_gif(path: Path, images: Iterator[np.ndarray], fps: float) -> None:
    from PIL import Image

    pictures = [Image.fromarray(image) for image in images]
    duration = round(1000 / fps)
    pictures[0].save(path, format="GIF", save_all=True, append_images=pictures[1:], duration=duration, loop=0)


def _write_mp4(path: Path, images: Iterator[np.ndarray], fps: float) -> None:
    """Frames streamed to OpenCV's writer. It picks the container from the file name, so the file
    is written as ``<path>.mp4`` first, then moved onto ``path``."""
    import cv2

    named = path.with_name(path.name + ".mp4")
    writer = None
    try:
        for image in images:
            if writer is None:
                size = (image.shape[1], image.shape[0])
                writer = cv2.VideoWriter(str(named), cv2.VideoWriter_fourcc(*"mp4v"), fps, size)
            writer.write(cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        writer.release()
        os.replace(named, path)
    finally:
        if named.exists():
            named.unlink()


def show_file(path: str | Path, out: str | Path, video: str | Path | None = None) -> Path:
    """Render a landmark file's first sequence (or a video's own landmarks) to ``out``."""
    path = Path(path)
    if path.suffix.lower() in VIDEO_SUFFIXES:
        landmarks, record = extract_landmarks(path)
        video, fps = video or path, record.fps
    else:
        sequence = read_sequences(path)[0]
        landmarks, fps = sequence.landmarks, float(sequence.meta.get("fps", 30.0))
    if len(landmarks) == 0:
        raise SignaError("the sequence has no frames", path)
    if video is None:
        return render(landmarks, out, fps)
    with VideoReader(video) as reader:
        pictures = (rgb for _, rgb in reader.frames())
        return render(landmarks, out, reader.fps, pictures)
