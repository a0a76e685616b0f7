"""What inference asks of a task: its input check, its raw outputs, and their decoding.

Each task has one module here (:mod:`signa.infer.fingerspelling`, :mod:`signa.infer.signs`) holding an
:class:`InferTask` registered under the task's name. The backends and the
:class:`~signa.infer.Recognizer` ask the task object only, so a new task is one new module here and a
registration. Nothing here imports torch: an ONNX or TFLite model runs with numpy and its runtime.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path
from typing import ClassVar

import numpy as np

from signa.data.vocab import LabelMap, Vocabulary
from signa.export.metadata import ExportInfo
from signa.infer.outputs import Description, Prediction, RawOutput
from signa.models.gate import ConfidenceGate
from signa.registry import Registry


class InferTask(ABC):
    name: ClassVar[str]
    # file formats (LandmarkSequence.format) whose sequences are not what the task's models learn
    # from, and what they hold instead: predicting on them warns once per file
    unsuited_formats: ClassVar[dict[str, str]] = {}

    @abstractmethod
    def mappings(self, info: ExportInfo, source: Path) -> tuple[Vocabulary | None, LabelMap | None]:
        """The vocabulary or label map of an export, from its ``export.json``; refuse one without."""

    def check_input(self, landmarks: np.ndarray, source: str | Path | None) -> None:
        """Refuse a checked (T, 543, 3) sequence the task cannot answer (default: accept)."""
        del landmarks, source

    @abstractmethod
    def raw_output(self, outputs: dict[str, np.ndarray], variant: str) -> RawOutput:
        """A backend's outputs, by name, as the task's raw output."""

    def run_onnx(self, sessions: dict, info: ExportInfo, data: np.ndarray) -> RawOutput:
        """Run an ONNX export's sessions; the default feeds the one ``model`` graph."""
        session = sessions["model"]
        names = [output.name for output in session.get_outputs()]
        values = session.run(None, {info.input.name: data})
        return self.raw_output(dict(zip(names, values, strict=True)), info.variant)

    @abstractmethod
    def decode(
        self, raw: RawOutput, description: Description, gate: ConfidenceGate, ms: float, frames: int
    ) -> Prediction:
        """The prediction of one sequence from its raw output."""


INFER_TASKS = Registry("task", ("signa.infer.fingerspelling", "signa.infer.signs"), "name")
register_infer_task = INFER_TASKS.register


def infer_task(name: str, source: str | Path | None = None) -> InferTask:
    return INFER_TASKS.get(name, source)()
