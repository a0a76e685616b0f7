"""``signa translate``: a video (or a landmark sequence) -> a timeline of signs or fingerspelled text.

    >>> import signa
    >>> from signa.infer.translate import translate
    >>> timeline = translate(signa.load_model("runs/lsm"), "sentence.mp4")
    >>> timeline.text                          # 'yo doctor hoy'
    >>> timeline.to_dict()["segments"][0]      # {"start": 0.4, "end": 2.3, "sign": "yo", ...}

Stages: decode + MediaPipe Holistic (:func:`signa.infer.video.extract_landmarks`), a resample to the
model's frame rate when the video's differs, the cut into segments where the hands rest
(:mod:`signa.infer.segment`), and one :meth:`Recognizer.predict` per segment. Each stage is timed.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from signa.data.readers import read_sequences
from signa.errors import SignaError
from signa.infer.outputs import Prediction
from signa.infer.runtime import Recognizer
from signa.infer.segment import Segment, SegmentRule, find_segments, resample
from signa.infer.video import VIDEO_SUFFIXES, VideoRecord, extract_landmarks, require_hands

MODEL_FPS = 30.0  # Kaggle's recordings, which SIGNA's models are trained on, are ~30 frames a second
FPS_TOLERANCE = 0.05  # a video within 5 % of the model's rate is used frame for frame


@dataclass(frozen=True)
class TimelineEntry:
    """One recognised segment: seconds from the start of the clip, and the model's answer."""

    start: float
    end: float
    text: str | None
    sign: str | None
    confidence: float | None
    frames: int

    @property
    def answer(self) -> str:
        return self.sign if self.sign is not None else self.text or ""

    def to_dict(self) -> dict:
        row = {"start": round(self.start, 3), "end": round(self.end, 3)}
        row.update({"sign": self.sign} if self.sign is not None else {"text": self.text})
        row.update(confidence=self.confidence, frames=self.frames)
        return row


@dataclass(frozen=True)
class Timeline:
    """A clip's segments in order, the time of each stage (ms), and what the video was."""

    source: str
    duration_s: float
    fps: float
    entries: tuple[TimelineEntry, ...]
    timings_ms: dict[str, float] = field(default_factory=dict)  # decode, landmarks, model (all segments)
    video: VideoRecord | None = None
    rule: SegmentRule | None = None  # None: the clip was recognised whole

    @property
    def text(self) -> str:
        """The answers joined by spaces: a gloss sequence (signs) or the spelled words."""
        return " ".join(e.answer for e in self.entries if e.answer)

    def to_dict(self) -> dict:
        return {
            "path": self.source,
            "text": self.text,
            "duration_s": round(self.duration_s, 3),
            "fps": self.fps,
            "segments": [e.to_dict() for e in self.entries],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "video": None if self.video is None else self.video.to_dict(),
            "segment_rule": None if self.rule is None else self.rule.to_dict(),
        }


def translate(
    recognizer: Recognizer,
    source: str | Path | np.ndarray,
    fps: float | None = None,
    rule: SegmentRule | None = SegmentRule(),
) -> Timeline:
    """Translate a video file, or a (T, 543, 3) landmark array taken at ``fps`` (default 30).

    Landmark files (parquet, .pose, .npy) go through :func:`translate_file`.

    ``rule=None`` recognises the whole clip as one segment (an isolated-sign recording). A clip
    without any hand is a :class:`SignaError` ("no hands detected"), never an empty answer.
    """
    video, timings = None, {}
    if isinstance(source, np.ndarray):
        landmarks, name, fps = source, "<landmarks>", float(fps or MODEL_FPS)
    else:
        landmarks, video = extract_landmarks(source)
        name, fps = str(source), video.fps
        timings = {"decode": video.decode_ms_per_frame, "landmarks": video.ms_per_frame}
        timings = {stage: ms * video.frames for stage, ms in timings.items()}
    require_hands(landmarks, name)
    landmarks, fps = to_model_rate(landmarks, fps)
    entries, model_ms = recognize_segments(recognizer, landmarks, fps, rule, name)
    timings["model"] = model_ms
    return Timeline(name, len(landmarks) / fps, round(fps, 3), tuple(entries), timings, video, rule)


def translate_file(recognizer: Recognizer, path: str | Path, rule: SegmentRule | None = SegmentRule()):
    """A video, or every sequence of a landmark file (its own fps for .pose, else 30), translated."""
    if Path(path).suffix.lower() in VIDEO_SUFFIXES:
        return [translate(recognizer, path, rule=rule)]
    timelines = []
    for sequence in read_sequences(path):
        timeline = translate(recognizer, sequence.landmarks, sequence.meta.get("fps"), rule)
        timelines.append(replace(timeline, source=f"{path}:{sequence.sequence_id}"))
    return timelines


def to_model_rate(landmarks: np.ndarray, fps: float) -> tuple[np.ndarray, float]:
    """Resample (nearest frame) to :data:`MODEL_FPS` unless ``fps`` is already within 5 % of it."""
    if abs(fps - MODEL_FPS) <= FPS_TOLERANCE * MODEL_FPS:
        return landmarks, fps
    return resample(landmarks, np.arange(len(landmarks)) / fps, MODEL_FPS), MODEL_FPS


def recognize_segments(
    recognizer: Recognizer, landmarks: np.ndarray, fps: float, rule: SegmentRule | None, source: str
) -> tuple[list[TimelineEntry], float]:
    """One entry per segment (the whole clip if ``rule`` is None or finds no sign) and the model's ms."""
    segments = find_segments(landmarks, fps, rule) if rule is not None else []
    segments = segments or [Segment(0, len(landmarks))]
    entries, model_ms = [], 0.0
    for segment in segments:
        prediction = _predict(recognizer, landmarks[segment.start : segment.stop], source)
        model_ms += prediction.ms
        start, end = segment.seconds(fps)
        answer = (prediction.text, prediction.sign, prediction.confidence, prediction.frames)
        entries.append(TimelineEntry(start, end, *answer))
    return entries, model_ms


def _predict(recognizer: Recognizer, landmarks: np.ndarray, source: str) -> Prediction:
    try:
        return recognizer.predict(landmarks, source)
    except SignaError as err:
        raise SignaError(f"segment of {len(landmarks)} frames: {err.problem}", source) from None


def timeline_lines(timeline: Timeline) -> list[str]:
    """The terminal form: a header with the stage times, then one line per segment."""
    stages = ", ".join(f"{k} {v:.0f} ms" for k, v in timeline.timings_ms.items())
    lines = [f"{timeline.source}: {timeline.text!r} ({timeline.duration_s:.2f} s; {stages})"]
    for e in timeline.entries:
        confidence = "" if e.confidence is None else f" ({e.confidence:.3f})"
        lines.append(f"  {e.start:6.2f}-{e.end:6.2f} s  {e.answer!r}{confidence}")
    return lines
