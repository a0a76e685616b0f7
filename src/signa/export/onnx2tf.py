"""Variable-length TFLite files: an exported ONNX graph -> TensorFlow -> ``TFLiteConverter``.

    make onnx2tf-env             # once: .venv-onnx2tf (tensorflow 2.19, onnx 1.19, numpy 1.26)
    signa export RUN --format tflite --route onnx2tf --out exported/fs-var
    signa export RUN --format tflite --kaggle --out exported/kaggle-tflite   # implies --route onnx2tf

The result has one signature, ``serving_default``, with the ONNX graph's input and output names
(``landmarks`` -> ``logits``, ``tokens``, ``confidence``; ``landmarks`` -> ``probabilities``;
Kaggle: ``inputs`` [-1, 390] -> ``outputs`` (steps, 63)) and a dynamic frames axis: the runtime
resizes the input to each sequence's length, so no padding and no resampling beyond the graph's own.

TensorFlow pins numpy and protobuf versions that SIGNA's environment cannot share, so the
conversion runs in a separate interpreter (:mod:`signa.export.tf_worker`), found through
``SIGNA_ONNX2TF_PYTHON``, else ``.venv-onnx2tf/bin/python`` of the SIGNA checkout this package is
imported from (``make onnx2tf-env``). Never from the current folder: running ``signa export`` inside
someone else's folder must not execute an interpreter that folder holds. ``onnx2tf`` itself is
not used: its NCHW -> NHWC layout rewriting broke every SIGNA graph on a dynamic frames axis; the
worker maps each ONNX op to the TensorFlow op of the same meaning instead.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from signa.errors import SignaError
from signa.files import REPO_ROOT, atomic_path, is_checkout

ENV_VAR = "SIGNA_ONNX2TF_PYTHON"
VENV = ".venv-onnx2tf"
WORKER = Path(__file__).with_name("tf_worker.py")
SETUP_HINT = f"run `make onnx2tf-env` (creates {VENV}) or set {ENV_VAR} to its python"
TAIL_LINES = 6


def find_python() -> Path:
    """The interpreter with TensorFlow; a SignaError with the setup command when there is none."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        path = Path(configured)
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise SignaError(f"{ENV_VAR} is not an executable python; {SETUP_HINT}", path)
        return path
    candidate = REPO_ROOT / VENV / "bin" / "python"
    if is_checkout(REPO_ROOT) and candidate.is_file():
        return candidate
    raise SignaError(f"the ONNX -> TFLite converter environment is missing: {SETUP_HINT}")


def convert_onnx(onnx_path: str | Path, out: str | Path, fp16: bool = False) -> float:
    """Write the variable-length TFLite file ``out`` from ``onnx_path``; returns the seconds taken.

    The worker's output is kept and shown only on failure, condensed to its last useful lines.
    """
    onnx_path, out = Path(onnx_path), Path(out)
    if not onnx_path.is_file():
        raise SignaError("ONNX file not found", onnx_path)
    python = find_python()
    start = time.perf_counter()
    with atomic_path(out) as tmp:
        command = [str(python), str(WORKER), str(onnx_path), str(tmp)] + (["--fp16"] if fp16 else [])
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}
        try:
            result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
        except OSError as err:
            raise SignaError(f"cannot run the converter interpreter ({err}); {SETUP_HINT}", python) from None
        if result.returncode != 0 or tmp.stat().st_size == 0:
            raise SignaError(f"TFLite conversion failed: {condense(result.stderr)}", onnx_path)
    return time.perf_counter() - start


def condense(log: str) -> str:
    """The useful end of the worker's stderr: its own error line, else the last lines without noise."""
    lines = [line.strip() for line in log.splitlines() if line.strip()]
    own = [line.removeprefix("SIGNA-ERROR: ") for line in lines if line.startswith("SIGNA-ERROR: ")]
    if own:
        return own[-1]
    noise = ("W0000", "E0000", "I0000", "WARNING: All log messages", "File ", "^", "Traceback")
    useful = [line for line in lines if not line.startswith(noise)]
    if not useful:
        return "the converter exited without a message"
    if "ModuleNotFoundError" in useful[-1]:
        return f"{useful[-1]}; {SETUP_HINT}"
    return " | ".join(line[:300] for line in useful[-TAIL_LINES:])
