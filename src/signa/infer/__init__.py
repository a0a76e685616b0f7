"""Inference: one :class:`Recognizer` for PyTorch checkpoints, ONNX folders and TFLite files."""

from signa.infer.runtime import Prediction, Recognizer, load_model

__all__ = ["Prediction", "Recognizer", "load_model"]
