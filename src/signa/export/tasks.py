"""What export asks of a task: check an ensemble, build its graphs, write its files.

Each task has one module here (:mod:`signa.export.fingerspelling`, :mod:`signa.export.signs`) holding
an :class:`ExportTask` registered under the task's name, the name checkpoints and ``export.json``
carry. The exporter (:mod:`signa.export.exporter`) and the PyTorch backend of the runtime only ask
the task object, so a new task is one new module here and a registration.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from torch import nn

from signa.data.vocab import LabelMap, Vocabulary
from signa.errors import SignaError
from signa.export.metadata import InputContract
from signa.export.options import ExportOptions
from signa.registry import Registry


@dataclass
class LoadedModels:
    """The checkpoints of one export (an ensemble when several), with their shared vocabulary or labels."""

    task: str
    models: list[nn.Module]
    configs: list[dict]
    folders: list[Path]
    vocab: Vocabulary | None
    labels: LabelMap | None


@dataclass(frozen=True)
class ExportedFiles:
    """What a task's export wrote: ``files`` (key -> name), the input contract, outputs and variant."""

    files: dict[str, str]
    contract: InputContract
    outputs: dict[str, list]
    variant: str


class ExportTask(ABC):
    name: ClassVar[str]
    archs: ClassVar[tuple[str, ...]] = ()  # architectures of checkpoints saved without a 'task' key

    @abstractmethod
    def shared_mappings(
        self, models: list[nn.Module], configs: list[dict], folders: list[Path]
    ) -> tuple[Vocabulary | None, LabelMap | None]:
        """The ensemble's one vocabulary or label map, checked against every member."""

    @abstractmethod
    def runtime_graph(self, loaded: LoadedModels) -> tuple[nn.Module, list[str]]:
        """The graph a runtime runs (raw sequence in) and the names of its outputs, in order."""

    @abstractmethod
    def selection(self, loaded: LoadedModels) -> str:
        """Name of the landmark selection the models read."""

    @abstractmethod
    def export(self, loaded: LoadedModels, out: Path, options: ExportOptions) -> ExportedFiles:
        """Write the model file(s) of ``options`` into ``out``."""

    def decoding(self, loaded: LoadedModels, options: ExportOptions) -> dict[str, Any] | None:
        """``export.json``'s ``decoding`` section, when the task decodes tokens."""
        del loaded, options
        return None


EXPORT_TASKS = Registry("task", ("signa.export.fingerspelling", "signa.export.signs"), "name")
register_export_task = EXPORT_TASKS.register


def export_task(name: str, source: str | Path | None = None) -> ExportTask:
    return EXPORT_TASKS.get(name, source)()


def task_of(config: dict) -> str:
    """The task of a checkpoint config: its ``task`` key, else the task that owns its architecture."""
    tasks = dict(EXPORT_TASKS.items())
    task = config.get("task") or next((n for n, c in tasks.items() if config["arch"] in c.archs), None)
    if task in tasks:
        return task
    raise SignaError(f"cannot tell the task of architecture {config['arch']!r}; set 'task' in config.json")
