"""Backends of :class:`signa.infer.Recognizer`: PyTorch, ONNX Runtime and LiteRT (TFLite).

Each takes one checked sequence, float32 (T, 543, 3) (or (T, 390) for a Kaggle-contract export),
and returns a :class:`~signa.infer.outputs.RawOutput`, which the model's task
(:mod:`signa.infer.tasks`) builds from the outputs by name. The PyTorch backend runs the very graph
module that export writes (:mod:`signa.export.tasks`), so any difference between forms is the
runtimes' arithmetic. Only the PyTorch backend imports torch.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signa.bundled import resolve_model
from signa.errors import SignaError
from signa.export.metadata import EXPORT_FILE, KAGGLE_LAYOUT, ExportInfo, read_export_info
from signa.export.runtimes import open_interpreter, open_session, pad_frames, resample_frames, signature_name
from signa.infer.outputs import Description, RawOutput
from signa.infer.tasks import infer_task

AUTOCAST_PRECISIONS = ("fp32", "bf16", "auto")  # a PyTorch checkpoint's; auto: bf16 where native


def open_backend(path: Path, threads: int | str | None = None, precision: str = "fp32"):
    """The backend for a checkpoint/run folder, an export folder, or an .onnx/.tflite file.

    ``threads``: a number, ``"auto"`` (a checkpoint: :func:`signa.cpu.default_threads`; an export:
    the runtime's default), or None (a checkpoint leaves torch's setting as it is)."""
    path = resolve_model(path)
    if precision not in AUTOCAST_PRECISIONS:
        known = ", ".join(AUTOCAST_PRECISIONS)
        raise SignaError(f"unknown precision {precision!r} (known: {known})", "--precision")
    if path.is_file() and path.suffix in (".onnx", ".tflite"):
        folder, chosen = path.parent, path
    elif path.is_dir() and (path / EXPORT_FILE).is_file():
        folder, chosen = path, None
    else:
        return TorchBackend(path, precision, threads)
    if precision == "bf16":  # auto leaves an export as it was exported
        raise SignaError(
            f"--precision {precision} runs PyTorch checkpoints; an export's precision is chosen at export",
            path,
        )
    runtime_threads = None if threads == "auto" else threads
    return _export_backend(folder, read_export_info(folder), runtime_threads, chosen)


def _export_backend(folder: Path, info: ExportInfo, threads, chosen: Path | None = None):
    if info.format == "tflite":
        return TFLiteBackend(folder, info, threads)
    if chosen is not None and chosen.name not in info.files.values():
        raise SignaError(f"{chosen.name} is not listed in {EXPORT_FILE}", chosen)
    return OnnxBackend(folder, info, threads)


class TorchBackend:
    """A checkpoint run in PyTorch eager mode through the export graph, on CPU."""

    def __init__(self, path: Path, precision: str = "fp32", threads: int | str | None = None):
        from signa.export.exporter import load_models
        from signa.export.tasks import export_task
        from signa.train.distributed import set_cpu_threads

        loaded = load_models([path])
        set_cpu_threads(threads, loaded.models)
        export = export_task(loaded.task)
        graph, self.names = export.runtime_graph(loaded)
        self.graph = graph.eval()
        self.task = infer_task(loaded.task)
        selection = export.selection(loaded)
        self.description = Description(loaded.task, "pytorch", loaded.vocab, loaded.labels, False, selection)
        from signa.cpu import native_bf16, warn_if_emulated_bf16

        self.bf16 = precision == "bf16" or (precision == "auto" and native_bf16())
        if precision == "bf16":
            warn_if_emulated_bf16("--precision bf16")

    def run(self, data: np.ndarray) -> RawOutput:
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            out = self.graph(torch.from_numpy(data))
        out = out if isinstance(out, tuple) else (out,)
        arrays = [t.float().numpy() if t.is_floating_point() else t.numpy() for t in out]
        return self.task.raw_output(dict(zip(self.names, arrays, strict=True)), "unrolled")


class OnnxBackend:
    """An ONNX export folder: the unrolled or Kaggle graph, the stepwise pair, or a classifier."""

    def __init__(self, folder: Path, info: ExportInfo, threads):
        if info.variant == "stream":
            raise SignaError(
                "a streaming step export reads encoder features chunk by chunk, not landmarks: feed "
                "it as signa.export.streaming describes",
                folder / EXPORT_FILE,
            )
        self.info = info
        self.task = infer_task(info.task, folder / EXPORT_FILE)
        self.description = describe_export(info, folder)
        self.sessions = {key: open_session(folder / name, threads) for key, name in info.files.items()}

    def run(self, data: np.ndarray) -> RawOutput:
        return self.task.run_onnx(self.sessions, self.info, data)


class TFLiteBackend:
    """A TFLite file: fixed-length signatures (litert-torch; pad to the shortest that fits, or
    resample), or one variable-length ``serving_default`` signature (the onnx2tf route; no
    ``lengths`` in export.json), whose input is resized to each sequence."""

    VARIABLE = "serving_default"

    def __init__(self, folder: Path, info: ExportInfo, threads):
        self.info = info
        self.task = infer_task(info.task, folder / EXPORT_FILE)
        self.description = describe_export(info, folder)
        self.interpreter = open_interpreter(folder / info.files["model"], threads)
        self.lengths = sorted(info.input.lengths or [])
        names = [signature_name(n) for n in self.lengths] or [self.VARIABLE]
        try:
            self.runners = {name: self.interpreter.get_signature_runner(name) for name in names}
        except ValueError as err:
            raise SignaError(
                f"TFLite file lacks a signature listed in {EXPORT_FILE}: {err}", folder
            ) from None

    def run(self, data: np.ndarray) -> RawOutput:
        if not self.lengths:
            out = self.runners[self.VARIABLE](**{self.info.input.name: data})
        else:
            out = self._run_fixed(data)
        return self.task.raw_output(out, self.info.variant)

    def _run_fixed(self, data: np.ndarray) -> dict:
        frames = len(data)
        length = next((n for n in self.lengths if n >= frames), self.lengths[-1])
        if frames > length:
            data, frames = resample_frames(data, length), length
        runner = self.runners[signature_name(length)]
        return runner(landmarks=pad_frames(data, length), frames=np.array([frames], np.int32))


def describe_export(info: ExportInfo, folder: Path) -> Description:
    """The description of an export folder; its task reads the vocabulary or labels."""
    source = folder / EXPORT_FILE
    vocab, labels = infer_task(info.task, source).mappings(info, source)
    kaggle = info.input.layout == KAGGLE_LAYOUT
    return Description(info.task, info.format, vocab, labels, kaggle, info.selection)
