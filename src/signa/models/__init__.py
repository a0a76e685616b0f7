"""Models: encoders, decoders and heads, assembled by name from typed configs."""

from signa.models.checkpoint import load_model, save_model
from signa.models.registry import build_model, register

__all__ = ["build_model", "load_model", "register", "save_model"]
