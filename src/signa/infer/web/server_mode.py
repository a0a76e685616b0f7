"""Server mode: an uploaded video (or landmark file) translated here, answered as segments plus landmarks.

The answer holds the segments (start/end frame and seconds, text or sign, confidence), the frame rate,
and every frame's x, y (NaN as null, 4 decimals) for the skeleton the page draws over the video.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from signa.infer.runtime import Recognizer
from signa.infer.web.uploads import LANDMARK_SUFFIXES, Limits, check_video

SEGMENTATION = {"min_pause_frames": 10, "min_frames": 5}


def pause_segments(landmarks: np.ndarray, min_pause_frames: int, min_frames: int) -> list[tuple[int, int]]:
    """[start, end) runs from a frame with a hand to the last such frame before a long enough pause."""
    from signa.data.layout import GROUP_SLICES

    wrists = [GROUP_SLICES["left_hand"].start, GROUP_SLICES["right_hand"].start]
    hands = ~np.isnan(landmarks[:, wrists, 0]).all(1)
    segments, start, last = [], None, None
    for index, active in enumerate(hands):
        if active:
            start = index if start is None else start
            last = index
        elif start is not None and index - last >= min_pause_frames:
            segments.append((start, last + 1))
            start = None
    if start is not None:
        segments.append((start, last + 1))
    return [s for s in segments if s[1] - s[0] >= min_frames]


class ServerTranslator:
    """Translates one uploaded file with the served model."""

    def __init__(self, model: str | Path):
        self.recognizer = Recognizer(model)
        self.task = self.recognizer.task
        self.segmentation = dict(SEGMENTATION)

    def __call__(self, path: Path, limits: Limits) -> dict:
        start = time.perf_counter()
        if path.suffix in LANDMARK_SUFFIXES:
            from signa.data.readers import read_sequences

            landmarks, fps, size = read_sequences(path)[0].landmarks, 30.0, (640, 480)
        else:
            check_video(path, limits)
            from signa.infer.video import extract_landmarks

            landmarks, record = extract_landmarks(path)
            fps, size = record.fps, (record.width, record.height)
        answer = self.answer(landmarks, fps)
        answer["width"], answer["height"] = size
        answer["seconds"] = time.perf_counter() - start
        return answer

    def answer(self, landmarks: np.ndarray, fps: float) -> dict:
        segments = []
        for start, end in pause_segments(landmarks, **self.segmentation):
            prediction = self.recognizer.predict(landmarks[start:end])
            row = {"start": start, "end": end, "start_s": start / fps, "end_s": (end - 1) / fps}
            row.update({"sign": prediction.sign} if prediction.sign else {"text": prediction.text})
            row["confidence"] = prediction.confidence
            segments.append(row)
        xy = np.round(landmarks[:, :, :2].reshape(len(landmarks), -1).astype(np.float64), 4)
        rows = [[None if np.isnan(v) else v for v in frame] for frame in xy.tolist()]
        message = "" if segments else "no hands detected"
        return {
            "task": self.task,
            "fps": fps,
            "frames": len(landmarks),
            "segments": segments,
            "message": message,
            "landmarks": rows,
        }
