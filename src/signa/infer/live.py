"""``signa live``: the translate loop on a camera, or on a video file replayed as if it were one.

    signa live MODEL --camera 0 [--show]
    signa live MODEL --video clip.mp4          # the file plays at its own frame rate, as a camera would

MediaPipe Holistic takes ~30-100 ms a frame on a laptop CPU, so a 30 fps camera gives frames faster
than they can be processed. The source therefore keeps only its newest frame: the loop always takes
the latest picture (never a growing backlog), and frames that arrive while it is busy are dropped and
counted. The landmark frames it did process, with the capture times of their pictures, are resampled
to the model's frame rate (30 fps, Kaggle's) before segmentation and recognition, so a slower machine
costs latency, not a sequence played at the wrong speed.

A segment is recognised as soon as a rest of ``min_rest_s`` follows it (:mod:`signa.infer.segment`),
so the transcription grows while the signer signs; what is left is recognised when the source ends.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from signa.errors import SignaError
from signa.infer.holistic import HolisticSettings, HolisticTracker
from signa.infer.runtime import Recognizer
from signa.infer.segment import SegmentRule, find_segments, resample
from signa.infer.translate import MODEL_FPS, Timeline, TimelineEntry, recognize_segments
from signa.infer.video import VideoReader, require_hands


@dataclass(frozen=True)
class Frame:
    """A captured picture: its number, seconds since the source started, RGB (H, W, 3) uint8."""

    index: int
    seconds: float
    rgb: np.ndarray
    captured: float  # time.perf_counter() when it arrived


class NewestFrame:
    """A one-frame mailbox: a producer thread overwrites it, the loop takes the newest frame."""

    def __init__(self):
        self._frame: Frame | None = None
        self._taken = -1
        self._ended = False
        self._ready = threading.Condition()
        self.published = 0

    def put(self, frame: Frame) -> None:
        with self._ready:
            self._frame = frame
            self.published += 1
            self._ready.notify()

    def end(self) -> None:
        with self._ready:
            self._ended = True
            self._ready.notify()

    def take(self) -> Frame | None:
        """Wait for a frame newer than the last one taken; None once the source has ended."""
        with self._ready:
            self._ready.wait_for(lambda: self._ended or (self._frame and self._frame.index > self._taken))
            if self._frame is None or self._frame.index <= self._taken:
                return None
            self._taken = self._frame.index
            return self._frame


def replay(path: str | Path, mailbox: NewestFrame, stop: threading.Event) -> None:
    """Publish a file's frames at its own frame rate, as a camera would deliver them."""
    try:
        with VideoReader(path) as reader:
            start = time.perf_counter()
            for index, (seconds, rgb) in enumerate(reader.frames()):
                delay = start + seconds - time.perf_counter()
                if stop.wait(max(0.0, delay)):
                    break
                mailbox.put(Frame(index, seconds, rgb, time.perf_counter()))
    finally:
        mailbox.end()


def open_camera(index: int):
    """An opened ``cv2.VideoCapture`` for camera ``index``, or a one-line :class:`SignaError`."""
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)  # our error says it, once
    capture = cv2.VideoCapture(index)
    if not capture.isOpened() or not capture.grab():
        capture.release()
        problem = "cannot read from the camera (not connected, in use, or no permission)"
        raise SignaError(problem, f"camera {index}")
    return capture


def capture_camera(capture, mailbox: NewestFrame, stop: threading.Event) -> None:
    """Publish a camera's frames as they come (BGR -> RGB), stamped with their arrival time."""
    import cv2

    start, index = time.perf_counter(), 0
    try:
        while not stop.is_set():
            ok, bgr = capture.read()
            if not ok:
                break
            now = time.perf_counter()
            mailbox.put(Frame(index, now - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), now))
            index += 1
    finally:
        capture.release()
        mailbox.end()


@dataclass
class LiveState:
    """What the loop has so far: processed frames' times and landmarks, the transcription, figures."""

    times: list[float] = field(default_factory=list)
    landmarks: list[np.ndarray] = field(default_factory=list)
    entries: list[TimelineEntry] = field(default_factory=list)
    done_until: float = 0.0  # seconds of source time already cut into recognised segments
    latencies_ms: list[float] = field(default_factory=list)  # capture -> landmarks ready, per frame
    started: float = field(default_factory=time.perf_counter)

    @property
    def effective_fps(self) -> float:
        elapsed = time.perf_counter() - self.started
        return len(self.times) / elapsed if elapsed > 0 else 0.0

    @property
    def text(self) -> str:
        return " ".join(e.answer for e in self.entries if e.answer)


@dataclass(frozen=True)
class LiveResult:
    """The transcription as a :class:`Timeline` and how the loop kept up."""

    timeline: Timeline
    frames_published: int
    frames_processed: int
    effective_fps: float
    mean_latency_ms: float

    def to_dict(self) -> dict:
        return {
            **self.timeline.to_dict(),
            "frames_published": self.frames_published,
            "frames_processed": self.frames_processed,
            "frames_dropped": self.frames_published - self.frames_processed,
            "effective_fps": round(self.effective_fps, 2),
            "mean_latency_ms": round(self.mean_latency_ms, 1),
        }


def run_live(
    recognizer: Recognizer,
    tracker: HolisticTracker,
    frames: Iterator[Frame],
    rule: SegmentRule = SegmentRule(),
    on_frame: Callable[[LiveState, Frame, np.ndarray], None] | None = None,
    source: str = "live",
) -> LiveState:
    """Landmarks of each frame taken, segments recognised as they close; ``on_frame`` after each."""
    state = LiveState()
    for frame in frames:
        landmarks = tracker.process(frame.rgb)
        state.times.append(frame.seconds)
        state.landmarks.append(landmarks)
        state.latencies_ms.append(1000 * (time.perf_counter() - frame.captured))
        _recognize_closed(recognizer, state, rule, source, final=False)
        if on_frame is not None:
            on_frame(state, frame, landmarks)
    _recognize_closed(recognizer, state, rule, source, final=True)
    return state


def _recognize_closed(recognizer, state: LiveState, rule: SegmentRule, source: str, final: bool) -> None:
    """Recognise the segments that a rest has closed (all of them at the end), once each."""
    times = np.asarray(state.times)
    pending = times >= state.done_until
    if pending.sum() < 2:
        return
    window = resample(np.stack(state.landmarks)[pending], times[pending], MODEL_FPS)  # (T', 543, 3)
    closed_before = len(window) - round(rule.min_rest_s * MODEL_FPS)
    segments = [s for s in find_segments(window, MODEL_FPS, rule) if final or s.stop <= closed_before]
    if not segments or not np.isfinite(window[..., 0]).any():
        return
    offset = times[pending][0]
    for segment in segments:
        try:
            piece = window[segment.start : segment.stop]
            (entry,), _ = recognize_segments(recognizer, piece, MODEL_FPS, None, source)
        except SignaError:
            continue  # a segment the model refuses (e.g. too short once resampled) is skipped, not fatal
        shift = offset + segment.start / MODEL_FPS
        state.entries.append(TimelineEntry(entry.start + shift, entry.end + shift, *_answer(entry)))
    state.done_until = offset + segments[-1].stop / MODEL_FPS


def _answer(entry: TimelineEntry) -> tuple:
    return entry.text, entry.sign, entry.confidence, entry.frames


def frames_of(mailbox: NewestFrame) -> Iterator[Frame]:
    while (frame := mailbox.take()) is not None:
        yield frame


def live(
    recognizer: Recognizer,
    video: str | Path | None = None,
    camera: int | None = None,
    rule: SegmentRule = SegmentRule(),
    on_frame: Callable[[LiveState, Frame, np.ndarray], None] | None = None,
    settings: HolisticSettings = HolisticSettings(),
) -> LiveResult:
    """Run the loop on a replayed ``video`` file or on ``camera`` until the source ends (or Ctrl-C).

    The source starts once MediaPipe is ready, so a replayed file loses no frames to start-up.
    """
    mailbox, stop = NewestFrame(), threading.Event()
    if video is not None:
        VideoReader(video).close()  # a bad file fails here, in one line, before anything starts
        producer = threading.Thread(target=replay, args=(video, mailbox, stop), daemon=True)
        source = str(video)
    else:
        capture = open_camera(camera or 0)
        producer = threading.Thread(target=capture_camera, args=(capture, mailbox, stop), daemon=True)
        source = f"camera {camera or 0}"
    with HolisticTracker(settings) as tracker:
        producer.start()
        try:
            state = run_live(recognizer, tracker, frames_of(mailbox), rule, on_frame, source)
        finally:
            stop.set()
            producer.join(timeout=5)
    if not state.times:
        raise SignaError("the source gave no frames", source)
    require_hands(np.stack(state.landmarks), source)
    duration = state.times[-1]
    timeline = Timeline(source, duration, MODEL_FPS, tuple(state.entries), {}, None, rule)
    latency = float(np.mean(state.latencies_ms)) if state.latencies_ms else 0.0
    return LiveResult(timeline, mailbox.published, len(state.times), state.effective_fps, latency)
