"""Models: encoders, decoders and heads, assembled by name from typed configs.

The names below are imported on first use (they need torch), so the torch-free :mod:`signa.models.gate`
serves inference without torch.
"""

__all__ = ["build_model", "load_model", "register", "save_model"]


def __getattr__(name: str):
    if name in ("load_model", "save_model"):
        from signa.models import checkpoint

        return getattr(checkpoint, name)
    if name in ("build_model", "register"):
        from signa.models import registry

        return getattr(registry, name)
    raise AttributeError(f"module 'signa.models' has no attribute {name!r}")
