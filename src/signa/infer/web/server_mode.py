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

MODEL_FPS = 30.0  # the page resamples live frames to this rate (signa.infer.segment.resample)


class ServerTranslator:
    """Translates one uploaded file with the served model."""

    def __init__(self, model: str | Path):
        self.recognizer = Recognizer(model)
        self.task = self.recognizer.task
        from signa.infer.segment import SegmentRule

        self.rule = SegmentRule()
        self.segmentation = {**self.rule.to_dict(), "fps": MODEL_FPS}

    def __call__(self, path: Path, limits: Limits) -> dict:
        start = time.perf_counter()
        if path.suffix in LANDMARK_SUFFIXES:
            from signa.data.readers import read_sequences

            landmarks, fps, size = read_sequences(path)[0].landmarks, MODEL_FPS, (640, 480)
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
        """Segments as ``signa translate`` cuts them, each recognised, and every frame's x, y."""
        from signa.infer.segment import find_segments

        segments = []
        for segment in find_segments(landmarks, fps, self.rule):
            prediction = self.recognizer.predict(landmarks[segment.start : segment.stop])
            row = {"start": segment.start, "stop": segment.stop}
            row["start_s"], row["end_s"] = segment.seconds(fps)
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
