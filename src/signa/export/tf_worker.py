"""ONNX file -> TensorFlow saved model -> variable-length TFLite file. Runs in its OWN interpreter.

    .venv-onnx2tf/bin/python src/signa/export/tf_worker.py model.onnx model.tflite [--fp16]

This file imports only tensorflow, onnx and numpy (the pinned environment of ``make onnx2tf-env``),
never ``signa``: :mod:`signa.export.onnx2tf` runs it as a subprocess.

Each ONNX node becomes the TensorFlow op of the same meaning on tensors of the SAME layout (no
NCHW -> NHWC rewriting of the graph: only ``Conv`` transposes around ``tf.nn.conv2d``). That is
why it is used instead of ``onnx2tf`` itself, whose layout heuristics broke SIGNA's graphs on a
dynamic frames axis (a constant-folded decoder start transposed to (1, 32, 1); the stem's part
convolutions left un-transposed). int64 tensors become int32 (TFLite's native index type; ids and
shapes fit). Nodes whose inputs are all constants are computed once, eagerly, at conversion.

The TFLite file has one signature, ``serving_default``, whose inputs and outputs carry the ONNX
names; every dimension that is symbolic in the ONNX file is ``-1`` in the TFLite input, so the
runtime resizes the input to the sequence length.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
# Run as a script, this folder would come first on sys.path and its onnx.py would shadow ``onnx``.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import tensorflow as tf  # noqa: E402
from onnx import numpy_helper  # noqa: E402

INT32_MAX = np.iinfo(np.int32).max
DTYPES = {
    onnx.TensorProto.FLOAT: tf.float32,
    onnx.TensorProto.DOUBLE: tf.float32,
    onnx.TensorProto.FLOAT16: tf.float16,
    onnx.TensorProto.INT64: tf.int32,
    onnx.TensorProto.INT32: tf.int32,
    onnx.TensorProto.BOOL: tf.bool,
}


class Unsupported(Exception):
    """An ONNX node this converter cannot express; the message names the node."""


def constant(array: np.ndarray) -> np.ndarray:
    """An ONNX initializer as the converted graph holds it: float32, int32 (int64 clipped), bool."""
    if array.dtype == np.int64:
        return np.clip(array, -INT32_MAX - 1, INT32_MAX).astype(np.int32)
    if array.dtype == np.float64:
        return array.astype(np.float32)
    return array


def static(value):
    """A numpy value when ``value`` is known at conversion time, else None."""
    if isinstance(value, np.ndarray):
        return value
    return tf.get_static_value(value)


def ints(value, what: str) -> list[int]:
    known = static(value)
    if known is None:
        raise Unsupported(f"{what} must be a constant")
    return [int(v) for v in np.atleast_1d(known)]


def attrs_of(node) -> dict:
    return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


# --- op implementations: f(inputs, attrs) -> output or list of outputs ---------------------------


def _conv(x, w, b=None, *, group=1, pads=None, strides=None, dilations=None, auto_pad=b"NOTSET", **_):
    if auto_pad not in (b"NOTSET", "NOTSET"):
        raise Unsupported(f"Conv auto_pad={auto_pad!r}")
    w = static(w)
    if w is None:
        raise Unsupported("Conv weights must be constant")
    spatial = w.ndim - 2
    if spatial not in (1, 2):
        raise Unsupported(f"Conv with {spatial} spatial dimensions")
    if spatial == 1:  # (N, C, L) -> (N, C, 1, L)
        x, w = tf.expand_dims(x, 2), w[:, :, None, :]
        pads = [0, pads[0], 0, pads[1]] if pads else None
        strides = [1, *(strides or [1])]
        dilations = [1, *(dilations or [1])]
    pads = pads or [0, 0, 0, 0]
    strides, dilations = strides or [1, 1], dilations or [1, 1]
    h = tf.transpose(x, [0, 2, 3, 1])  # NCHW -> NHWC
    if any(pads):
        h = tf.pad(h, [[0, 0], [pads[0], pads[2]], [pads[1], pads[3]], [0, 0]])
    h = tf.reshape(h, tf.concat([tf.shape(h)[:3], [w.shape[1] * group]], 0))  # TFLite needs static channels
    out_channels, in_per_group = w.shape[0], w.shape[1]
    if group == 1:
        y = tf.nn.conv2d(h, w.transpose(2, 3, 1, 0), [1, *strides, 1], "VALID", dilations=dilations)
    elif in_per_group == 1 and out_channels == group:  # depthwise
        kernel = w.transpose(2, 3, 0, 1)  # (kH, kW, C, 1)
        y = tf.nn.depthwise_conv2d(h, kernel, [1, *strides, 1], "VALID", dilations=dilations)
    else:
        raise Unsupported(f"grouped Conv (group={group}) other than depthwise")
    if b is not None:
        y = y + b
    y = tf.transpose(y, [0, 3, 1, 2])
    return y[:, :, 0, :] if spatial == 1 else y


def _gemm(a, b, c=None, *, alpha=1.0, beta=1.0, transA=0, transB=0, **_):
    y = tf.matmul(a, b, transpose_a=bool(transA), transpose_b=bool(transB))
    if alpha != 1.0:
        y = y * alpha
    if c is not None:
        y = y + (c * beta if beta != 1.0 else c)
    return y


def _matmul(a, b, **_):
    if len(a.shape) == 1 or len(b.shape) == 1:
        raise Unsupported("MatMul of a vector")
    return tf.matmul(a, b)


def _reshape(x, shape, *, allowzero=0, **_):
    known = static(shape)
    if known is not None:
        dims = [int(d) for d in known]
        if not allowzero and 0 in dims:
            current = tf.shape(x)
            return tf.reshape(x, [current[i] if d == 0 else d for i, d in enumerate(dims)])
        return tf.reshape(x, dims)
    if not allowzero:
        n = tf.size(shape)
        current = tf.concat([tf.shape(x), tf.zeros_like(shape)], 0)[:n]
        shape = tf.where(tf.equal(shape, 0), current, shape)
    return tf.reshape(x, shape)


def _axes(rank: int, axes) -> list[int]:
    return [a + rank if a < 0 else a for a in axes]


def _slice(x, starts, ends, axes=None, steps=None, **_):
    rank = len(x.shape)
    axes = _axes(rank, ints(axes, "Slice axes")) if axes is not None else list(range(rank))
    steps = ints(steps, "Slice steps") if steps is not None else [1] * len(axes)
    starts_k, ends_k = static(starts), static(ends)
    if starts_k is not None and ends_k is not None:
        index = [slice(None)] * rank
        for axis, start, end, step in zip(axes, starts_k, ends_k, steps, strict=True):
            unbounded = (step > 0 and end >= INT32_MAX) or (step < 0 and end <= -INT32_MAX - 1)
            end = None if unbounded else int(end)
            index[axis] = slice(int(start), end, step)
        return x[tuple(index)]
    begin, end, stride = [0] * rank, [0] * rank, [1] * rank
    begin_mask = end_mask = 0
    for i in range(rank):
        if i not in axes:
            begin_mask |= 1 << i
            end_mask |= 1 << i
    for j, axis in enumerate(axes):
        begin[axis], end[axis], stride[axis] = starts[j], ends[j], steps[j]
    cast = [tf.cast(v, tf.int32) for v in begin], [tf.cast(v, tf.int32) for v in end]
    return tf.strided_slice(
        x, tf.stack(cast[0]), tf.stack(cast[1]), stride, begin_mask=begin_mask, end_mask=end_mask
    )


def _gather(x, indices, *, axis=0, **_):
    axis = axis + len(x.shape) if axis < 0 else axis
    known = static(indices)
    if known is not None and (known >= 0).all():
        return tf.gather(x, known, axis=axis)
    size = tf.shape(x, out_type=indices.dtype)[axis]
    return tf.gather(x, tf.where(indices < 0, indices + size, indices), axis=axis)


def _gather_elements(x, indices, *, axis=0, **_):
    rank = len(x.shape)
    axis = axis + rank if axis < 0 else axis
    size = tf.shape(x, out_type=indices.dtype)[axis]
    indices = tf.where(indices < 0, indices + size, indices)
    shape = tf.shape(indices, out_type=indices.dtype)
    grids = tf.meshgrid(*[tf.range(shape[i]) for i in range(rank)], indexing="ij")
    grids[axis] = indices
    return tf.gather_nd(x, tf.stack(grids, axis=-1))


def _split(x, split=None, *, axis=0, num_outputs=None, _n_out=1, **_):
    if split is not None:
        return tf.split(x, ints(split, "Split sizes"), axis=axis)
    size = x.shape[axis]
    if size is None:
        raise Unsupported("Split of a dynamic axis without sizes")
    part = -(-size // _n_out)
    sizes = [part] * (size // part) + ([size % part] if size % part else [])
    return tf.split(x, sizes, axis=axis)


def _squeeze(x, axes=None, **_):
    if axes is None:
        return tf.squeeze(x)
    return tf.squeeze(x, _axes(len(x.shape), ints(axes, "Squeeze axes")))


def _unsqueeze(x, axes, **_):
    rank = len(x.shape) + len(ints(axes, "Unsqueeze axes"))
    for axis in sorted(_axes(rank, ints(axes, "Unsqueeze axes"))):
        x = tf.expand_dims(x, axis)
    return x


def _reduce(fn):
    def reduce(x, axes=None, *, keepdims=1, noop_with_empty_axes=0, **_):
        if axes is None or not ints(axes, "reduction axes"):
            if noop_with_empty_axes:
                return x
            axes_list = list(range(len(x.shape)))
        else:
            axes_list = _axes(len(x.shape), ints(axes, "reduction axes"))
        return fn(x, axis=axes_list, keepdims=bool(keepdims))

    return reduce


def _argmax(x, *, axis=0, keepdims=1, select_last_index=0, **_):
    if select_last_index:
        size = tf.shape(x)[axis]
        y = size - 1 - tf.argmax(tf.reverse(x, [axis]), axis=axis, output_type=tf.int32)
    else:
        y = tf.argmax(x, axis=axis, output_type=tf.int32)
    return tf.expand_dims(y, axis) if keepdims else y


def _layer_norm(x, scale, bias=None, *, axis=-1, epsilon=1e-5, **_):
    rank = len(x.shape)
    axes = list(range(axis + rank if axis < 0 else axis, rank))
    mean = tf.reduce_mean(x, axes, keepdims=True)
    centred = x - mean
    variance = tf.reduce_mean(tf.square(centred), axes, keepdims=True)
    y = centred * tf.math.rsqrt(variance + epsilon) * scale
    return y if bias is None else y + bias


def _shape(x, *, start=0, end=None, **_):
    rank = len(x.shape)
    dims = x.shape.as_list()[start:end]
    if all(d is not None for d in dims):
        return np.array(dims, dtype=np.int32)
    return tf.shape(x, out_type=tf.int32)[start : rank if end is None else end]


def _clip(x, low=None, high=None, **_):
    if low is not None:
        x = tf.maximum(x, low)
    if high is not None:
        x = tf.minimum(x, high)
    return x


def _cumsum(x, axis, *, exclusive=0, reverse=0, **_):
    (axis,) = ints(axis, "CumSum axis")
    return tf.math.cumsum(x, axis=axis, exclusive=bool(exclusive), reverse=bool(reverse))


def _expand(x, shape, **_):
    return tf.broadcast_to(x, tf.broadcast_dynamic_shape(tf.shape(x, out_type=tf.int32), shape))


def _cast(x, *, to, **_):
    if to not in DTYPES:
        raise Unsupported(f"Cast to ONNX type {to}")
    return tf.cast(x, DTYPES[to])


def _constant_of_shape(shape, *, value=None, **_):
    fill = constant(numpy_helper.to_array(value)) if value is not None else np.zeros(1, np.float32)
    return tf.fill(shape, fill.reshape(()))


def _mod(a, b, *, fmod=0, **_):
    return tf.math.truncatemod(a, b) if fmod else tf.math.floormod(a, b)


def _softplus(x):
    return tf.maximum(x, 0.0) + tf.math.log(1.0 + tf.exp(-tf.abs(x)))


def _variadic(fn):
    def apply(*xs, **_):
        out = xs[0]
        for x in xs[1:]:
            out = fn(out, x)
        return out

    return apply


def _unary(fn):
    return lambda x, **_: fn(x)


def _binary(fn):
    return lambda a, b, **_: fn(a, b)


OPS = {
    "Add": _binary(tf.add),
    "Sub": _binary(tf.subtract),
    "Mul": _binary(tf.multiply),
    "Div": _binary(lambda a, b: tf.math.floordiv(a, b) if a.dtype.is_integer else a / b),
    "Pow": _binary(tf.pow),
    "Mod": _mod,
    "Equal": _binary(tf.equal),
    "Less": _binary(tf.less),
    "LessOrEqual": _binary(tf.less_equal),
    "Greater": _binary(tf.greater),
    "GreaterOrEqual": _binary(tf.greater_equal),
    "And": _binary(tf.logical_and),
    "Or": _binary(tf.logical_or),
    "Not": _unary(tf.logical_not),
    "IsNaN": _unary(lambda x: tf.not_equal(x, x)),
    "Max": _variadic(tf.maximum),
    "Min": _variadic(tf.minimum),
    "Sum": _variadic(tf.add),
    "Where": lambda c, a, b, **_: tf.where(c, a, b),
    "Relu": _unary(tf.nn.relu),
    "Sigmoid": _unary(tf.sigmoid),
    "Tanh": _unary(tf.tanh),
    "Sqrt": _unary(tf.sqrt),
    "Exp": _unary(tf.exp),
    "Log": _unary(tf.math.log),
    "Abs": _unary(tf.abs),
    "Neg": _unary(tf.negative),
    "Floor": _unary(tf.floor),
    "Ceil": _unary(tf.math.ceil),
    "Reciprocal": _unary(lambda x: 1.0 / x),
    "Softplus": _unary(_softplus),
    "Mish": _unary(lambda x: x * tf.tanh(_softplus(x))),
    "Identity": _unary(tf.identity),
    "Softmax": lambda x, *, axis=-1, **_: tf.nn.softmax(x, axis=axis),
    "MatMul": _matmul,
    "Gemm": _gemm,
    "Conv": _conv,
    "LayerNormalization": _layer_norm,
    "Reshape": _reshape,
    "Transpose": lambda x, *, perm=None, **_: tf.transpose(x, perm),
    "Concat": lambda *xs, axis, **_: tf.concat(list(xs), axis=axis),
    "Slice": _slice,
    "Split": _split,
    "Squeeze": _squeeze,
    "Unsqueeze": _unsqueeze,
    "Gather": _gather,
    "GatherElements": _gather_elements,
    "Expand": _expand,
    "Shape": _shape,
    "Size": _unary(lambda x: tf.size(x, out_type=tf.int32)),
    "Range": lambda start, limit, delta, **_: tf.range(start, limit, delta),
    "Cast": _cast,
    "ConstantOfShape": _constant_of_shape,
    "Clip": _clip,
    "CumSum": _cumsum,
    "ArgMax": _argmax,
    "ReduceMean": _reduce(tf.reduce_mean),
    "ReduceSum": _reduce(tf.reduce_sum),
    "ReduceMax": _reduce(tf.reduce_max),
    "ReduceMin": _reduce(tf.reduce_min),
    "Tile": lambda x, reps, **_: tf.tile(x, reps),
}


def check_supported(graph) -> None:
    missing = sorted({n.op_type for n in graph.node if n.op_type not in OPS and n.op_type != "Constant"})
    if missing:
        raise Unsupported(f"ONNX ops without a TensorFlow mapping here: {', '.join(missing)}")


def run_graph(graph, inputs: dict) -> dict:
    """Trace the ONNX graph on TensorFlow tensors (inside a tf.function); returns the outputs by name."""
    values = {init.name: constant(numpy_helper.to_array(init)) for init in graph.initializer}
    values.update(inputs)
    for node in graph.node:
        attrs = attrs_of(node)
        if node.op_type == "Constant":
            values[node.output[0]] = constant(numpy_helper.to_array(attrs["value"]))
            continue
        args = [values[name] if name else None for name in node.input]
        while args and args[-1] is None:
            args.pop()
        if node.op_type == "Split":
            attrs["_n_out"] = len(node.output)
        folded = all(isinstance(a, np.ndarray) or a is None for a in args)
        try:
            if folded:  # every input known: compute now, eagerly, with the same TensorFlow op
                with tf.init_scope():
                    tensors = [None if a is None else tf.constant(a) for a in args]
                    result = OPS[node.op_type](*tensors, **attrs)
                    result = [r.numpy() for r in result] if isinstance(result, list) else np.asarray(result)
            else:
                args = [tf.constant(a) if isinstance(a, np.ndarray) else a for a in args]
                result = OPS[node.op_type](*args, **attrs)
        except Unsupported as err:
            raise Unsupported(f"node {node.name} ({node.op_type}): {err}") from None
        except Exception as err:
            first = str(err).strip().splitlines()[0][:300] if str(err).strip() else type(err).__name__
            raise Unsupported(f"node {node.name} ({node.op_type}) failed: {first}") from None
        outputs = result if isinstance(result, list) else [result]
        for name, value in zip(node.output, outputs, strict=False):
            values[name] = value
    return {out.name: values[out.name] for out in graph.output}


def input_specs(graph) -> list[tf.TensorSpec]:
    initializers = {i.name for i in graph.initializer}
    specs = []
    for value in graph.input:
        if value.name in initializers:
            continue
        tensor = value.type.tensor_type
        shape = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
        specs.append(tf.TensorSpec(shape, DTYPES[tensor.elem_type], name=value.name))
    return specs


def to_saved_model(model: onnx.ModelProto, folder: str) -> None:
    graph = model.graph
    check_supported(graph)
    specs = input_specs(graph)
    names = [s.name for s in specs]

    @tf.function(input_signature=specs)
    def serve(*args):
        outputs = run_graph(graph, dict(zip(names, args, strict=True)))
        return {name: tf.identity(value) for name, value in outputs.items()}  # constants too

    module = tf.Module()
    module.serve = serve
    tf.saved_model.save(module, folder, signatures={"serving_default": serve.get_concrete_function()})


def to_tflite(folder: str, out: str, fp16: bool) -> None:
    converter = tf.lite.TFLiteConverter.from_saved_model(folder, signature_keys=["serving_default"])
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if fp16:
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    data = converter.convert()
    with open(out, "wb") as f:
        f.write(data)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("onnx_file")
    parser.add_argument("tflite_file")
    parser.add_argument("--fp16", action="store_true", help="float16 weights (computed in float32)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    model = onnx.load(args.onnx_file)
    with tempfile.TemporaryDirectory(prefix="signa-saved-model-") as folder:
        try:
            to_saved_model(model, folder)
        except Unsupported as err:
            print(f"SIGNA-ERROR: {err}", file=sys.stderr)
            return 3
        to_tflite(folder, args.tflite_file, args.fp16)
    print(f"converted in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
