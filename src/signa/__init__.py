"""SIGNA: sign language to text from MediaPipe Holistic landmarks."""

from signa.errors import SignaError

__version__ = "0.1.0"
__all__ = ["SignaError", "__version__"]
