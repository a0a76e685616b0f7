"""Fingerspelling ONNX with the greedy loop as an ONNX ``Loop`` that stops at EOS (``--variant loop``).

The unrolled graph always runs every decoder step; real phrases end much earlier (Kaggle's median is
~18 characters of 33 steps). This variant composes the two stepwise graphs into one file: the
encoder graph (encoder, confidence, cross-attention keys/values, first step) runs once, then a
``Loop`` whose body is the one-step decoder graph runs until the greedy token is EOS or the step
budget is spent. ONNX Runtime (and ONNX Runtime Web) run it; converters that cannot run a ``Loop``
keep the unrolled graph.

Outputs: ``logits`` (n, V) and ``tokens`` (n,) of the n steps run (the last token is EOS unless the
budget ran out) and ``confidence`` (1,). The decoder weights live once, in the outer graph: every
body weight equal to an encoder-graph weight is read from there (the body refers to outer names).
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from signa.files import atomic_path

OUTPUTS = ["logits", "tokens", "confidence"]
BODY = "step/"  # prefix of the one-step graph's own names inside the Loop body


def export_loop(
    write_stepwise: Callable[[Path], dict[str, str]], out: Path, precision: str, steps: int, eos_id: int
) -> dict[str, str]:
    """``out/model.onnx`` at ``precision`` from the stepwise pair that ``write_stepwise(folder)`` writes.

    int8: the two graphs are quantized before composing (the quantizer does not enter a Loop body);
    their shared decoder weights quantize alike, so they are still stored once. fp16: the composed
    file's weights, all in the outer graph, are stored as float16.
    """
    from signa.export.onnx import compress_fp16, quantize_int8

    with tempfile.TemporaryDirectory(prefix="signa-loop-") as tmp:
        files = write_stepwise(Path(tmp))
        encoder, step = Path(tmp) / files["encoder"], Path(tmp) / files["decoder_step"]
        if precision == "int8":
            quantize_int8(encoder)
            quantize_int8(step)
        compose_loop(encoder, step, out / "model.onnx", steps, eos_id)
    if precision == "fp16":
        compress_fp16(out / "model.onnx")
    return {"model": "model.onnx"}


def compose_loop(encoder_path: Path, step_path: Path, out: Path, steps: int, eos_id: int) -> Path:
    """Write ``out``: the encoder graph, then the step graph as a ``Loop`` body stopping at ``eos_id``."""
    import onnx

    encoder, step = onnx.load(str(encoder_path)), onnx.load(str(step_path))
    graph = encoder.graph
    _rename_value(graph, "logits", "first_logits")
    cache = [o.name for o in graph.output if o.name.startswith("self_")]
    body = _loop_body(step, {_digest(init): init.name for init in graph.initializer}, eos_id)
    graph.node.extend(_around_loop(body, cache, steps, eos_id))
    del graph.output[:]
    graph.output.extend(_outputs(step))
    _merge_functions(encoder, step)
    with atomic_path(out) as tmp:
        onnx.save(encoder, str(tmp))
    return out


def _loop_body(step, outer_weights: dict[str, str], eos_id: int):
    """The step graph as a Loop body: (i, cond, token, caches) -> (cond, token, caches, logits, token)."""
    from onnx import NodeProto, TensorProto, helper

    graph = step.graph
    cross = {i.name for i in graph.input if i.name.startswith("cross_")}  # outer-scope values
    shared = {
        init.name: outer_weights[_digest(init)]
        for init in graph.initializer
        if _digest(init) in outer_weights
    }
    renamed = {**{name: name for name in cross}, **shared}

    def name(value: str) -> str:
        return value if not value else renamed.setdefault(value, BODY + value)

    nodes = []
    for node in graph.node:
        if any(a.type in (a.GRAPH, a.GRAPHS) for a in node.attribute):
            raise ValueError(f"the step graph's {node.op_type} node holds a subgraph; cannot nest it")
        copy = NodeProto()
        copy.CopyFrom(node)
        copy.name = BODY + node.name
        copy.input[:] = [name(i) for i in node.input]
        copy.output[:] = [name(o) for o in node.output]
        nodes.append(copy)
    initializers = [init for init in graph.initializer if init.name not in shared]
    for init in initializers:
        init.name = name(init.name)
    logits, *new_cache = (name(o.name) for o in graph.output)
    caches = [i for i in graph.input if i.name.startswith("self_")]
    nodes += _greedy_token(logits, "next_token", "body_cond", eos_id)
    inputs = [
        helper.make_tensor_value_info("iteration", TensorProto.INT64, []),
        helper.make_tensor_value_info("cond_in", TensorProto.BOOL, []),
        _renamed_info(graph.input[0], name(graph.input[0].name)),
        *(_renamed_info(c, name(c.name)) for c in caches),
    ]
    outputs = [
        helper.make_tensor_value_info("body_cond", TensorProto.BOOL, []),
        helper.make_tensor_value_info("next_token", TensorProto.INT64, [1, 1]),
        *(_renamed_info(c, n, symbolic=True) for c, n in zip(caches, new_cache, strict=True)),
        _renamed_info(graph.output[0], logits),
        helper.make_tensor_value_info("next_token_scan", TensorProto.INT64, [1, 1]),
    ]
    nodes.append(helper.make_node("Identity", ["next_token"], ["next_token_scan"]))
    return helper.make_graph(nodes, "greedy_step", inputs, outputs, initializers)


def _greedy_token(logits: str, token: str, cond: str, eos_id: int) -> list:
    """Nodes: ``token`` (1, 1) = argmax of ``logits`` (1, V); ``cond`` () = token is not EOS."""
    from onnx import helper, numpy_helper

    eos = numpy_helper.from_array(np.array(eos_id, dtype=np.int64))
    return [
        helper.make_node("ArgMax", [logits], [token], axis=-1, keepdims=1),
        helper.make_node("Constant", [], [token + "_eos"], value=eos),
        helper.make_node("Equal", [token, token + "_eos"], [token + "_is_eos"]),
        helper.make_node("Not", [token + "_is_eos"], [token + "_go"]),
        helper.make_node("Squeeze", [token + "_go"], [cond]),  # (1, 1) -> ()
    ]


def _around_loop(body, cache: list[str], steps: int, eos_id: int) -> list:
    """First token from the encoder graph's logits, the Loop, and the outputs concatenated."""
    from onnx import helper, numpy_helper

    def constant(name: str, value) -> object:
        return helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.array(value)))

    return [
        *_greedy_token("first_logits", "first_token", "first_cond", eos_id),
        constant("loop_max_steps", np.int64(steps - 1)),
        helper.make_node(
            "Loop",
            ["loop_max_steps", "first_cond", "first_token", *cache],
            ["last_token", *[f"last_{c}" for c in cache], "loop_logits", "loop_tokens"],
            body=body,
        ),
        constant("rows", np.array([-1, body.output[-2].type.tensor_type.shape.dim[1].dim_value])),
        constant("flat", np.array([-1])),
        helper.make_node("Reshape", ["loop_logits", "rows"], ["loop_logits_rows"]),
        helper.make_node("Concat", ["first_logits", "loop_logits_rows"], [OUTPUTS[0]], axis=0),
        helper.make_node("Reshape", ["first_token", "flat"], ["first_token_row"]),
        helper.make_node("Reshape", ["loop_tokens", "flat"], ["loop_tokens_row"]),
        helper.make_node("Concat", ["first_token_row", "loop_tokens_row"], [OUTPUTS[1]], axis=0),
    ]


def _rename_value(graph, old: str, new: str) -> None:
    """Rename value ``old`` of ``graph`` (its producer's output and every consumer's input)."""
    for node in graph.node:
        node.input[:] = [new if i == old else i for i in node.input]
        node.output[:] = [new if o == old else o for o in node.output]


def _outputs(step) -> list:
    from onnx import TensorProto, helper

    size = step.graph.output[0].type.tensor_type.shape.dim[1].dim_value
    return [
        helper.make_tensor_value_info(OUTPUTS[0], TensorProto.FLOAT, ["steps_run", size]),
        helper.make_tensor_value_info(OUTPUTS[1], TensorProto.INT64, ["steps_run"]),
        helper.make_tensor_value_info(OUTPUTS[2], TensorProto.FLOAT, [1]),
    ]


def _renamed_info(info, new_name: str, symbolic: bool = False):
    """A copy of value info ``info`` named ``new_name`` (``symbolic``: the cache axis left free)."""
    from onnx import ValueInfoProto

    copy = ValueInfoProto()
    copy.CopyFrom(info)
    copy.name = new_name
    if symbolic:
        copy.type.tensor_type.shape.dim[2].dim_param = "cached"
    return copy


def _merge_functions(encoder, step) -> None:
    """The step graph's local functions and opset imports, where the encoder graph lacks them."""
    have = {(f.domain, f.name) for f in encoder.functions}
    encoder.functions.extend(f for f in step.functions if (f.domain, f.name) not in have)
    opsets = {o.domain for o in encoder.opset_import}
    encoder.opset_import.extend(o for o in step.opset_import if o.domain not in opsets)


def _digest(init) -> str:
    """Content hash of an initializer: equal weights of the two graphs are stored once."""
    from onnx import numpy_helper

    array = numpy_helper.to_array(init)
    return hashlib.sha256(array.tobytes() + str((array.dtype, array.shape)).encode()).hexdigest()
