"""Video files to landmark sequences: decode with OpenCV, run MediaPipe Holistic on every frame.

    >>> from signa.infer.video import extract_landmarks
    >>> landmarks, record = extract_landmarks("clip.mp4")   # (T, 543, 3) float32, NaN = not detected
    >>> record.to_dict()                                     # frames, fps, size, detection rate, ms/frame

Frames are decoded by OpenCV's FFmpeg backend and converted BGR -> RGB, as in the data kit's
reference extractions. A phone clip's rotation metadata (display matrix) is applied while decoding,
so a portrait recording comes out upright and ``width``/``height`` are the displayed ones.

Every problem with the file itself (missing, not a video, no frames, truncated) is a
:class:`SignaError` raised before anything is written.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from signa.data.layout import GROUP_SLICES, GROUPS, N_COORDS, N_LANDMARKS
from signa.errors import SignaError
from signa.infer.holistic import HolisticSettings, HolisticTracker
from signa.mp_compat import MEDIAPIPE_VERSION

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv")
MIN_DECODED_SHARE = 0.9  # fewer decoded frames than this share of the container's count: truncated


@dataclass(frozen=True)
class VideoRecord:
    """What one extraction saw: frame count and rate, displayed size, detection rate of each part."""

    path: str
    frames: int
    fps: float
    width: int
    height: int
    rotation: int  # degrees the decoder turned the stored picture to show it upright
    detection_rate: dict[str, float]  # share of frames in which each part was detected
    decode_ms_per_frame: float
    ms_per_frame: float  # MediaPipe Holistic alone
    settings: dict = field(default_factory=lambda: HolisticSettings().to_dict())
    mediapipe: str = MEDIAPIPE_VERSION

    @property
    def duration_s(self) -> float:
        return self.frames / self.fps

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> VideoRecord:
        return cls(**data)


class VideoReader:
    """RGB frames of one video file, upright, with their timestamps in seconds."""

    def __init__(self, path: str | Path):
        os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # FFmpeg's own messages: our errors say it
        import cv2

        self.path = Path(path)
        if not self.path.is_file():
            raise SignaError("no such file" if not self.path.exists() else "not a file", self.path)
        self._capture = cv2.VideoCapture(str(self.path), cv2.CAP_FFMPEG)
        if not self._capture.isOpened():
            raise SignaError(_unopenable(self.path), self.path)
        self._capture.set(cv2.CAP_PROP_ORIENTATION_AUTO, 1)
        self.fps = float(self._capture.get(cv2.CAP_PROP_FPS)) or 30.0
        self.declared_frames = int(self._capture.get(cv2.CAP_PROP_FRAME_COUNT))
        self.rotation = int(self._capture.get(cv2.CAP_PROP_ORIENTATION_META)) % 360
        self.width = self.height = 0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        """Yield ``(seconds, rgb)`` for each decoded frame; ``rgb`` is (H, W, 3) uint8."""
        import cv2

        index = 0
        while True:
            ok, bgr = self._capture.read()
            if not ok:
                break
            self.height, self.width = bgr.shape[:2]
            yield index / self.fps, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            index += 1

    def check_complete(self, decoded: int) -> None:
        """Refuse a video with no frames, or one that ended well before its container said."""
        if decoded == 0:
            raise SignaError("the video has no frames that can be decoded", self.path)
        if self.declared_frames > 0 and decoded < MIN_DECODED_SHARE * self.declared_frames:
            raise SignaError(
                f"truncated or corrupt video: decoded {decoded} of {self.declared_frames} frames", self.path
            )

    def close(self) -> None:
        self._capture.release()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _unopenable(path: Path) -> str:
    """Why a file the decoder refused is refused: not a video at all, or a broken or empty one."""
    with open(path, "rb") as file:
        head = file.read(12)
    container = next((name for name, test in CONTAINER_SIGNATURES.items() if test(head)), None)
    if container is None:
        return "not a video (no known video container signature)"
    return f"{container} file with no decodable video frames (empty, truncated or corrupt)"


CONTAINER_SIGNATURES = {
    "MP4/MOV": lambda head: head[4:8] in (b"ftyp", b"moov", b"mdat", b"wide", b"free"),
    "Matroska/WebM": lambda head: head.startswith(b"\x1a\x45\xdf\xa3"),
    "AVI": lambda head: head.startswith(b"RIFF") and head[8:12] == b"AVI ",
    "MPEG": lambda head: head.startswith((b"\x00\x00\x01\xba", b"\x00\x00\x01\xb3")),
    "Ogg": lambda head: head.startswith(b"OggS"),
}


def extract_landmarks(
    path: str | Path,
    settings: HolisticSettings = HolisticSettings(),
    tracker: HolisticTracker | None = None,
) -> tuple[np.ndarray, VideoRecord]:
    """Holistic landmarks of every frame of a video: ((T, 543, 3) float32 NaN = missing, record).

    ``tracker``: a graph to reuse (it is reset first, so the result is that of a fresh graph);
    by default one is built for this video and closed after it.
    """
    own = tracker is None
    tracker = HolisticTracker(settings) if own else tracker
    try:
        tracker.reset()
        with VideoReader(path) as reader:
            landmarks, decode_s, landmark_s = _track(reader, tracker)
            reader.check_complete(len(landmarks))
    finally:
        if own:
            tracker.close()
    record = VideoRecord(
        path=str(path),
        frames=len(landmarks),
        fps=round(reader.fps, 3),
        width=reader.width,
        height=reader.height,
        rotation=reader.rotation,
        detection_rate=detection_rates(landmarks),
        decode_ms_per_frame=round(1000 * decode_s / len(landmarks), 2),
        ms_per_frame=round(1000 * landmark_s / len(landmarks), 2),
        settings=tracker.settings.to_dict(),
    )
    return landmarks, record


def _track(reader: VideoReader, tracker: HolisticTracker) -> tuple[np.ndarray, float, float]:
    """Run the tracker over every frame; return landmarks and the seconds spent decoding and tracking."""
    frames, decode_s, landmark_s = [], 0.0, 0.0
    clock = time.perf_counter()
    for _, rgb in reader.frames():
        decoded = time.perf_counter()
        frames.append(tracker.process(rgb))
        tracked = time.perf_counter()
        decode_s += decoded - clock
        landmark_s += tracked - decoded
        clock = tracked
    empty = np.zeros((0, N_LANDMARKS, N_COORDS), np.float32)
    return (np.stack(frames) if frames else empty), decode_s, landmark_s


def detection_rates(landmarks: np.ndarray) -> dict[str, float]:
    """Share of frames in which each part (face, left_hand, pose, right_hand) was detected."""
    if len(landmarks) == 0:
        return dict.fromkeys(GROUPS, 0.0)
    return {g: round(float(part_detected(landmarks, g).mean()), 4) for g in GROUPS}


def part_detected(landmarks: np.ndarray, group: str) -> np.ndarray:
    """(T,) bool: frames in which ``group`` was detected (MediaPipe gives a part whole or not at all)."""
    return ~np.isnan(landmarks[:, GROUP_SLICES[group], 0]).all(axis=1)


def hands_detected(landmarks: np.ndarray) -> np.ndarray:
    """(T,) bool: frames in which at least one hand was detected."""
    return part_detected(landmarks, "left_hand") | part_detected(landmarks, "right_hand")


def require_hands(landmarks: np.ndarray, source: str | Path) -> None:
    """Refuse a sequence with no hand in any frame: nobody signing in front of the camera."""
    if not hands_detected(landmarks).any():
        raise SignaError(f"no hands detected in {len(landmarks)} frames", source)
