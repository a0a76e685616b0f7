"""What a model is: its architecture and parameter counts, for ``signa model`` and the docs.

A model may name the modules it needs for training only (``training_only_modules()``, e.g. the
fingerspelling backward decoder); ``inference`` counts what an exported model keeps without them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from torch import nn

from signa.bundled import resolve_model
from signa.config import apply_overrides, read_mapping, to_dict
from signa.errors import SignaError
from signa.models.checkpoint import read_checkpoint_config
from signa.models.registry import build_model


def count_parameters(model: nn.Module) -> dict[str, int]:
    """``total``, ``trainable`` and ``inference`` (trainable without training-only modules)."""
    total = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    modules = model.training_only_modules() if hasattr(model, "training_only_modules") else []
    training_only = sum(p.numel() for m in modules for p in m.parameters() if p.requires_grad)
    return {"total": total, "trainable": trainable, "inference": trainable - training_only}


def model_from_spec(path: str | Path, overrides: list[str] = ()) -> tuple[nn.Module, str]:
    """Build (untrained) the model of an experiment YAML/JSON or of a checkpoint or run folder.

    ``overrides`` (``model.dense_dim=512``) change an experiment file's values, e.g. to size a teacher.
    """
    path = resolve_model(path)
    foreign = [o for o in overrides if not o.strip().startswith("model.")]
    if foreign:
        raise SignaError(f"--set {foreign[0]!r}: only model.* keys change a model", path)
    if path.is_dir():
        if overrides:
            raise SignaError("--set changes a config file, not a checkpoint", path)
        config = read_checkpoint_config(path)
        return build_model(config["arch"], config["model"], path), config["arch"]
    section = apply_overrides(read_mapping(path), list(overrides), path).get("model")
    if not isinstance(section, dict) or "arch" not in section:
        raise SignaError("the config has no model section with an 'arch' key", path)
    section = dict(section)
    arch = section.pop("arch")
    return build_model(arch, section, path), arch


def describe(model: nn.Module, arch: str) -> dict[str, Any]:
    """Plain-data summary: arch, parameter counts, per-module counts and the model config."""
    modules = {name: sum(p.numel() for p in child.parameters()) for name, child in model.named_children()}
    return {
        "arch": arch,
        "parameters": count_parameters(model),
        "modules": modules,
        "config": to_dict(model.config),
    }


def render(model: nn.Module, summary: dict[str, Any]) -> str:
    """Human-readable architecture: the module tree (repeated blocks shown once) and the counts."""
    counts = summary["parameters"]
    lines = [f"architecture: {summary['arch']}", *_tree(model, 0)]
    lines.append(
        f"parameters: {counts['total']:,} total, {counts['trainable']:,} trainable, "
        f"{counts['inference']:,} kept for inference"
    )
    return "\n".join(lines)


def _tree(module: nn.Module, depth: int) -> list[str]:
    """One line per child module with its parameter count; a ModuleList shows its first entry."""
    lines = []
    for name, child in module.named_children():
        size = sum(p.numel() for p in child.parameters())
        if isinstance(child, nn.ModuleList) and len(child) and len({repr(c) for c in child}) == 1:
            lines.append(f"{'  ' * depth}{name}: {len(child)} × {type(child[0]).__name__} ({size:,})")
            lines.extend(_tree(child[0], depth + 1))
            continue
        detail = child.extra_repr()
        lines.append(f"{'  ' * depth}{name}: {type(child).__name__}({detail}) ({size:,})")
        lines.extend(_tree(child, depth + 1))
    return lines
