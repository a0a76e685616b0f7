"""The runtimes an export runs in: ONNX Runtime sessions and LiteRT interpreters, without torch.

Both :mod:`signa.export` (the checks after writing a file) and :mod:`signa.infer` (the backends) open
models here, so a deployed model needs numpy and its runtime only. ``export.json`` names a fixed-length
TFLite file's signatures ``frames_<length>`` (:func:`signature_name`).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from signa.errors import SignaError
from signa.export.console import quiet

# ONNX Runtime's CPU SkipLayerNormalization (residual add + LayerNorm in one kernel) ran the
# encoder's 56 post-LN residuals at 0.23 ms each for (384, 208), 4x its plain LayerNormalization
# plus Add: measured 65 -> 57 ms for the cfg_2 encoder at 384 frames without the fusion.
SLOWER_FUSIONS = ["SkipLayerNormFusion"]
INSTALL_HINT = "TFLite support is not installed: install signa-sl[tflite] (pip install 'signa-sl[tflite]')"


def signature_name(length: int) -> str:
    return f"frames_{length}"


def require_tflite(what: str = "litert_torch") -> None:
    """Raise the install hint when the ``tflite`` extra (``what`` module) is missing."""
    import importlib.util

    if importlib.util.find_spec(what) is None:
        raise SignaError(INSTALL_HINT)


def open_session(path: str | Path, threads: int | None = None):
    """An ONNX Runtime CPU session of ``path``; a damaged or foreign file is a SignaError."""
    import onnxruntime as ort

    path = Path(path)
    if not path.is_file():
        raise SignaError("model file not found", path)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    try:
        return ort.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"], disabled_optimizers=SLOWER_FUSIONS
        )
    except Exception as err:  # onnxruntime raises its own exception types for unreadable models
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise SignaError(f"not a loadable ONNX model ({first_line[:200]})", path) from None


def open_interpreter(path: str | Path, threads: int | None = None):
    """An ``ai-edge-litert`` interpreter of ``path``; a damaged file is a SignaError."""
    require_tflite("ai_edge_litert")
    from ai_edge_litert.interpreter import Interpreter

    path = Path(path)
    if not path.is_file():
        raise SignaError("model file not found", path)
    try:
        with quiet():
            return Interpreter(model_path=str(path), num_threads=threads or min(os.cpu_count() or 1, 4))
    except Exception as err:  # the interpreter raises ValueError/RuntimeError for unreadable files
        raise SignaError(f"not a loadable TFLite model ({str(err).strip()[:200]})", path) from None


def pad_frames(landmarks: np.ndarray, length: int) -> np.ndarray:
    """(T, ...) -> (length, ...) with NaN rows after the real ones (T <= length)."""
    padded = np.full((length, *landmarks.shape[1:]), np.nan, dtype=np.float32)
    padded[: len(landmarks)] = landmarks
    return padded


def resample_frames(landmarks: np.ndarray, length: int) -> np.ndarray:
    """Nearest-frame resampling of (T, ...) to ``length`` rows: frame floor(i·T / length)."""
    source = np.arange(length) * len(landmarks) // length
    return landmarks[source]
