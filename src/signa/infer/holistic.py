"""MediaPipe Holistic (the ``video`` extra): one RGB frame in, one (543, 3) landmark frame out.

SIGNA runs MediaPipe 0.10.14's legacy ``solutions.holistic`` API (see :mod:`signa.mp_compat` for why
that version, and how it shares protobuf 7) with the settings of the data kit's reference
extractions (:class:`HolisticSettings`). mediapipe is imported inside functions only, so
``import signa`` never loads it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from dataclasses import asdict, dataclass

import numpy as np

from signa.data.layout import GROUP_SLICES, N_COORDS, N_LANDMARKS
from signa.mp_compat import import_mediapipe

# Holistic result attribute of each landmark group, in the Kaggle order of signa.data.layout.
RESULT_FIELDS = {
    "face": "face_landmarks",
    "left_hand": "left_hand_landmarks",
    "pose": "pose_landmarks",
    "right_hand": "right_hand_landmarks",
}


@dataclass(frozen=True)
class HolisticSettings:
    """``mp.solutions.holistic.Holistic`` arguments; the defaults are the reference extraction's."""

    static_image_mode: bool = False
    model_complexity: int = 1
    refine_face_landmarks: bool = False
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def to_dict(self) -> dict:
        return asdict(self)


class HolisticTracker:
    """One MediaPipe Holistic graph. Frames of one video go through one tracker, in order.

    >>> with HolisticTracker() as tracker:
    ...     frame_landmarks = tracker.process(rgb)      # (543, 3) float32, NaN = not detected
    """

    def __init__(self, settings: HolisticSettings = HolisticSettings()):
        self.settings = settings
        with native_logs_silenced():
            self._graph = _holistic_class()(**settings.to_dict())
            self._graph.wait_until_open()

    def process(self, rgb: np.ndarray) -> np.ndarray:
        """Landmarks of one RGB uint8 frame (H, W, 3): (543, 3) float32, NaN where nothing was found."""
        with native_logs_silenced():
            results = self._graph.process(rgb)
        frame = np.full((N_LANDMARKS, N_COORDS), np.nan, np.float32)
        for group, name in RESULT_FIELDS.items():
            found = getattr(results, name)
            if found is not None:
                frame[GROUP_SLICES[group]] = [(p.x, p.y, p.z) for p in found.landmark]
        return frame

    def reset(self) -> None:
        """Forget the tracking state, as a fresh graph would, before the next video's first frame."""
        self._graph.reset()

    def close(self) -> None:
        self._graph.close()

    def __enter__(self) -> HolisticTracker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@contextlib.contextmanager
def native_logs_silenced():
    """Send the C++ side's stderr to /dev/null for a moment (``SIGNA_MEDIAPIPE_LOGS=1`` keeps it).

    MediaPipe's graphs log through absl before anything can initialise its logging, so every run
    prints a screenful of TFLite and "feedback manager" notices that say nothing to a user. Python
    errors are raised, not printed, so none is lost.
    """
    if os.environ.get("SIGNA_MEDIAPIPE_LOGS") == "1":
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as devnull:
            os.dup2(devnull.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _holistic_class():
    """``Holistic``, subclassed to set its calculator options without ``FieldDescriptor.label``."""
    mp = import_mediapipe()
    from mediapipe.python import solution_base

    class Holistic(mp.solutions.holistic.Holistic):
        def wait_until_open(self) -> None:
            """Block until the calculators, which open (and log) on the graph's threads, are ready."""
            self._graph.wait_until_idle()

        def _modify_calculator_options(self, graph_config, calculator_params) -> None:
            """Holistic sets two scalar thresholds of proto2 calculators (``node.calculator.field``).

            MediaPipe's own version reads ``FieldDescriptor.label``, which protobuf 7 removed.
            """
            wanted: dict[str, list[tuple[str, object]]] = {}
            for key, value in calculator_params.items():
                node_name, field = key.split(".")
                wanted.setdefault(node_name, []).append((field, value))
            for node in graph_config.node:
                for field, value in wanted.pop(node.name, ()):
                    options_type = solution_base.CALCULATOR_TO_OPTIONS[node.calculator]
                    setattr(node.options.Extensions[options_type.ext], field, value)
            if wanted:
                raise ValueError(f"calculators not in the Holistic graph: {sorted(wanted)}")

    return Holistic
