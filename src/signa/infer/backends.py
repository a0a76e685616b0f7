"""Backends of :class:`signa.infer.Recognizer`: PyTorch, ONNX Runtime and LiteRT (TFLite).

Each takes one checked sequence, float32 (T, 543, 3) (or (T, 390) for a Kaggle-contract export),
and returns a :class:`~signa.infer.runtime.RawOutput`. The PyTorch backend runs the very graph
module that export writes, so any difference between forms is the runtimes' arithmetic.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from signa.errors import SignaError
from signa.export.metadata import EXPORT_FILE, ExportInfo, read_export_info
from signa.infer.runtime import Description, RawOutput, describe_export

PRECISIONS = ("fp32", "bf16", "auto")  # auto: bf16 where the CPU has it natively (signa.cpu)


def open_backend(path: Path, threads: int | None = None, precision: str = "fp32"):
    """The backend for a checkpoint/run folder, an export folder, or an .onnx/.tflite file."""
    path = Path(path)
    if not path.exists():
        raise SignaError("model not found", path)
    if precision not in PRECISIONS:
        raise SignaError(f"unknown precision {precision!r} (known: {', '.join(PRECISIONS)})")
    if path.is_file() and path.suffix in (".onnx", ".tflite"):
        folder, chosen = path.parent, path
    elif path.is_dir() and (path / EXPORT_FILE).is_file():
        folder, chosen = path, None
    else:
        return TorchBackend(path, precision)
    if precision == "bf16":
        raise SignaError(
            f"--precision {precision} runs PyTorch checkpoints; an export's precision is chosen at export",
            path,
        )
    return _export_backend(folder, read_export_info(folder), threads, chosen)


def _export_backend(folder: Path, info: ExportInfo, threads, chosen: Path | None = None):
    if info.format == "tflite":
        return TFLiteBackend(folder, info, threads)
    if chosen is not None and chosen.name not in info.files.values():
        raise SignaError(f"{chosen.name} is not listed in {EXPORT_FILE}", chosen)
    return OnnxBackend(folder, info, threads)


class TorchBackend:
    """A checkpoint run in PyTorch eager mode through the export graph, on CPU."""

    def __init__(self, path: Path, precision: str = "fp32"):
        from signa.export import graphs
        from signa.export.exporter import load_models
        from signa.models.decoding import SpecialTokens

        loaded = load_models([path])
        self.task = loaded.task
        if loaded.task == "fingerspelling":
            ensemble = graphs.FingerspellingEnsemble(loaded.models)
            self.graph = graphs.FingerspellingGraph(ensemble, SpecialTokens.of(loaded.vocab)).eval()
            selection = ensemble.selection.name
        else:
            self.graph = graphs.SignsGraph(loaded.models).eval()
            selection = "signs-100"
        self.description = Description(loaded.task, "pytorch", loaded.vocab, loaded.labels, False, selection)
        from signa.cpu import native_bf16, warn_if_emulated_bf16

        self.bf16 = precision == "bf16" or (precision == "auto" and native_bf16())
        if precision == "bf16":
            warn_if_emulated_bf16("--precision bf16")

    def run(self, data: np.ndarray) -> RawOutput:
        import torch

        with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=self.bf16):
            out = self.graph(torch.from_numpy(data))
        if self.task == "signs":
            return RawOutput(probabilities=out.float().numpy())
        logits, tokens, confidence = out
        return RawOutput(tokens.numpy(), float(confidence[0]), logits=logits.float().numpy())


class OnnxBackend:
    """An ONNX export folder: the unrolled, loop or Kaggle graph, the stepwise pair, or a classifier."""

    def __init__(self, folder: Path, info: ExportInfo, threads):
        from signa.export.onnx import open_session

        self.info = info
        self.description = describe_export(info)
        self.sessions = {key: open_session(folder / name, threads) for key, name in info.files.items()}

    def run(self, data: np.ndarray) -> RawOutput:
        if self.info.task == "signs":
            (probabilities,) = self.sessions["model"].run(None, {self.info.input.name: data})
            return RawOutput(probabilities=probabilities)
        if self.info.variant == "stepwise":
            return self._run_stepwise(data)
        if self.info.variant == "kaggle":
            (scores,) = self.sessions["model"].run(None, {"inputs": data})
            return RawOutput(tokens=scores.argmax(-1), logits=scores)
        logits, tokens, confidence = self.sessions["model"].run(None, {"landmarks": data})
        if self.info.variant == "loop":  # stopped at EOS: pad the tokens as the unrolled graph does
            decoding = self.info.decoding
            tokens = np.pad(tokens, (0, decoding["steps"] - len(tokens)), constant_values=decoding["pad_id"])
        return RawOutput(tokens, float(confidence[0]), logits=logits)

    def _run_stepwise(self, data: np.ndarray) -> RawOutput:
        """The runtime loop: one decoder-step call per token, stopping at EOS."""
        decoding = self.info.decoding
        logits, confidence, *tensors = self.sessions["encoder"].run(None, {"landmarks": data})
        step = self.sessions["decoder_step"]
        names = [i.name for i in step.get_inputs()]
        half = len(tensors) // 2
        cache, cross = tensors[:half], tensors[half:]
        tokens, all_logits = [], []
        for _ in range(decoding["steps"]):
            token = int(logits[0].argmax())
            tokens.append(token)
            all_logits.append(logits[0])
            if token == decoding["eos_id"] or len(tokens) == decoding["steps"]:
                break
            feed = dict(zip(names, [np.array([[token]], dtype=np.int64), *cache, *cross], strict=True))
            logits, *cache = step.run(None, feed)
        tokens += [decoding["pad_id"]] * (decoding["steps"] - len(tokens))
        return RawOutput(np.array(tokens), float(confidence[0]), logits=np.stack(all_logits))


class TFLiteBackend:
    """A TFLite file: fixed-length signatures (litert-torch; pad to the shortest that fits, or
    resample), or one variable-length ``serving_default`` signature (the onnx2tf route; no
    ``lengths`` in export.json), whose input is resized to each sequence."""

    VARIABLE = "serving_default"

    def __init__(self, folder: Path, info: ExportInfo, threads):
        from signa.export.tflite import open_interpreter, signature_name

        self.info = info
        self.description = describe_export(info)
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
        if self.info.task == "signs":
            return RawOutput(probabilities=out["probabilities"])
        if self.info.variant == "kaggle":
            scores = out["outputs"]
            return RawOutput(tokens=scores.argmax(-1), logits=scores)
        return RawOutput(out["tokens"], float(out["confidence"][0]), logits=out["logits"])

    def _run_fixed(self, data: np.ndarray) -> dict:
        from signa.export.tflite import pad_frames, resample_frames, signature_name

        frames = len(data)
        length = next((n for n in self.lengths if n >= frames), self.lengths[-1])
        if frames > length:
            data, frames = resample_frames(data, length), length
        runner = self.runners[signature_name(length)]
        return runner(landmarks=pad_frames(data, length), frames=np.array([frames], np.int32))
