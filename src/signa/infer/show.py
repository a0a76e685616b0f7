"""``signa show``: a landmark sequence as an animation (GIF or MP4) or a picture (PNG): the skeleton,
hands highlighted, and with ``--model`` what the model recognises.

    signa show clip.parquet --out clip.gif                   # on a dark background
    signa show clip.parquet --out clip.mp4 --video clip.mp4  # over the video's frames
    signa show clip.mp4 --out clip.gif                       # a video: extracted, then drawn over itself
    signa show clip.mp4 --out clip.png --frame 20 --model lsm --whole   # one frame, the sign written on it

Drawing is OpenCV's (the ``video`` extra), the answer's label Pillow's; GIFs and PNGs are written by
Pillow, MP4 by OpenCV. The left hand (MediaPipe's, i.e. the signer's left in an unmirrored picture) is
orange, the right one cyan, the body light grey and the face a faint dot cloud. With a model, each
frame inside a recognised segment (``signa translate``'s, or the whole clip with ``whole``) carries
that segment's answer and confidence in a band at the bottom.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from signa.data.layout import GROUP_SLICES
from signa.data.readers import read_sequences
from signa.errors import SignaError
from signa.files import atomic_path
from signa.infer.segment import SegmentRule
from signa.infer.video import VIDEO_SUFFIXES, VideoReader, extract_landmarks

if TYPE_CHECKING:
    from signa.infer.runtime import Recognizer

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
FORMATS = (".gif", ".mp4", ".png")
ANIMATIONS = (".gif", ".mp4")
Label = tuple[str, str]  # (answer, detail): drawn large, and smaller after it
PNG_WIDTH = 960  # a PNG picture of a 720p video: about 150 kB


def draw_frame(
    image: np.ndarray, frame: np.ndarray, caption: str | None = None, label: Label | None = None
) -> np.ndarray:
    """Draw one (543, 3) landmark frame on an RGB image (in place, and returned): the skeleton, a
    ``caption`` and the hands' colour key at the top, a model's ``label`` at the bottom."""
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
    if label:
        _label(image, label)
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


def _label(image: np.ndarray, label: Label) -> None:
    """The answer, large, and its detail (the confidence), on a translucent band at the bottom left."""
    from PIL import Image, ImageDraw, ImageFont

    height = image.shape[0]
    big, small = ImageFont.load_default(round(height / 10)), ImageFont.load_default(round(height / 22))
    picture = Image.fromarray(image)
    draw = ImageDraw.Draw(picture, "RGBA")
    answer, detail = label
    pad = round(height / 40)
    answer_box = draw.textbbox((0, 0), answer, font=big, anchor="ls")
    detail_box = draw.textbbox((0, 0), detail, font=small, anchor="ls")
    baseline = height - 2 * pad - answer_box[3]
    right = 3 * pad + answer_box[2] + (2 * pad + detail_box[2] if detail else 0)
    band = (pad, baseline + answer_box[1] - pad, right, height - pad)
    draw.rounded_rectangle(band, radius=pad, fill=(*COLORS["background"], 200))
    draw.text((2 * pad, baseline), answer, font=big, fill=COLORS["text"], anchor="ls")
    if detail:
        draw.text((4 * pad + answer_box[2], baseline), detail, font=small, fill=COLORS["face"], anchor="ls")
    image[:] = np.asarray(picture)


def render(
    landmarks: np.ndarray,
    out: str | Path,
    fps: float = 30.0,
    frames: Iterator[np.ndarray] | None = None,
    size: tuple[int, int] = (640, 360),
    max_width: int | None = None,
    labels: Sequence[Label | None] | None = None,
) -> Path:
    """Write the (T, 543, 3) sequence as ``out`` (.gif or .mp4), over ``frames`` (RGB) if given.

    ``size`` (width, height) is the canvas without frames; ``max_width`` scales the result down
    (GIFs default to 480 pixels wide: a few hundred kilobytes for a few seconds). ``labels``: one
    per frame (None: nothing written on that frame).
    """
    out = Path(out)
    if out.suffix.lower() not in ANIMATIONS:
        raise SignaError(f"--out must end in {_one_of(ANIMATIONS)} (a .png: render_still)", out)
    if max_width is None and out.suffix.lower() == ".gif":
        max_width = 480
    images = _images(landmarks, fps, frames, size, max_width, labels)
    with atomic_path(out) as tmp:
        if out.suffix.lower() == ".gif":
            _write_gif(tmp, images, fps)
        else:
            _write_mp4(tmp, images, fps)
    return out


def render_still(
    frame: np.ndarray,
    out: str | Path,
    seconds: float = 0.0,
    picture: np.ndarray | None = None,
    max_width: int | None = PNG_WIDTH,
    label: Label | None = None,
) -> Path:
    """Write one (543, 3) landmark frame, ``seconds`` into its clip, as a PNG over ``picture`` (RGB)."""
    from PIL import Image

    image = _picture(frame, seconds, picture, (640, 360), max_width, label)
    with atomic_path(out) as tmp:
        # 256 colours, dithered: a third of the true-colour file, and a video frame looks the same
        palette = Image.fromarray(image).quantize(256, method=Image.Quantize.MEDIANCUT)
        palette.save(tmp, format="PNG", optimize=True)
    return Path(out)


def _images(landmarks, fps, frames, size, max_width, labels) -> Iterator[np.ndarray]:
    backgrounds = iter(frames) if frames is not None else None
    for index, frame in enumerate(landmarks):
        picture = next(backgrounds, None) if backgrounds is not None else None
        label = labels[index] if labels is not None else None
        yield _picture(frame, index / fps, picture, size, max_width, label)


def _picture(frame, seconds, picture, size, max_width, label) -> np.ndarray:
    """One drawn frame: over ``picture`` (or a dark canvas of ``size``), at most ``max_width`` wide."""
    import cv2

    if picture is None:
        picture = np.full((size[1], size[0], 3), COLORS["background"], np.uint8)
    if max_width and picture.shape[1] > max_width:
        height = round(picture.shape[0] * max_width / picture.shape[1])
        picture = cv2.resize(picture, (max_width, height), interpolation=cv2.INTER_AREA)
    return draw_frame(np.ascontiguousarray(picture), frame, f"{seconds:5.2f} s", label)


def _write_gif(path: Path, images: Iterator[np.ndarray], fps: float) -> None:
    from PIL import Image

    # each frame's own 256 colours by octree, undithered; Pillow's default (median cut, dithered) took
    # 15 s and 4.6 MB for a 66-frame 480x270 clip over video, this 0.4 s and 3.1 MB (one busy 2-core run)
    octree, plain = Image.Quantize.FASTOCTREE, Image.Dither.NONE
    pictures = [Image.fromarray(image).quantize(256, method=octree, dither=plain) for image in images]
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


def show_file(
    path: str | Path,
    out: str | Path,
    video: str | Path | None = None,
    recognizer: Recognizer | None = None,
    whole: bool = False,
    frame: int | None = None,
) -> Path:
    """Render a landmark file's first sequence (or a video's own landmarks) to ``out``.

    ``recognizer`` writes its answers on the frames (``whole``: the clip as one sign, else cut at
    the rests as ``signa translate`` does); ``frame`` is the PNG's frame (default: the middle of the
    first answer, or of the clip).
    """
    path, out = Path(path), Path(out)
    if out.suffix.lower() not in FORMATS:
        raise SignaError(f"--out must end in {_one_of(FORMATS)}", out)
    if frame is not None and out.suffix.lower() != ".png":
        raise SignaError("--frame picks the frame of a .png picture; an animation has them all", out)
    landmarks, fps, video = _sequence(path, video)
    labels = answer_labels(recognizer, landmarks, fps, whole) if recognizer is not None else None
    if out.suffix.lower() == ".png":
        return _still(landmarks, fps, out, video, labels, frame)
    if video is None:
        return render(landmarks, out, fps, labels=labels)
    with VideoReader(video) as reader:
        pictures = (rgb for _, rgb in reader.frames())
        return render(landmarks, out, reader.fps, pictures, labels=labels)


def _sequence(path: Path, video: str | Path | None) -> tuple[np.ndarray, float, str | Path | None]:
    """(landmarks, fps, video to draw over) of a landmark file or of a video (its own frames)."""
    if path.suffix.lower() in VIDEO_SUFFIXES:
        landmarks, record = extract_landmarks(path)
        fps, video = record.fps, video or path
    else:
        sequence = read_sequences(path)[0]
        landmarks, fps = sequence.landmarks, float(sequence.meta.get("fps", 30.0))
    if len(landmarks) == 0:
        raise SignaError("the sequence has no frames", path)
    return landmarks, fps, video


def answer_labels(
    recognizer: Recognizer, landmarks: np.ndarray, fps: float, whole: bool
) -> list[Label | None]:
    """Per frame: the answer of the recognised segment holding it, with its confidence, or None."""
    from signa.infer.translate import translate

    timeline = translate(recognizer, landmarks, fps, rule=None if whole else SegmentRule())
    labels: list[Label | None] = []
    for index in range(len(landmarks)):
        seconds = index / fps
        entry = next((e for e in timeline.entries if e.start <= seconds < e.end), None)
        if entry is None or not entry.answer:
            labels.append(None)
        else:
            detail = "" if entry.confidence is None else f"confidence {entry.confidence:.2f}"
            labels.append((entry.answer, detail))
    return labels


def _still(landmarks, fps, out: Path, video, labels, frame: int | None) -> Path:
    """The PNG of frame ``frame`` (default: :func:`default_frame`)."""
    index = default_frame(labels, len(landmarks)) if frame is None else frame
    if not 0 <= index < len(landmarks):
        raise SignaError(f"the sequence has frames 0 to {len(landmarks) - 1}, not {index}", "--frame")
    picture = None
    if video is not None:
        with VideoReader(video) as reader:
            picture = next((rgb for i, (_, rgb) in enumerate(reader.frames()) if i == index), None)
    label = labels[index] if labels is not None else None
    return render_still(landmarks[index], out, index / fps, picture, label=label)


def default_frame(labels: Sequence[Label | None] | None, frames: int) -> int:
    """The middle frame of the first answer (its run of frames with the same label), else of the clip."""
    start = next((i for i, label in enumerate(labels or ()) if label is not None), None)
    if start is None:
        return frames // 2
    end = next((i for i in range(start, len(labels)) if labels[i] != labels[start]), len(labels))
    return start + (end - start) // 2


def _one_of(suffixes: Sequence[str]) -> str:
    return f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"
