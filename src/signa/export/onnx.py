"""ONNX files: export with a dynamic frames axis, fp16 weight storage, and ONNX Runtime sessions.

Exporter: ``torch.onnx.export(dynamo=True)`` (torch.export based). The TorchScript exporter was
measured beside it: it exports a small fingerspelling graph in 1-3 s instead of 9-30 s, but it traces
Python integers into constants (``min(frames, max_len)`` among them), so a graph traced on a short
sequence failed on every sequence longer than ``max_len``; it also lacked stable sorting. The
dynamo exporter keeps the frames axis symbolic and gave identical outputs from 1 to 500 frames.

fp16: weights are stored as float16 and cast back to float32 once when the session loads (ONNX
Runtime folds the casts), so the file halves while the arithmetic stays fp32: ONNX Runtime's CPU
provider has few fp16 kernels, and fp16 arithmetic would be slower on CPU, not faster.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch

from signa.export.console import quiet
from signa.files import atomic_path

OPSET = 18
MAX_FRAMES = 100_000


def export_onnx(
    graph: torch.nn.Module,
    example: tuple[torch.Tensor, ...],
    path: str | Path,
    input_names: Sequence[str],
    output_names: Sequence[str],
    dynamic: dict[str, dict[int, str]],
) -> Path:
    """Write ``graph`` to ``path`` with the named axes of ``dynamic`` left symbolic.

    ``example`` may nest tuples of tensors (flattened in order into ``input_names``).
    """
    dims: dict[str, torch.export.Dim] = {}
    names = iter(input_names)

    def spec(name: str):
        axes = dynamic.get(name, {})
        return {
            axis: dims.setdefault(label, torch.export.Dim(label, min=1, max=MAX_FRAMES))
            for axis, label in axes.items()
        } or None

    # Inside a tuple a static input is {}: a tuple of None only is taken for a list and refused.
    shapes = tuple(
        tuple(spec(next(names)) or {} for _ in arg) if isinstance(arg, tuple) else spec(next(names))
        for arg in example
    )
    graph.eval()
    with atomic_path(path) as tmp, quiet(), torch.no_grad():
        program = torch.onnx.export(
            graph,
            example,
            dynamo=True,
            input_names=list(input_names),
            output_names=list(output_names),
            dynamic_shapes=shapes,
            opset_version=OPSET,
            external_data=False,
            verbose=False,
        )
        program.save(str(tmp), external_data=False)
    slim(path)
    return Path(path)


def slim(path: str | Path) -> Path:
    """Drop the exporter's per-node debugging metadata (stack traces, module names).

    They are ~6 MB of the 40 MB cfg_2 file; without them a two-seed fp16 ensemble fits 40 MB.
    """
    import onnx

    model = onnx.load(str(path))
    for node in model.graph.node:
        del node.metadata_props[:]
        node.doc_string = ""
    with atomic_path(path) as tmp:
        onnx.save(model, str(tmp))
    return Path(path)


def compress_fp16(path: str | Path, min_elements: int = 16) -> Path:
    """Store the float32 weights of an ONNX file as float16, cast back to float32 at load."""
    import onnx
    from onnx import helper, numpy_helper

    path = Path(path)
    model = onnx.load(str(path))
    graph = model.graph
    casts = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < min_elements:
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(init).astype(np.float16), init.name + "_fp16")
        casts.append(helper.make_node("Cast", [half.name], [init.name], to=onnx.TensorProto.FLOAT))
        init.CopyFrom(half)
    for node in reversed(casts):
        graph.node.insert(0, node)
    with atomic_path(path) as tmp:
        onnx.save(model, str(tmp))
    return path


def quantize_int8(path: str | Path) -> Path:
    """Rewrite an ONNX file with int8 weights for its weight matrix products (dynamic quantization).

    Each ``MatMul``/``Gemm`` whose second input is a weight becomes an ONNX Runtime integer matmul:
    weights stored as uint8 per output channel, activations quantized to uint8 on the fly. Products
    of two activations (attention scores) and with stacked per-head constants stay float. The file
    is ~4x smaller and its matrix products faster; the graph needs ONNX Runtime (contrib ops).

    uint8 weights (u8 x u8 kernels), not int8, so that one file computes the same integers on every
    x86 CPU: ONNX Runtime multiplies u8 x s8 without VNNI (AVX2, AVX-512 before VNNI) with
    ``vpmaddubsw``, which adds two products into a saturating int16 (2 x 255 x 127 > 32767); greedy
    tokens then differed from PyTorch at the first step on an AVX2-only EPYC. Its u8 x u8 kernels
    multiply 16-bit words (``vpmaddwd``, int32 sums) and VNNI/AMX accumulate in int32: no path
    saturates. Measured on the AVX-512 VNNI Zen 4 (random-weight tiny model, 66 real sequences):
    first-step logit error 0.011 (int8 weights: 0.010; 7-bit int8, ``reduce_range``, the other
    remedy: 0.016); cfg_2 at 384 frames 10-25 % slower than int8 weights on VNNI, still faster
    than fp32.
    """
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    path = Path(path)
    with atomic_path(path) as tmp, quiet():
        folded = tmp.with_name(tmp.name + ".folded.onnx")
        try:
            model = onnx.load(str(_fold_constants(path, folded)))
            _untranspose_gemm_weights(model)
            matrices = {init.name for init in model.graph.initializer if len(init.dims) == 2}
            not_linear = [  # products of two activations, or with a stacked (3-D) constant
                node.name
                for node in model.graph.node
                if node.op_type in ("MatMul", "Gemm")
                and not (len(node.input) > 1 and node.input[1] in matrices)
            ]
            # The exporter's intermediate shape annotations are not all consistent with ONNX's own
            # shape inference, which the quantizer runs: drop them (ONNX Runtime re-infers).
            del model.graph.value_info[:]
            onnx.save(model, str(folded))
            quantize_dynamic(
                folded,
                tmp,
                per_channel=True,
                weight_type=QuantType.QUInt8,  # u8 x u8: no int16 saturation on any CPU (see above)
                op_types_to_quantize=["MatMul", "Gemm"],
                nodes_to_exclude=not_linear,
            )
        finally:
            folded.unlink(missing_ok=True)
    return path


def _untranspose_gemm_weights(model) -> None:
    """Store ``Gemm(transB=1)`` weights transposed, with ``transB=0``.

    ONNX Runtime's quantizer (1.23) turns a ``Gemm`` into an integer ``MatMul`` without honouring
    ``transB``, which gave a graph that fails to load; ``nn.Linear`` exports as ``transB=1``.
    """
    from onnx import numpy_helper

    initializers = {init.name: init for init in model.graph.initializer}
    consumers: dict[str, list] = {}
    for node in model.graph.node:
        for position, name in enumerate(node.input):
            consumers.setdefault(name, []).append((node, position))
    for name, init in initializers.items():
        uses = consumers.get(name, [])
        if not uses or not all(_is_transposed_gemm_weight(node, position) for node, position in uses):
            continue
        init.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(init).T.copy(), name))
        for node, _ in uses:
            for attribute in node.attribute:
                if attribute.name == "transB":
                    attribute.i = 0


def _is_transposed_gemm_weight(node, position: int) -> bool:
    trans_b = next((a.i for a in node.attribute if a.name == "transB"), 0)
    return node.op_type == "Gemm" and position == 1 and trans_b == 1


def _fold_constants(path: Path, target: Path) -> Path:
    """``path`` rewritten to ``target`` by ONNX Runtime's portable (basic) optimisations.

    The exporter emits some weights as the output of a node (a transposed or reshaped
    initializer); folded, every weight is an initializer the quantizer can see.
    """
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(target)
    options.log_severity_level = 3
    ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return target
