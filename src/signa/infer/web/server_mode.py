"""Server mode: an uploaded video (or landmark file) translated by ``signa translate``'s library.

The answer holds the timeline (each segment's start and end in seconds, text or sign, confidence), the
joined text, the video's frame rate and size, and every frame's x, y (NaN as null, 4 decimals) for the
skeleton the page draws over the video it plays.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from signa.infer.runtime import Recognizer
from signa.infer.segment import SegmentRule
from signa.infer.translate import MODEL_FPS, translate
from signa.infer.web.uploads import LANDMARK_SUFFIXES, Limits, check_video


class ServerTranslator:
    """Translates one uploaded file with the served model; ``segmentation`` is the rule the page uses."""

    def __init__(self, model: str | Path, rule: SegmentRule = SegmentRule()):
        self.recognizer = Recognizer(model)
        self.task = self.recognizer.task
        self.rule = rule
        self.segmentation = {**rule.to_dict(), "fps": MODEL_FPS}

    def __call__(self, path: Path, limits: Limits) -> dict:
        start = time.perf_counter()
        if path.suffix in LANDMARK_SUFFIXES:
            from signa.data.readers import read_sequences

            sequence = read_sequences(path)[0]
            landmarks, fps, size = sequence.landmarks, sequence.meta.get("fps") or MODEL_FPS, (640, 480)
        else:
            check_video(path, limits)
            from signa.infer.video import extract_landmarks

            landmarks, record = extract_landmarks(path)
            fps, size = record.fps, (record.width, record.height)
        answer = self.answer(landmarks, fps)
        answer.update(width=size[0], height=size[1], seconds=time.perf_counter() - start)
        return answer

    def answer(self, landmarks: np.ndarray, fps: float) -> dict:
        """:func:`signa.infer.translate.translate` on ``landmarks`` taken at ``fps``, and their x, y."""
        timeline = translate(self.recognizer, landmarks, fps, self.rule)
        segments = []
        for entry in timeline.entries:
            row = {"start_s": entry.start, "end_s": entry.end, "confidence": entry.confidence}
            row.update({"sign": entry.sign} if entry.sign is not None else {"text": entry.text})
            segments.append(row)
        xy = np.round(landmarks[:, :, :2].reshape(len(landmarks), -1).astype(np.float64), 4)
        rows = [[None if np.isnan(v) else v for v in frame] for frame in xy.tolist()]
        return {
            "task": self.task,
            "text": timeline.text,
            "fps": fps,
            "frames": len(landmarks),
            "segments": segments,
            "landmarks": rows,
        }
