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
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import torch

from signa.export.console import quiet
from signa.export.runtimes import require_tflite, signature_name
from signa.files import atomic_path

DEFAULT_LENGTHS = (128, 256, 384)


def convert(
    graph: torch.nn.Module,
    sample: dict[str, torch.Tensor],
    lengths: Sequence[int],
    path: str | Path,
    length_axes: dict[str, int],
) -> Path:
    """Write ``graph`` with one signature per length; ``length_axes`` names the frame axis of inputs."""
    require_tflite("litert_torch")
    require_tflite("ai_edge_litert")
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
    return Path(path)


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
