"""SIGNA: sign language to text from MediaPipe Holistic landmarks.

    >>> import signa
    >>> recognizer = signa.load_model("runs/fs/checkpoint")   # or an ONNX folder, or a .tflite file
    >>> recognizer.predict(landmarks).text

``load_model`` and ``Recognizer`` are imported on first use, so ``import signa`` stays light.
"""

from signa.errors import SignaError
from signa.version import __version__

__all__ = ["Recognizer", "SignaError", "__version__", "load_model"]


def __getattr__(name: str):
    if name in ("Recognizer", "load_model"):
        from signa.infer import runtime

        return getattr(runtime, name)
    raise AttributeError(f"module 'signa' has no attribute {name!r}")
