"""The options of ``signa export`` (torch-free, so a task module or a caller can build them cheaply)."""

from __future__ import annotations

from dataclasses import dataclass

PRECISIONS = ("fp32", "fp16", "int8")
VARIANTS = ("unrolled", "stepwise", "loop", "stream")


@dataclass(frozen=True)
class ExportOptions:
    """``precision``: fp32, fp16 or int8 weights (ONNX: dynamic int8 matmuls). ``kaggle``: the Kaggle
    fingerspelling contract (input ``inputs`` (frames, 390), output ``outputs`` (steps, V)).
    ``lengths``: the TFLite signatures' frame counts. ``route`` (TFLite): ``litert`` (litert-torch,
    fixed-length signatures) or ``onnx2tf`` (the ONNX graph converted in a separate TensorFlow
    environment: one variable-length ``serving_default`` signature; the Kaggle contract needs it)."""

    format: str = "onnx"
    precision: str = "fp32"
    variant: str = "unrolled"
    kaggle: bool = False
    lengths: tuple[int, ...] = (128, 256, 384)
    route: str = "litert"
