"""TFLite files through ``litert-torch``: fixed-length signatures sharing one set of weights.

``litert-torch`` converts fixed shapes only (a dynamic frames axis fails inside its JAX bridge),
so a SIGNA TFLite file holds one signature per length, ``frames_128``, ``frames_256``,
``frames_384`` by default, each reading ``landmarks`` (length, 543, 3) and ``frames`` (1,) int32:
the input is padded to the signature's length and the first ``frames`` rows are real. The runtime
picks the shortest signature that holds a sequence; a longer sequence is first resampled to the
longest signature (nearest frame, the same rule as the ONNX graph applies inside itself).

Weights: ``fp32``; ``fp16`` (stored as float16, computed in float32) and ``int8`` (weight-only,
per channel) through ``ai-edge-quantizer``.

Everything here needs the optional extra: ``pip install 'signa-sl[tflite]'``.

The conversion runs in a Python process of its own (``python -m signa.export.tflite JOB``):
``import litert_torch`` loads JAX and TensorFlow, whose threads would stay in the caller and make
any later ``fork`` unsafe (JAX warns that it will likely deadlock), e.g. a training's DataLoader
workers in the same process; their memory goes with the process too.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch

from signa.export.console import quiet
from signa.export.runtimes import require_tflite, signature_name
from signa.files import atomic_path

DEFAULT_LENGTHS = (128, 256, 384)
OS_ERROR_EXIT = 3  # the converting process failed with an OSError (its errno and file follow)


def convert(
    graph: torch.nn.Module,
    sample: dict[str, torch.Tensor],
    lengths: Sequence[int],
    path: str | Path,
    length_axes: dict[str, int],
) -> Path:
    """Write ``graph`` with one signature per length; ``length_axes`` names the frame axis of inputs.

    ``graph`` is pickled to the converting process, so its classes must be importable from
    ``sys.path`` (not defined in ``__main__``)."""
    require_tflite("litert_torch")
    require_tflite("ai_edge_litert")
    with tempfile.TemporaryDirectory(prefix="signa-tflite-") as folder:
        job = Path(folder) / "job.pt"
        torch.save({"graph": graph, "sample": sample, "lengths": list(lengths), "path": str(path),
                    "length_axes": length_axes}, job)  # fmt: skip
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        command = [sys.executable, "-m", "signa.export.tflite", str(job)]
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    if done.returncode == OS_ERROR_EXIT:  # a full disk, say: the same OSError as in this process
        code, filename = json.loads(done.stderr.strip().splitlines()[-1])
        raise OSError(code, os.strerror(code), filename)
    if done.returncode != 0:
        raise RuntimeError(f"the litert-torch conversion failed:\n{done.stderr[-4000:]}")
    return Path(path)


def _convert_here(
    graph: torch.nn.Module,
    sample: dict[str, torch.Tensor],
    lengths: Sequence[int],
    path: str,
    length_axes: dict[str, int],
) -> None:
    import litert_torch

    graph.eval()
    converter = None
    for length in lengths:
        kwargs = {name: _resized(tensor, length_axes.get(name), length) for name, tensor in sample.items()}
        if converter is None:
            converter = litert_torch.signature(signature_name(length), graph, sample_kwargs=kwargs)
        else:
            converter = converter.signature(signature_name(length), graph, sample_kwargs=kwargs)
    with quiet(), torch.no_grad():
        model = converter.convert()
        with atomic_path(path) as tmp:
            model.export(str(tmp))


def _resized(tensor: torch.Tensor, axis: int | None, length: int) -> torch.Tensor:
    if axis is None:
        return tensor
    shape = list(tensor.shape)
    shape[axis] = length
    return torch.zeros(shape, dtype=tensor.dtype)


def quantize(path: str | Path, precision: str, out: str | Path) -> Path:
    """Write ``out``: the model at ``path`` with ``fp16`` or ``int8`` (weight-only) weights."""
    require_tflite("ai_edge_quantizer")
    from ai_edge_quantizer import qtyping, quantizer, recipe

    q = quantizer.Quantizer(str(path))
    if precision == "fp16":
        q.add_weight_only_config(
            regex=".*",
            operation_name=qtyping.TFLOperationName.ALL_SUPPORTED,
            num_bits=16,
            algorithm_key=recipe.AlgorithmName.FLOAT_CASTING,
        )
    elif precision == "int8":
        q.load_quantization_recipe(recipe.weight_only_wi8_afp32())
    else:
        raise ValueError(f"unknown TFLite precision {precision!r}")
    with quiet():
        result = q.quantize()
        with atomic_path(out) as tmp:
            tmp.unlink()
            result.export_model(str(tmp), overwrite=True)
    return Path(out)


if __name__ == "__main__":  # the converting process of `convert`
    try:
        _convert_here(**torch.load(sys.argv[1], weights_only=False))
    except OSError as err:
        if err.errno is None:
            raise
        print(json.dumps([err.errno, err.filename]), file=sys.stderr)
        sys.exit(OS_ERROR_EXIT)
